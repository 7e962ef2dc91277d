"""Database triggers that refuse UPDATE and DELETE on the audit trail.

The application never edits or deletes audit records; the hash chain (``services.py``)
proves it afterwards. These triggers are defence in depth: a bug, or someone with a SQL
console and the application's credentials, is refused at once instead of being caught
later by ``flask --app app audit verify``.

A database administrator can still drop the triggers (the tamper tests do, to act "behind
the application's back"): that is why the chain, not the triggers, is the proof.
Migration 0004 installs the same statements; keep the two identical.
"""

from sqlalchemy import text

MESSAGE = "audit trail is append-only"
TRIGGERS = ("audit_records_no_update", "audit_records_no_delete")
PG_FUNCTION = "audit_records_append_only"

SQLITE_INSTALL = (
    "CREATE TRIGGER IF NOT EXISTS audit_records_no_update BEFORE UPDATE ON audit_records "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_records_no_delete BEFORE DELETE ON audit_records "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
)
SQLITE_REMOVE = tuple(f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS)

POSTGRESQL_INSTALL = (
    f"CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$",
    "DROP TRIGGER IF EXISTS audit_records_no_update ON audit_records",
    "DROP TRIGGER IF EXISTS audit_records_no_delete ON audit_records",
    "CREATE TRIGGER audit_records_no_update BEFORE UPDATE ON audit_records "
    f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()",
    "CREATE TRIGGER audit_records_no_delete BEFORE DELETE ON audit_records "
    f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()",
)
POSTGRESQL_REMOVE = (
    "DROP TRIGGER IF EXISTS audit_records_no_update ON audit_records",
    "DROP TRIGGER IF EXISTS audit_records_no_delete ON audit_records",
    f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()",
)


def statements(dialect: str, *, install: bool) -> tuple[str, ...]:
    if dialect == "postgresql":
        return POSTGRESQL_INSTALL if install else POSTGRESQL_REMOVE
    return SQLITE_INSTALL if install else SQLITE_REMOVE


def install(connection) -> None:
    """Create the triggers (idempotent) on an SQLAlchemy connection."""
    for sql in statements(connection.dialect.name, install=True):
        connection.execute(text(sql))


def remove(connection) -> None:
    """Drop the triggers: only for tests that play a DBA tampering with the table."""
    for sql in statements(connection.dialect.name, install=False):
        connection.execute(text(sql))
