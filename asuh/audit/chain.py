"""The audit trail's chain: how each record is sealed, and how the seal is checked.

Each record is numbered (its id: 1, 2, 3, … with no gaps, assigned under the head's lock)
and sealed with an HMAC-SHA256 under the audit key (``key.py``) over its contents, its
number and the previous record's hash. Someone who can write to the database but does not
hold the key can alter, remove or re-chain records, but cannot make the seals match again.

Installations that existed before the key (migration 0005) keep their earlier records as
they were, chained with plain SHA-256: rewriting them would launder whatever happened to
them. The first keyed record is a ``rekey`` record whose HMAC covers the last unkeyed hash
and the number of unkeyed records; from it on, everything is keyed. Changing any unkeyed
record would need a SHA-256 preimage of that sealed hash, so the whole trail is covered.

A key holder (or someone who stole the key) could still rewrite the trail; an anchor, a
head (number and hash) printed on paper or kept elsewhere, proves the trail up to it even
then: ``flask --app app audit verify --anchor SEQ:HASH``.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from sqlalchemy import select

from asuh.audit.key import audit_key
from asuh.audit.models import AuditHead, AuditRecord
from asuh.extensions import db

GENESIS_HASH = "0" * 64
REKEY_ACTION = "rekey"
REKEY_ENTITY = "audit_record"


@dataclass(frozen=True)
class ChainHead:
    """The newest record's number and hash: an anchor for ``audit verify --anchor``."""

    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> "ChainHead":
        seq, sep, digest = text.strip().partition(":")
        digest = digest.lower()
        if not sep or not seq.isdigit() or len(digest) != 64 or not all(
                c in "0123456789abcdef" for c in digest):
            raise ValueError("an anchor is SEQ:HASH, e.g. 1234:9f86d08…(64 hex digits)")
        return cls(int(seq), digest)


def plain(value):
    """JSON-ready form of the values audit records hold."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def _payload(record: AuditRecord, *, seq: bool) -> bytes:
    fields = {
        "prev": record.prev_hash,
        "at": record.at.isoformat(timespec="microseconds"),
        "user_id": record.user_id,
        "ip": record.ip_address,
        "action": record.action,
        "entity_type": record.entity_type,
        "entity_id": record.entity_id,
        "summary": record.summary,
        "changes": record.changes,
    }
    if seq:
        fields["seq"] = record.id
    # Only where set (migration 0013 on): records sealed before kept their payload, and
    # their seals still verify.
    if getattr(record, "scope_code", None) is not None:
        fields["scope"] = record.scope_code
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), default=plain).encode()


def legacy_digest(record: AuditRecord) -> str:
    """The unkeyed SHA-256 of records written before migration 0005."""
    return hashlib.sha256(_payload(record, seq=False)).hexdigest()


def keyed_digest(record: AuditRecord, key: bytes | None = None) -> str:
    return hmac.new(key or audit_key(), _payload(record, seq=True), hashlib.sha256).hexdigest()


def chain_head() -> ChainHead:
    """The current head as this session sees it (call inside the transaction that issues
    a letter to print the head the letter's own records build on)."""
    head = db.session.get(AuditHead, 1)
    if head is None:
        return ChainHead(0, GENESIS_HASH)
    return ChainHead(head.last_seq, head.last_hash)


def verify_chain(anchor: ChainHead | None = None) -> list[str]:
    """Return a description of every break in the chain; empty means intact."""
    key = audit_key()
    rows = db.session.execute(select(AuditRecord).order_by(AuditRecord.id)).scalars()
    problems, last, legacy = [], None, None
    legacy_count = 0
    expected_prev = GENESIS_HASH
    anchor_seen = anchor is None or anchor.seq == 0
    for entry in rows:
        if legacy is None:
            # The trail starts unkeyed only if a (keyed) rekey record follows; decided
            # once, from the first record, so an attacker cannot move the boundary.
            legacy = not _first_is_keyed(entry, key) and _has_rekey()
        if legacy and entry.action == REKEY_ACTION and entry.entity_type == REKEY_ENTITY:
            legacy = False
            claimed = (entry.changes or {}).get("legacy_records")
            if claimed != [None, legacy_count]:
                problems.append(f"record {entry.id}: rekey record counts {claimed} unkeyed "
                                f"records, the trail holds {legacy_count} before it")
        expected_id = 1 if last is None else last.id + 1
        if not legacy and entry.id != expected_id:
            gap = (f"record {expected_id}" if entry.id - 1 == expected_id
                   else f"records {expected_id}–{entry.id - 1}")
            problems.append(f"{gap} missing (removed)")
        if entry.prev_hash != expected_prev:
            problems.append(f"record {entry.id}: previous hash does not match record before "
                            "it (a record was removed or altered)")
        digest = legacy_digest(entry) if legacy else keyed_digest(entry, key)
        if not hmac.compare_digest(digest, entry.hash):
            problems.append(f"record {entry.id}: contents do not match its hash (altered, or "
                            "sealed without the audit key)")
        if legacy:
            legacy_count += 1
        if anchor is not None and entry.id == anchor.seq:
            anchor_seen = True
            if not hmac.compare_digest(entry.hash, anchor.hash):
                problems.append(f"record {entry.id}: hash differs from the anchor "
                                f"{anchor} (the trail up to it was rewritten)")
        expected_prev = entry.hash
        last = entry
        db.session.expunge(entry)
    if not anchor_seen:
        problems.append(f"record {anchor.seq} of the anchor is not in the trail (removed)")
    head = db.session.get(AuditHead, 1)
    last_head = ChainHead(last.id, last.hash) if last else ChainHead(0, GENESIS_HASH)
    if head is not None and (head.last_hash, head.last_seq) != (last_head.hash, last_head.seq):
        problems.append("newest record(s) removed: chain head does not match the last record")
    return problems


def _first_is_keyed(entry: AuditRecord, key: bytes) -> bool:
    return hmac.compare_digest(keyed_digest(entry, key), entry.hash)


def _has_rekey() -> bool:
    return db.session.scalar(
        select(AuditRecord.id).where(AuditRecord.action == REKEY_ACTION,
                                     AuditRecord.entity_type == REKEY_ENTITY).limit(1)
    ) is not None
