"""Per-kelurahan figures recomputed only where a change happened.

Two of the dashboard's inputs read one row per child: the stunted-children counts and the
outcome cohorts (a million children in a province, seconds on PostgreSQL). Both are sums
over kelurahan, and a child, measurement or match changes only the figures of the child's
kelurahan. So a process keeps them per kelurahan with the audit sequence number they were
computed at; after a change it reads the audit records written since (every change to
those rows is audited in the same transaction, ``cache.py``), finds the kelurahan they
touch and recomputes those alone.

Whatever it cannot place (an import, an automatic matching round, a rebuild of the growth
summaries, a record whose entity is gone, more records than ``MAX_RECORDS``) recomputes
everything, as before: the result is always what a recomputation from scratch gives.
Audit numbers are taken under the audit head's lock, held until commit, so records become
visible in number order: nothing committed below a number already read can appear later.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable

from sqlalchemy import func, select

from asuh.audit.models import AuditRecord
from asuh.children.models import Child, Measurement
from asuh.contributions.models import Contribution
from asuh.extensions import db
from asuh.matching.models import Match

MAX_ENTRIES = 16
MAX_RECORDS = 200  # past this many changes a full pass is as cheap as placing them
_entries: OrderedDict = OrderedDict()
_lock = threading.Lock()


def newest_record() -> tuple[int, str | None]:
    """The newest audit record's number and hash (the hash never repeats, so numbers
    reused after a test wipes the tables cannot pass for the old ones)."""
    row = db.session.execute(
        select(AuditRecord.id, AuditRecord.hash)
        .where(AuditRecord.id == select(func.max(AuditRecord.id)).scalar_subquery())).first()
    return (row[0], row[1]) if row else (0, None)


def _still_there(record: tuple[int, str | None]) -> bool:
    if record[0] == 0:
        return True
    return db.session.scalar(select(AuditRecord.hash)
                             .where(AuditRecord.id == record[0])) == record[1]


def touched_kelurahan(after: int, upto: int, kinds: tuple[str, ...]) -> set[str] | None:
    """The kelurahan whose children, measurements, matches or deliveries (their child's)
    the audit records numbered
    ``after`` < id <= ``upto`` of ``kinds`` changed; None when some record cannot be
    placed (then everything may have changed)."""
    records = db.session.execute(
        select(AuditRecord.entity_type, AuditRecord.entity_id, AuditRecord.changes)
        .where(AuditRecord.id > after, AuditRecord.id <= upto,
               AuditRecord.entity_type.in_(kinds))
        .limit(MAX_RECORDS + 1)).all()
    if len(records) > MAX_RECORDS:
        return None
    ids: dict[str, set[int]] = {"child": set(), "measurement": set(), "match": set(),
                                "contribution": set()}
    touched: set[str] = set()
    for entity_type, entity_id, changes in records:
        if entity_type not in ids or not (entity_id or "").isdigit():
            return None
        ids[entity_type].add(int(entity_id))
        moved = (changes or {}).get("kelurahan_code")
        if entity_type == "child" and isinstance(moved, list):
            # A child moved: both kelurahan's figures change.
            touched.update(code for code in moved if code)
    sources = {
        "child": select(Child.id, Child.kelurahan_code).where(Child.id.in_(ids["child"])),
        "measurement": select(Measurement.id, Child.kelurahan_code)
        .join(Child, Child.id == Measurement.child_id)
        .where(Measurement.id.in_(ids["measurement"])),
        "match": select(Match.id, Child.kelurahan_code).join(Child, Child.id == Match.child_id)
        .where(Match.id.in_(ids["match"])),
        "contribution": select(Contribution.id, Child.kelurahan_code)
        .join(Child, Child.id == Contribution.child_id)
        .where(Contribution.id.in_(ids["contribution"])),
    }
    for kind, wanted in ids.items():
        if not wanted:
            continue
        found = dict(db.session.execute(sources[kind]).all())
        if set(found) != wanted:
            return None
        touched.update(found.values())
    return touched


def per_kelurahan(key: tuple, kinds: tuple[str, ...],
                  compute: Callable[[list[str] | None], dict[str, object]],
                  newest: tuple[int, str | None] | None = None) -> dict:
    """``{kelurahan: value}`` from ``compute(codes)`` (``codes`` None: every kelurahan),
    kept per process and brought up to date by recomputing only the kelurahan changed
    since (``touched_kelurahan``); ``newest``: ``newest_record()`` when just read. The
    result is shared: do not change it."""
    newest = newest or newest_record()
    url = str(db.engine.url)
    with _lock:
        entry = _entries.get((url, key))
    if entry is not None and entry[0] == newest:
        return entry[1]
    touched = None
    if entry is not None and entry[0][0] < newest[0] and _still_there(entry[0]):
        touched = touched_kelurahan(entry[0][0], newest[0], kinds)
    if touched is None:
        values = compute(None)
    else:
        values = dict(entry[1])
        if touched:
            for code in touched:
                values.pop(code, None)
            values.update(compute(sorted(touched)))
    with _lock:
        _entries[(url, key)] = (newest, values)
        _entries.move_to_end((url, key))
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return values


def clear() -> None:
    with _lock:
        _entries.clear()
