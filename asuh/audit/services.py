"""Writing and checking the audit trail.

Every service that changes data calls :func:`record` inside its own transaction, so the
change and its audit record commit or roll back together.
"""

import json

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import select

from asuh.audit.chain import GENESIS_HASH, keyed_digest, plain, verify_chain
from asuh.audit.models import AuditHead, AuditRecord
from asuh.extensions import db
from asuh.timeutil import utcnow

# verify_chain lives in chain.py; callers have always imported it from here.
__all__ = ["diff", "record", "snapshot", "verify_chain"]


def diff(before: dict, after: dict) -> dict:
    """``{field: [old, new]}`` for the fields whose values differ."""
    return {
        key: [plain(before.get(key)), plain(after.get(key))]
        for key in sorted(set(before) | set(after))
        if plain(before.get(key)) != plain(after.get(key))
    }


def snapshot(obj, fields) -> dict:
    return {field: plain(getattr(obj, field)) for field in fields}


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
        head = AuditHead(id=1, last_hash=GENESIS_HASH, last_seq=0)
        db.session.add(head)
    # Numbered under the head's lock: the chain has no gaps, so a removed record shows.
    entry = AuditRecord(
        id=head.last_seq + 1,
        at=utcnow(),
        user_id=_actor_id(user),
        ip_address=client or (request.remote_addr if has_request_context() else None),
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        summary=summary[:300],
        changes=json.loads(json.dumps(changes or {}, default=plain)),
        prev_hash=head.last_hash,
    )
    entry.hash = keyed_digest(entry)
    head.last_hash, head.last_seq = entry.hash, entry.id
    db.session.add(entry)
    # Flushed at once: an unflushed head change is dropped by ``expire_all()``, and the next
    # record would then reuse this number (and fork the chain from a stale hash). The next
    # record's head lookup would autoflush anyway; a caller that chains a batch in memory
    # under ``no_autoflush`` (automatch) keeps its one flush for the batch.
    if db.session.autoflush:
        db.session.flush()
    return entry
