"""`make run` serves the demo without test-only system packages, on the port asked for."""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEST_ONLY = {"chromium", "nodejs", "npm", "postgresql-15", "redis-server", "nginx"}


def _list(group: str) -> set[str]:
    out = subprocess.run([str(ROOT / ".ci/system-deps"), "--list", group], check=True,
                         capture_output=True, text=True).stdout
    return set(out.split())


def test_serving_needs_no_browser_npm_or_postgres():
    assert _list("run") and not _list("run") & TEST_ONLY
    assert _list("test") >= TEST_ONLY and _list("run") <= _list("test")


def _planned(*args: str) -> str:
    # -n prints the recipes without running them; -B plans every step, stamps or not.
    return subprocess.run(["make", "-n", "-B", "run", *args], cwd=ROOT, check=True,
                          capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"}).stdout


def test_make_run_takes_a_port_and_the_public_url_follows_it():
    planned = _planned("PORT=5123")
    assert "--port 5123" in planned
    # The server and its job worker (started beside it) both print links to the port.
    for step in ("db upgrade", "install", "demo seed", "jobs work", "run --host"):
        line = next(line for line in planned.splitlines() if step in line and "flask" in line)
        line = line.strip().rsplit("; ", 1)[-1] if step == "run --host" else line.strip()
        assert line.startswith("ASUH_PUBLIC_URL=http://127.0.0.1:5123 "), line
    assert ".ci/system-deps run" in planned and ".ci/system-deps test" not in planned


def test_a_public_url_set_by_hand_is_kept():
    planned = subprocess.run(["make", "-n", "-B", "run", "PORT=5123"], cwd=ROOT, check=True,
                             capture_output=True, text=True,
                             env={"PATH": "/usr/bin:/bin",
                                  "ASUH_PUBLIC_URL": "https://asuh.example.go.id"}).stdout
    assert "ASUH_PUBLIC_URL=https://asuh.example.go.id " in planned
    assert "--port 5123" in planned
