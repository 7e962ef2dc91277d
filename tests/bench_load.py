"""Load test: gunicorn with 2 workers on loopback, driven by a small threaded client.

Not collected by pytest (no ``test_`` prefix); ``tests/bench.py`` calls ``run_load``, then
``bench_load_faults.run_faults`` (issue 12: everything at once, with a worker killed, a
photo flood and a backup). ``python -m tests.bench_load --dir DIR`` runs that phase alone.

The generator is plain ``http.client`` in threads (no extra dependency): it signs sponsors
in through the real sign-in form (CSRF token and session cookie) and through
``POST /api/v1/tokens``, then runs two timed phases, one after the other:

- the sponsor's home page (``GET /me/children``) with the sponsors' session cookies;
- logging a delivery (``POST /api/v1/contributions``) with their bearer tokens, a fresh
  ``Idempotency-Key`` per request, for the sponsors' own active matches.

Latency is client-side (loopback, connection set-up included: gunicorn's sync workers
close the connection after every response). Afterwards the ``contributions`` rows are
counted again: the increase must equal the number of 201 answers, and every id returned
must be in the table. The server binds 127.0.0.1 only and is stopped in any case.
"""

import json
import os
import re
import socket
import sqlite3
import ssl
import subprocess
import sys
import threading
import time
import uuid
from contextlib import closing, nullcontext
from dataclasses import dataclass
from http.client import HTTPConnection, HTTPSConnection
from pathlib import Path
from urllib.parse import urlencode

from asuh import timeutil
from tests.bench_dashboard import BENCH_PASSWORD
from tests.bench_pages import percentile

ROOT = Path(__file__).resolve().parent.parent
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_BODY_ITEMS = [{"commodity": "rice", "quantity": 1, "unit": "karung 5 kg", "value_idr": 75000},
               {"commodity": "eggs", "quantity": 1, "unit": "Tray", "value_idr": 60000}]


