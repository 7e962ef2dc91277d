"""A throwaway PostgreSQL server for the test suite (initdb + pg_ctl in a temp dir)."""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

# Where Debian's postgresql-NN packages put the server binaries (not on PATH there: only
# the pg_ctlcluster wrappers are). Overridable, so a test can prove the pass fails when
# no server is to be found.
BINDIR_GLOB_ENV = "ASUH_POSTGRES_BINDIRS"
DEFAULT_BINDIR_GLOB = "/usr/lib/postgresql/*/bin"


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server could be started; the message says why and what to do."""


def _version_key(path: str) -> tuple:
    parts = Path(path).parent.name.split(".")
    return tuple(int(part) if part.isdigit() else -1 for part in parts)


def find_bindir() -> Path | None:
    """The directory holding initdb and pg_ctl: the PATH first, then Debian's layout
    (newest version first)."""
    if shutil.which("pg_ctl") and shutil.which("initdb"):
        return Path(shutil.which("pg_ctl")).parent
    pattern = os.environ.get(BINDIR_GLOB_ENV, DEFAULT_BINDIR_GLOB)
    for candidate in sorted(glob.glob(pattern), key=_version_key, reverse=True):
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    return None


def start_server() -> "ThrowawayPostgres":
    """A running throwaway server, or PostgresUnavailable saying why not."""
    bindir = find_bindir()
    if bindir is None:
        pattern = os.environ.get(BINDIR_GLOB_ENV, DEFAULT_BINDIR_GLOB)
        raise PostgresUnavailable(
            f"no PostgreSQL server binaries (initdb, pg_ctl) on PATH or in {pattern}. "
            "Install PostgreSQL 15 (Debian: apt-get install postgresql-15; "
            "`.ci/system-deps test` does it as root).")
    server = ThrowawayPostgres(bindir)
    try:
        server.start()
    except (OSError, subprocess.CalledProcessError, RuntimeError) as exc:
        detail = server.diagnostics(exc)
        server.stop()
        raise PostgresUnavailable(
            f"the PostgreSQL server in {bindir} did not start: {detail}") from exc
    return server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ThrowawayPostgres:
    """Start with :meth:`start`, get ``url``, always :meth:`stop`.

    initdb refuses to run as root (CI is root), so as root the server runs as the
    ``postgres`` system user through runuser.
    """

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.tmp = Path(tempfile.mkdtemp(prefix="asuh-pg-"))
        self.datadir = self.tmp / "data"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       text=True)

    def diagnostics(self, exc: BaseException) -> str:
        """What went wrong: the failing command's stderr, else the server log's tail."""
        text = (getattr(exc, "stderr", None) or "").strip()
        log = self.tmp / "log"
        if not text and log.exists():
            text = "\n".join(log.read_text(errors="replace").splitlines()[-10:])
        return f"{exc}" + (f"\n{text}" if text else "")

    def start(self) -> str:
        if self.as_root:
            shutil.chown(self.tmp, "postgres", "postgres")
        self._run("initdb", "-D", str(self.datadir), "-U", "postgres", "-A", "trust",
                  "--no-sync", "-E", "UTF8", "--locale=C")
        self._run(
            "pg_ctl", "-D", str(self.datadir), "-l", str(self.tmp / "log"), "-w", "start",
            "-o", f"-p {self.port} -k {self.tmp} -c listen_addresses=127.0.0.1 "
                  "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                  "-c max_connections=200",
        )
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self.url
            time.sleep(0.05)
        raise RuntimeError(f"PostgreSQL did not accept connections on port {self.port}")

    def stop(self) -> None:
        try:
            if (self.datadir / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)
