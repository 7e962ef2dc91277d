"""The one unit of work: use-case services commit or roll back here, nobody else does.

A use case owns its transaction (STYLE.md, example 15): HTML views, API endpoints and CLI
commands call a service and present the result; they never call ``commit`` or
``rollback`` themselves. A use case that calls another use case joins the outer unit of
work, so the act is all-or-nothing however the services are composed.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

from asuh.extensions import db

P = ParamSpec("P")
R = TypeVar("R")

_DEPTH = "asuh_unit_of_work_depth"


def in_unit_of_work() -> bool:
    return db.session.info.get(_DEPTH, 0) > 0


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit when the outermost block ends normally; roll back on any exception.

    Inner blocks only flush, so a domain error raised deep inside leaves nothing behind.
    """
    info = db.session.info
    depth = info.get(_DEPTH, 0)
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


def use_case(func: Callable[P, R]) -> Callable[P, R]:
    """Run ``func`` as one unit of work (joining an outer one if there is one)."""

    @wraps(func)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        with unit_of_work():
            return func(*args, **kwargs)

    wrapped.is_use_case = True
    return wrapped


def end_read() -> None:
    """End a read-only transaction, so a long command does not hold its snapshot (or, on
    SQLite, its read lock) while it prints or waits; nothing was written to keep."""
    if in_unit_of_work():
        raise RuntimeError("end_read() inside a unit of work would discard its writes")
    db.session.rollback()