class LoadError(RuntimeError):
    """The server did not start, or a set-up request did not answer as expected."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """``gunicorn -w N app:app`` on a free loopback port, for a ``with`` block."""

    def __init__(self, db_path: Path, work_dir: Path, workers: int = 2, threads: int = 1):
        self.port = _free_port()
        self.log_path = work_dir / "gunicorn.log"
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{Path(db_path).resolve()}",
            "ASUH_ENV": "development",
            "SECRET_KEY": "bench-load-secret-key",
            # Every sign-in of the bench comes from 127.0.0.1 within seconds.
            "ASUH_LOGIN_ATTEMPT_LIMIT": "1000000 per minute",
            "ASUH_LOGIN_FAILURE_LIMIT": "1000000 per minute",
            "ASUH_UPLOAD_FOLDER": str(work_dir / "uploads"),
            "ASUH_LETTER_FOLDER": str(work_dir / "letters"),
        }
        self.command = [sys.executable, "-m", "gunicorn", "-w", str(workers),
                        *(["--threads", str(threads)] if threads > 1 else []),
                        "-b", f"127.0.0.1:{self.port}", "app:app"]
        self.process = None

    def __enter__(self) -> "Server":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "wb")  # noqa: SIM115 (closed in __exit__)
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env,
                                        stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if request(self.port, "GET", "/login", timeout=5)[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.__exit__(None, None, None)
        raise LoadError(f"gunicorn did not start; see {self.log_path}")

    def __exit__(self, *_exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


@dataclass(frozen=True)
class Target:
    """An address other than gunicorn's own loopback port: nginx in front of several app
    servers (``tests/bench_nginx.py``), over TLS with the given context."""
    host: str
    port: int
    tls: ssl.SSLContext | None = None


def request(port: "int | Target", method: str, path: str, *, body: bytes | None = None,
            headers: dict | None = None, timeout: float = 60):
    """``(status, headers, body bytes)`` over a fresh connection to gunicorn's loopback
    ``port``, or to a :class:`Target`."""
    if isinstance(port, Target):
        connection = (HTTPSConnection(port.host, port.port, timeout=timeout, context=port.tls)
                      if port.tls else HTTPConnection(port.host, port.port, timeout=timeout))
    else:
        connection = HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def _cookies(headers) -> dict:
    jar = {}
    for header in headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]
    return jar


def _cookie_header(jar: dict) -> str:
    return "; ".join(f"{name}={value}" for name, value in jar.items())


def sign_in(port: int, email: str) -> str:
    """The sign-in form, as a browser does it; returns the ``Cookie`` header to send."""
    status, headers, body = request(port, "GET", "/login")
    match = _CSRF.search(body.decode())
    if status != 200 or not match:
        raise LoadError(f"GET /login answered {status} without a CSRF token")
    jar = _cookies(headers)
    form = urlencode({"csrf_token": match.group(1), "email": email,
                      "password": BENCH_PASSWORD}).encode()
    status, headers, _ = request(port, "POST", "/login", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": _cookie_header(jar),
        # A browser's Referer: over HTTPS Flask-WTF refuses a form post without one.
        **({"Referer": f"https://{port.host}:{port.port}/login"}
           if isinstance(port, Target) and port.tls else {})})
    if status != 302:
        raise LoadError(f"signing in {email} answered {status}")
    jar.update(_cookies(headers))
    return _cookie_header(jar)


def api_token(port: int, email: str) -> str:
    body = json.dumps({"email": email, "password": BENCH_PASSWORD}).encode()
    status, _, answer = request(port, "POST", "/api/v1/tokens", body=body,
                                headers={"Content-Type": "application/json"})
    if status != 201:
        raise LoadError(f"POST /api/v1/tokens for {email} answered {status}")
    return json.loads(answer)["token"]


def _phase(port: int, clients: int, seconds: float, make_request, expected: int) -> dict:
    """Run ``clients`` threads for ``seconds``; each calls ``make_request(n)`` in a loop."""
    lock = threading.Lock()
    latencies, bodies, errors = [], [], []
    deadline = time.monotonic() + seconds

    def worker(index: int) -> None:
        n = index
        while time.monotonic() < deadline:
            method, path, body, headers = make_request(n)
            n += clients
            started = time.perf_counter()
            try:
                status, _, answer = request(port, method, path, body=body, headers=headers)
            except OSError as exc:
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}")
                continue
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if status == expected:
                    latencies.append(elapsed)
                    bodies.append(answer)
                else:
                    errors.append(f"{status}: {answer[:200]!r}")

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {"ok": len(latencies), "errors": len(errors), "error_samples": errors[:5],
            "seconds": round(elapsed, 1),
            "rps": round(len(latencies) / elapsed, 1),
            "median_ms": round(percentile(latencies, 50), 1) if latencies else None,
            "p95_ms": round(percentile(latencies, 95), 1) if latencies else None,
            "bodies": bodies}


def _contribution_ids(db_path: Path) -> set[int]:
    with closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as connection:
        return {row[0] for row in connection.execute("SELECT id FROM contributions")}


def run_load(db_path: Path, logins: list[dict], work_dir: Path, *, seconds: float = 30,
             baseline_seconds: float = 10, clients: int = 4, log=print,
             target: Target | None = None, contribution_ids=None) -> dict:
    """The phases against gunicorn on ``db_path`` (SQLite); ``logins`` from
    ``bench_pages.add_sponsor_logins``. Returns one dict per phase plus the check.

    With ``target`` (and ``contribution_ids()``, the ids in the table now) the phases go
    there instead, to servers someone else started: nginx in front of two app servers
    on PostgreSQL (``tests/bench_nginx.py``).

    The baseline phase drives ``GET /login`` (no session, no query) the same way: what
    this generator and gunicorn manage on this machine for the cheapest page.
    """
    today = timeutil.today().isoformat()
    count = contribution_ids or (lambda: _contribution_ids(db_path))
    with nullcontext(target) if target else Server(db_path, work_dir) as server:
        port = target or server.port
        began = time.perf_counter()
        cookies = [sign_in(port, login["email"]) for login in logins]
        tokens = [(api_token(port, login["email"]), login["match_ids"]) for login in logins]
        log(f"  {len(logins)} sponsors signed in (form and API token) "
            f"in {time.perf_counter() - began:.1f} s")

        def home(n: int):
            return "GET", "/me/children", None, {"Cookie": cookies[n % len(cookies)]}

        def contribution(n: int):
            token, match_ids = tokens[n % len(tokens)]
            body = {"match_id": match_ids[(n // len(tokens)) % len(match_ids)],
                    "delivered_on": today, "items": _BODY_ITEMS, "note": "Bench"}
            return "POST", "/api/v1/contributions", json.dumps(body).encode(), {
                "Content-Type": "application/json", "Authorization": f"Bearer {token}",
                "Idempotency-Key": uuid.uuid4().hex}

        baseline = _phase(port, clients, baseline_seconds,
                          lambda _n: ("GET", "/login", None, {}), 200)
        log(f"  baseline /login: {baseline['ok']} answers, {baseline['errors']} errors")
        sponsor_home = _phase(port, clients, seconds, home, 200)
        log(f"  sponsor home: {sponsor_home['ok']} answers, {sponsor_home['errors']} errors")
        before = count()
        logging = _phase(port, clients, seconds, contribution, 201)
    after = count()
    created = {json.loads(body)["id"] for body in logging["bodies"]}
    check = {"before": len(before), "after": len(after), "created_201": logging["ok"],
             "distinct_ids": len(created), "missing": len(created - after)}
    check["ok"] = (check["after"] - check["before"] == check["created_201"]
                   == check["distinct_ids"] and check["missing"] == 0)
    log(f"  logging: {logging['ok']} created, {logging['errors']} errors; rows "
        f"{check['before']} -> {check['after']}, {check['missing']} ids missing")
    for phase in (baseline, sponsor_home, logging):
        del phase["bodies"]
        for sample in phase["error_samples"]:
            log(f"  error: {sample}")
    return {"baseline": baseline, "sponsor_home": sponsor_home, "log_contribution": logging,
            "check": check, "clients": clients, "workers": 2}


if __name__ == "__main__":
    # ``python -m tests.bench_load --dir DIR [--seconds N]``: issue 12's load phase alone
    # (16 writers, readers, downloads, exports, a killed worker, a photo flood, a backup
    # restored), on a small city seeded into DIR.
    from tests.bench_load_faults import main

    sys.exit(main(sys.argv[1:]))
