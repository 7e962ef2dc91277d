"""Keyed audit chain: HMAC-sealed numbered records; an old unkeyed chain is kept and sealed

Records are numbered and sealed with HMAC-SHA256 under a key kept outside the database.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 07:00:00.000000

What happens to an existing (unkeyed, SHA-256) trail:

1. It is verified unkeyed, exactly as ``audit verify`` did before this revision.
2. Its records are NOT rewritten. Re-hashing them under the key would turn whatever an
   attacker may already have done to them into a valid keyed history; kept as they are,
   any earlier break stays visible to every later ``audit verify``.
3. One ``rekey`` record is appended, sealed with the key. Its HMAC covers the last unkeyed
   hash, the number of unkeyed records and the problems step 1 found, so from now on the
   old part cannot be altered either (that would need a SHA-256 preimage of a sealed hash).
   The migration does not refuse a broken old chain: refusing would leave the installation
   on the forgeable scheme; the breaks are recorded in the rekey record and printed.

Downgrade drops the head's record number; keyed records stay (the trail is append-only),
so the previous release's ``audit verify`` would report them as not matching SHA-256.
"""
import hashlib
import hmac
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64

records = sa.table(
    "audit_records",
    sa.column("id", sa.Integer), sa.column("at", sa.DateTime),
    sa.column("user_id", sa.Integer), sa.column("ip_address", sa.String),
    sa.column("action", sa.String), sa.column("entity_type", sa.String),
    sa.column("entity_id", sa.String), sa.column("summary", sa.String),
    sa.column("changes", sa.JSON), sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)
head_table = sa.table("audit_head", sa.column("id", sa.Integer),
                      sa.column("last_hash", sa.String), sa.column("last_seq", sa.Integer))


# Frozen copy of asuh/audit/chain.py's payload (a migration must not change later).
def _payload(row: dict, *, seq: bool) -> bytes:
    fields = {
        "prev": row["prev_hash"], "at": row["at"].isoformat(timespec="microseconds"),
        "user_id": row["user_id"], "ip": row["ip_address"], "action": row["action"],
        "entity_type": row["entity_type"], "entity_id": row["entity_id"],
        "summary": row["summary"], "changes": row["changes"],
    }
    if seq:
        fields["seq"] = row["id"]
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


def _verify_unkeyed(rows: list[dict], head_hash: str | None) -> list[str]:
    problems, expected_prev = [], GENESIS_HASH
    for row in rows:
        if row["prev_hash"] != expected_prev:
            problems.append(f"record {row['id']}: previous hash does not match")
        if hashlib.sha256(_payload(row, seq=False)).hexdigest() != row["hash"]:
            problems.append(f"record {row['id']}: contents do not match its hash")
        expected_prev = row["hash"]
    if head_hash is not None and head_hash != expected_prev:
        problems.append("chain head does not match the last record")
    return problems


def upgrade():
    with op.batch_alter_table('audit_head', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_seq', sa.Integer(), nullable=False,
                                      server_default='0'))

    bind = op.get_bind()
    rows = [dict(r._mapping) for r in bind.execute(sa.select(records).order_by(records.c.id))]
    if not rows:
        return
    from datetime import datetime, timezone

    from flask import current_app

    # The key is resolved by the application at start-up (``asuh.audit.key``) and left in
    # ``app.extensions``; a migration reads it there rather than importing the code that
    # finds it, so this revision keeps working whatever later releases do to that code.
    key = current_app.extensions.get("asuh_audit_key")
    if not key:
        raise RuntimeError("the audit key is not loaded: run this migration through "
                           "`flask --app app db upgrade`")

    head_hash = bind.execute(sa.select(head_table.c.last_hash)
                             .where(head_table.c.id == 1)).scalar()
    problems = _verify_unkeyed(rows, head_hash)
    for problem in problems:
        current_app.logger.warning("audit trail before the key: %s", problem)
    last = rows[-1]
    rekey = {
        "id": last["id"] + 1, "at": datetime.now(timezone.utc).replace(tzinfo=None), "user_id": None, "ip_address": None,
        "action": "rekey", "entity_type": "audit_record", "entity_id": None,
        "summary": f"Jejak audit disegel dengan kunci audit ({len(rows)} catatan lama"
                   + (f", {len(problems)} kerusakan ditemukan)" if problems else ", utuh)"),
        "changes": {"legacy_records": [None, len(rows)], "legacy_head": [None, last["hash"]],
                    "legacy_problems": [None, problems[:50]]},
        "prev_hash": last["hash"],
    }
    rekey["hash"] = hmac.new(key, _payload(rekey, seq=True), hashlib.sha256).hexdigest()
    bind.execute(records.insert().values(**rekey))
    values = {"last_hash": rekey["hash"], "last_seq": rekey["id"]}
    if head_hash is None:
        bind.execute(head_table.insert().values(id=1, **values))
    else:
        bind.execute(head_table.update().where(head_table.c.id == 1).values(**values))
    if bind.dialect.name == "postgresql":
        # Ids are now given by the chain; keep the serial's sequence past them anyway.
        bind.execute(sa.text("SELECT setval(pg_get_serial_sequence('audit_records', 'id'), "
                             "(SELECT max(id) FROM audit_records))"))


def downgrade():
    with op.batch_alter_table('audit_head', schema=None) as batch_op:
        batch_op.drop_column('last_seq')
