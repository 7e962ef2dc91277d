"""The PostgreSQL pass fails when it cannot have its server; it never skips and exits 0.

Runs pytest itself, with a PATH and a binary search that find no PostgreSQL, and with a
"server" whose initdb fails, and expects a non-zero exit that says why.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.conftest import PG_URL_ENV
from tests.postgres import BINDIR_GLOB_ENV

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _once(request):
    if request.config.getoption("--postgres"):
        pytest.skip("about starting the pass itself; the SQLite pass runs it")


def run_postgres_pass(bindir_glob: str) -> subprocess.CompletedProcess:
    # Nothing of this run's own server or xdist worker may leak into the inner run.
    env = {name: value for name, value in os.environ.items()
           if name != PG_URL_ENV and not name.startswith(("PYTEST_", "COV_"))}
    # runuser (to start the server as `postgres` when root) is in sbin; no pg_ctl there.
    env.update(PATH="/usr/sbin:/usr/bin:/sbin:/bin", **{BINDIR_GLOB_ENV: bindir_glob})
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--postgres",
         "tests/test_identifiers.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_no_postgresql_binaries_is_an_error(tmp_path):
    result = run_postgres_pass(str(tmp_path / "nothing" / "*" / "bin"))
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "no PostgreSQL server binaries (initdb, pg_ctl)" in output
    assert "passed" not in output and "skipped" not in output


def test_a_server_that_does_not_start_is_an_error():
    # Not pytest's tmp_path: as root the server runs as the postgres user, who cannot
    # enter pytest's private temp folders; this one is opened to it.
    with tempfile.TemporaryDirectory(prefix="asuh-fake-pg-") as root:
        bindir = Path(root) / "99" / "bin"
        bindir.mkdir(parents=True)
        for name in ("initdb", "pg_ctl"):
            script = bindir / name
            script.write_text("#!/bin/sh\necho 'initdb: broken on purpose' >&2\nexit 1\n")
        for path in (Path(root), bindir.parent, bindir, *bindir.iterdir()):
            path.chmod(0o755)
        result = run_postgres_pass(f"{root}/*/bin")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert f"the PostgreSQL server in {bindir} did not start" in output
    assert "broken on purpose" in output
