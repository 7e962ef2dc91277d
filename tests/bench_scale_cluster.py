"""The PostgreSQL server ``make bench-scale`` starts for itself, optionally kept between runs.

The suite's throwaway server (``tests/postgres.py``: initdb + pg_ctl, as the ``postgres``
system user when run as root) with a data directory that may outlive the run
(``--reuse DIR``), so the 1,000,000-children database is seeded once. Each seeded size is
its own database in the cluster; ``DIR/seeded-<name>.json`` records that its seed
finished (a seed killed half-way is dropped and done again).
"""

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.postgres import PostgresUnavailable, ThrowawayPostgres, _free_port, find_bindir

# A server sized like a small dedicated database host (the machine has 23 GiB shared by
# several engineers): the figures should not be about a default 128 MB shared_buffers.
SERVER_SETTINGS = (
    "-c shared_buffers=1GB -c effective_cache_size=4GB -c work_mem=32MB "
    "-c maintenance_work_mem=1GB -c max_wal_size=8GB -c checkpoint_timeout=30min "
    "-c random_page_cost=1.1 -c max_parallel_workers_per_gather=1"
)


class ScalePostgres(ThrowawayPostgres):
    """``start()``, then ``database(name)`` URLs; ``stop()`` keeps ``keep``'s directory."""

    def __init__(self, keep: Path | None = None):
        bindir = find_bindir()
        if bindir is None:
            raise PostgresUnavailable("no PostgreSQL server binaries (initdb, pg_ctl); "
                                      "`.ci/system-deps test` installs them")
        self.bindir = bindir
        self.keep = keep
        self.tmp = keep.resolve() if keep else Path(tempfile.mkdtemp(prefix="asuh-scale-",
                                                                     dir="/tmp"))
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.datadir = self.tmp / "data"
        self.port = _free_port()
        import os

        self.as_root = os.geteuid() == 0

    def start(self) -> str:
        if self.as_root:
            shutil.chown(self.tmp, "postgres", "postgres")
        if not (self.datadir / "PG_VERSION").exists():
            self._run("initdb", "-D", str(self.datadir), "-U", "postgres", "-A", "trust",
                      "--no-sync", "-E", "UTF8", "--locale=C")
        if (self.datadir / "postmaster.pid").exists():
            # A run killed before it stopped its server: stop that one first.
            subprocess.run(["runuser", "-u", "postgres", "--"] * self.as_root
                           + [str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m",
                              "fast", "-w", "stop"], check=False, capture_output=True)
        self._run(
            "pg_ctl", "-D", str(self.datadir), "-l", str(self.tmp / "log"), "-w", "start",
            "-o", f"-p {self.port} -k {self.tmp} -c listen_addresses=127.0.0.1 "
                  "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                  f"-c max_connections=200 {SERVER_SETTINGS}",
        )
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        return self.url

    def version(self) -> str:
        return subprocess.run([str(self.bindir / "postgres"), "--version"], check=True,
                              capture_output=True, text=True).stdout.strip()

    def database(self, name: str, *, fresh: bool = False) -> str:
        """The URL of database ``name``, created when missing (dropped first if ``fresh``)."""
        import psycopg

        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres",
                             autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                  (name,)).fetchone()
            if exists and fresh:
                conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            if fresh or not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def seeded(self, name: str) -> dict | None:
        marker = self.tmp / f"seeded-{name}.json"
        return json.loads(marker.read_text()) if marker.exists() else None

    def mark_seeded(self, name: str, info: dict) -> None:
        (self.tmp / f"seeded-{name}.json").write_text(json.dumps(info, indent=1, default=str))

    def stop(self) -> None:
        try:
            if (self.datadir / "postmaster.pid").exists():
                # fast, not immediate: a kept cluster starts next time without recovery.
                self._run("pg_ctl", "-D", str(self.datadir), "-m", "fast", "-w", "stop")
        finally:
            if self.keep is None:
                shutil.rmtree(self.tmp, ignore_errors=True)
