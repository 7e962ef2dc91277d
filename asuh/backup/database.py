"""Consistent online copies of the database, and putting one back.

SQLite: the online backup API, in one step, so the copy is one read transaction's
snapshot; in WAL mode that never blocks the app's writers, and unlike a file copy it holds
every committed transaction, also those still only in the -wal file.
PostgreSQL: ``pg_dump`` of an exported snapshot, in which the audit head is read too, so
the manifest's head is exactly the dump's.
"""

import glob
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, Engine

SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.pgdump"


class BackupError(RuntimeError):
    """The backup cannot be made or restored; the message says why, for the operator."""


@dataclass
class Snapshot:
    file: str
    revision: str | None
    head_seq: int
    head_hash: str


def _head(run) -> tuple[int, str]:
    row = run("SELECT last_seq, last_hash FROM audit_head WHERE id = 1")
    return (row[0], row[1]) if row else (0, "0" * 64)


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def pg_tool(name: str) -> str:
    """Debian's newest PostgreSQL client when it is not on PATH (as tests/postgres.py finds
    the server): pg_dump must be at least as new as the server it dumps."""
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True):
        return candidate
    raise BackupError(f"{name} not found: install Debian's postgresql-client")


def libpq_env(url: URL) -> dict:
    """Connection settings for pg_dump/pg_restore as libpq variables: a password never
    appears on a command line (where `ps` shows it)."""
    env = dict(os.environ)
    for var, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                       ("PGPASSWORD", url.password), ("PGDATABASE", url.database),
                       ("PGSSLMODE", url.query.get("sslmode"))):
        if value is not None:
            env[var] = str(value)
    return env


def _run(command: list[str], env: dict) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-2000:]}")


def create(engine: Engine, directory: Path) -> Snapshot:
    if engine.dialect.name == "sqlite":
        return _create_sqlite(_sqlite_path(engine.url), directory / SQLITE_FILE)
    if engine.dialect.name == "postgresql":
        return _create_postgres(engine, directory / POSTGRES_FILE)
    raise BackupError(f"no backup method for {engine.dialect.name}")


def _create_sqlite(source: Path, target: Path) -> Snapshot:
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst, pages=-1)  # one step: one consistent snapshot
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal
        revision = dst.execute("SELECT version_num FROM alembic_version").fetchone()
        seq, digest = _head(lambda sql: dst.execute(sql).fetchone())
    finally:
        dst.close()
        src.close()
    return Snapshot(SQLITE_FILE, revision and revision[0], seq, digest)


def _create_postgres(engine: Engine, target: Path) -> Snapshot:
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
            revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            seq, digest = _head(lambda sql: conn.exec_driver_sql(sql).first())
            # The exporting transaction stays open until pg_dump has taken the snapshot.
            _run([pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                  f"--snapshot={snapshot}", f"--file={target}"], libpq_env(engine.url))
    return Snapshot(POSTGRES_FILE, revision, seq, digest)


def non_empty_tables(engine: Engine, table_names) -> list[str]:
    """The application's tables that hold rows (a restore needs none)."""
    existing = set(inspect(engine).get_table_names())
    found = []
    with engine.connect() as conn:
        for name in table_names:
            if name in existing:
                count = conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar()
                if count:
                    found.append(f"{name} ({count} rows)")
    return found


def restore(engine: Engine, source: Path) -> None:
    """Put the backup's database in place of the (empty) one the app is configured for."""
    engine.dispose()
    if engine.dialect.name == "sqlite":
        src = sqlite3.connect(source)
        dst = sqlite3.connect(_sqlite_path(engine.url), timeout=30)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=WAL")
        finally:
            dst.close()
            src.close()
    elif engine.dialect.name == "postgresql":
        # --clean --if-exists: an installation that already ran `db upgrade` has the (empty)
        # tables; they are replaced by the backup's.
        _run([pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--clean",
              "--if-exists", "--single-transaction", "--exit-on-error",
              f"--dbname={engine.url.database}", str(source)], libpq_env(engine.url))
    else:
        raise BackupError(f"no restore method for {engine.dialect.name}")
    engine.dispose()
