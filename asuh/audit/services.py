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


def _actor(user):
    if user is not None:
        return user
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user
    return None


def _actor_id(user) -> int | None:
    actor = _actor(user)
    return None if actor is None else actor.id


# entity_type -> function(entity_id) -> the kabupaten/kota code the entity lies in (or
# None). Areas register theirs in their ``register(app)``: the trail stays the ground
# floor and never imports them.
SCOPE_RESOLVERS: dict = {}


def register_scope_resolver(entity_type: str, resolver) -> None:
    SCOPE_RESOLVERS[entity_type] = resolver


def _scope_for(entity_type: str, entity_id, scope: str | None, user) -> str | None:
    """Whose record this is: the given scope, else the entity's city, else the actor's
    scope (a city officer's login, a city admin's new account), else None."""
    if scope is not None:
        return scope
    resolver = SCOPE_RESOLVERS.get(entity_type)
    if resolver is not None and entity_id is not None:
        found = resolver(entity_id)
        if found:
            return found
    return getattr(_actor(user), "scope_code", None)


def record(action: str, entity_type: str, entity_id=None, *, summary: str = "",
           changes: dict | None = None, user=None, client: str | None = None,
           scope: str | None = None) -> AuditRecord:
    """Append one audit record to the current transaction (the use case commits).

    ``client`` is the address the act came from; by default the current request's.
    ``scope`` is the kabupaten/kota the record belongs to, when the caller knows better
    than the entity's registered resolver (see ``_scope_for``).
    """
    scope_code = _scope_for(entity_type, entity_id, scope, user)
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
        scope_code=scope_code,
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
