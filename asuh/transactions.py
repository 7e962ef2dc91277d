"""The one unit of work: use-case services commit or roll back here, nobody else does.

A use case owns its transaction (STYLE.md, example 15): HTML views, API endpoints and CLI
commands call a service and present the result; they never call ``commit`` or
``rollback`` themselves. A use case that calls another use case joins the outer unit of
work, so the act is all-or-nothing however the services are composed.

Only a unit of work writes, so only a unit of work takes the write lock (issue 12). In a
request, whatever is read before the use case (the signed-in user, the object in the URL)
is read in a transaction begun as a read (SQLite: DEFERRED), and the outermost use case
ends that read before its own transaction begins with the write lock (SQLite: BEGIN
IMMEDIATE, see ``extensions.configure_sqlite``). So work done before the use case (an
upload decoded, a file parsed) never holds the lock that every other writer waits for,
and a use case reads afresh, under the lock, what it is about to change.
"""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import has_app_context, has_request_context
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from asuh.extensions import db

P = ParamSpec("P")
R = TypeVar("R")

_DEPTH = "asuh_unit_of_work_depth"
# Set when the session's open transaction began outside a unit of work (a read), and
# when anything was written in it after all (then it is never ended silently).
_READ = "asuh_transaction_began_as_read"
_WROTE = "asuh_transaction_wrote"
# Set while a long read outside any request runs (``read_only``): a job building an export.
_READ_ONLY = "asuh_read_only"

# A read that records itself (a download, an export) waits for the lock at most this
# many times; each wait is bounded by the database's own lock timeout.
SHORT_WRITE_ATTEMPTS = 4
_RETRY_PAUSE_S = 0.05
# SQLite "database is locked"/"busy"; PostgreSQL serialization failure, deadlock,
# lock not available: the act was rolled back whole and may simply run again.
_PG_RETRYABLE = {"40001", "40P01", "55P03"}


def in_unit_of_work() -> bool:
    return db.session.info.get(_DEPTH, 0) > 0


def begins_writing() -> bool:
    """Whether a transaction beginning now takes the write lock up front.

    Inside a unit of work, yes. In a request outside one, no: those are the reads before
    the use case, which must never queue behind (or block) a writer. A command or script
    outside any request keeps the old rule (every transaction may write).
    """
    if not has_app_context():
        return True
    if db.session.info.get(_READ_ONLY):
        return in_unit_of_work()
    return in_unit_of_work() or not has_request_context()


@contextmanager
def read_only() -> Iterator[None]:
    """A long read outside any request (a job streaming an export of 100,000 rows): its
    transaction begins as a read (SQLite: DEFERRED), like a request's reads, instead of
    taking the write lock for as long as it streams as a command's transactions do."""
    end_read()
    db.session.info[_READ_ONLY] = True
    try:
        yield
    finally:
        db.session.info.pop(_READ_ONLY, None)
        if not in_unit_of_work():
            db.session.rollback()


def _end_read(session: Session) -> None:
    """End the open transaction if it began as a read and wrote nothing."""
    info = session.info
    if (info.get(_READ) and session.in_transaction() and not info.get(_WROTE)
            and not (session.new or session.dirty or session.deleted)):
        session.rollback()


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit when the outermost block ends normally; roll back on any exception.

    Inner blocks only flush, so a domain error raised deep inside leaves nothing behind.
    The outermost block first ends a read begun before it (objects loaded there are
    expired and reload inside this transaction, under its lock).
    """
    info = db.session.info
    depth = info.get(_DEPTH, 0)
    if depth == 0:
        _end_read(db.session())
    info[_DEPTH] = depth + 1
    try:
        yield
        if depth == 0:
            db.session.commit()
        else:
            db.session.flush()
    except BaseException:
        if depth == 0:
            db.session.rollback()
        raise
    finally:
        info[_DEPTH] = depth


def use_case(func: Callable[P, R] | None = None, *,
             prepare: Callable[[tuple, dict], tuple[tuple, dict]] | None = None):
    """Run ``func`` as one unit of work (joining an outer one if there is one).

    ``prepare(args, kwargs) -> (args, kwargs)`` is the work the act needs done before it
    takes the write lock (decoding uploads): it runs first, outside the unit of work, and
    its result is what ``func`` is called with. Joined into an outer unit of work it runs
    there (the outer act should have prepared its input itself).
    """
    if func is None:
        return lambda f: use_case(f, prepare=prepare)

    @wraps(func)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        if prepare is not None:
            args, kwargs = prepare(args, kwargs)
        with unit_of_work():
            return func(*args, **kwargs)

    wrapped.is_use_case = True
    return wrapped


def lock_busy(exc: DBAPIError) -> bool:
    """True for the errors that mean "another writer held the lock": nothing was done."""
    code = getattr(exc.orig, "pgcode", None) or getattr(exc.orig, "sqlstate", None)
    if code in _PG_RETRYABLE:
        return True
    text = str(exc.orig).lower()
    return "database is locked" in text or "database is busy" in text


def short_write(func: Callable[P, R]) -> Callable[P, R]:
    """A use case that records a read (a download, an export): its own short write
    transaction, begun after the read ended, waiting for the lock and tried again a
    bounded number of times, so a read that writes never fails because others write.

    The one helper every read-that-writes goes through (issue 12). Keep ``func`` short:
    it runs under the write lock. Joined into an outer unit of work, it is tried once
    (the outer act owns the transaction and its retries).
    """
    unit = use_case(func)

    @wraps(func)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        if in_unit_of_work():
            return unit(*args, **kwargs)
        for attempt in range(1, SHORT_WRITE_ATTEMPTS + 1):
            try:
                return unit(*args, **kwargs)
            except DBAPIError as exc:
                if attempt == SHORT_WRITE_ATTEMPTS or not lock_busy(exc):
                    raise
                time.sleep(_RETRY_PAUSE_S * attempt)
        raise AssertionError("unreachable")

    wrapped.is_use_case = True
    wrapped.is_short_write = True
    return wrapped


def end_read() -> None:
    """End a read-only transaction, so a long command does not hold its snapshot (or, on
    SQLite, its read lock) while it prints or waits; nothing was written to keep."""
    if in_unit_of_work():
        raise RuntimeError("end_read() inside a unit of work would discard its writes")
    db.session.rollback()


@event.listens_for(Session, "after_begin")
def _note_begin(session, transaction, _connection) -> None:
    if transaction.parent is None and not transaction.nested:
        session.info[_READ] = session.info.get(_DEPTH, 0) == 0
        session.info.pop(_WROTE, None)


@event.listens_for(Session, "after_flush")
def _note_flush(session, _context) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state) -> None:
    if not state.is_select:
        state.session.info[_WROTE] = True
