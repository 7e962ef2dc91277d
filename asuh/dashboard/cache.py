"""A small in-process cache of the dashboard's figures, keyed by the shared audit stamp.

Outcomes, stunted counts and the follow-up list read one row per child; the rest reads
aggregates; the page's figure set is cached whole (``services.dashboard``). Their inputs
change only through
services that write the audit trail in the same transaction (children, measurements,
matches, contributions; the aggregate rebuild too), so the newest audit record of those
kinds is an exact version stamp: a cached result is reused while the stamp is unchanged,
and recomputed on the first request after any change. The stamp uses the record's hash,
which never repeats, so ids reused after a test wipes the tables cannot fool it.

Each worker process keeps its own entries (no shared state, nothing written by a GET);
the cost is one recomputation per process after a change, of the changed kelurahan only
for the per-child figures (``incremental.py``).
"""

import threading
from collections import OrderedDict

from sqlalchemy import func, select

from asuh.audit.models import AuditRecord
from asuh.dashboard import incremental
from asuh.extensions import db

MAX_ENTRIES = 32
GROWTH_REBUILT = "child_growth_summaries"
_entries: OrderedDict = OrderedDict()
_lock = threading.Lock()


def stamp(entity_types: tuple[str, ...]) -> tuple:
    """The hash of the newest audit record of each kind (None where there is none)."""
    newest = [select(func.max(AuditRecord.id)).where(AuditRecord.entity_type == kind)
              .scalar_subquery() for kind in entity_types]
    rows = dict(db.session.execute(
        select(AuditRecord.entity_type, AuditRecord.hash).where(AuditRecord.id.in_(newest))
    ).all())
    return (str(db.engine.url),) + tuple(rows.get(k) for k in entity_types)


def narrowed(version: tuple, entity_types: tuple[str, ...], kinds: tuple[str, ...]) -> tuple:
    """The stamp of ``kinds`` taken from ``version``, a stamp of ``entity_types`` that
    holds them all: one query for the several caches of one request."""
    return (version[0],) + tuple(version[1 + entity_types.index(k)] for k in kinds)


def cached(key: tuple, entity_types: tuple[str, ...], compute, version: tuple | None = None):
    """``compute()``'s result, reused while no record of ``entity_types`` was audited;
    ``version``: their stamp when the caller has just read it."""
    version = version or stamp(entity_types)
    with _lock:
        entry = _entries.get(key)
        if entry is not None and entry[0] == version:
            _entries.move_to_end(key)
            return entry[1]
    value = compute()
    with _lock:
        _entries[key] = (version, value)
        _entries.move_to_end(key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


def clear() -> None:
    """Forget every cached figure, the per-kelurahan ones too (a fresh process)."""
    with _lock:
        _entries.clear()
    incremental.clear()
