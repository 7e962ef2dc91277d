"""Writing and checking the audit trail.

Every service that changes data calls :func:`record` inside its own transaction, so the
change and its audit record commit or roll back together.
"""

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import select

from asuh.audit.models import AuditHead, AuditRecord
from asuh.extensions import db
from asuh.timeutil import utcnow

GENESIS_HASH = "0" * 64


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def diff(before: dict, after: dict) -> dict:
    """``{field: [old, new]}`` for the fields whose values differ."""
    return {
        key: [_plain(before.get(key)), _plain(after.get(key))]
        for key in sorted(set(before) | set(after))
        if _plain(before.get(key)) != _plain(after.get(key))
    }


def snapshot(obj, fields) -> dict:
    return {field: _plain(getattr(obj, field)) for field in fields}


def _digest(record: AuditRecord) -> str:
    payload = json.dumps(
        {
            "prev": record.prev_hash,
            "at": record.at.isoformat(timespec="microseconds"),
            "user_id": record.user_id,
            "ip": record.ip_address,
            "action": record.action,
            "entity_type": record.entity_type,
            "entity_id": record.entity_id,
            "summary": record.summary,
            "changes": record.changes,
        },
        sort_keys=True,
        separators=(",", ":"),
        default=_plain,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _actor_id(user) -> int | None:
    if user is not None:
        return user.id
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id
    return None


def record(action: str, entity_type: str, entity_id=None, *, summary: str = "",
           changes: dict | None = None, user=None, client: str | None = None) -> AuditRecord:
    """Append one audit record to the current transaction (the use case commits).

    ``client`` is the address the act came from; by default the current request's.
    """
    head = db.session.scalar(select(AuditHead).where(AuditHead.id == 1).with_for_update())
    if head is None:
        head = AuditHead(id=1, last_hash=GENESIS_HASH)
        db.session.add(head)
    entry = AuditRecord(
        at=utcnow(),
        user_id=_actor_id(user),
        ip_address=client or (request.remote_addr if has_request_context() else None),
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        summary=summary[:300],
        changes=json.loads(json.dumps(changes or {}, default=_plain)),
        prev_hash=head.last_hash,
    )
    entry.hash = _digest(entry)
    head.last_hash = entry.hash
    db.session.add(entry)
    return entry


def verify_chain() -> list[str]:
    """Return a description of every break in the chain; empty means intact."""
    problems = []
    expected_prev = GENESIS_HASH
    last_hash = GENESIS_HASH
    rows = db.session.execute(select(AuditRecord).order_by(AuditRecord.id)).scalars()
    for entry in rows:
        if entry.prev_hash != expected_prev:
            problems.append(
                f"record {entry.id}: previous hash does not match record before it "
                "(a record was removed or altered)"
            )
        if _digest(entry) != entry.hash:
            problems.append(f"record {entry.id}: contents do not match its hash (altered)")
        expected_prev = entry.hash
        last_hash = entry.hash
        db.session.expunge(entry)
    head = db.session.get(AuditHead, 1)
    if head is not None and head.last_hash != last_hash:
        problems.append("newest record(s) removed: chain head does not match the last record")
    return problems
