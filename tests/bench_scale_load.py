"""Load test of the scale bench: nginx in front of two gunicorn app servers on PostgreSQL.

Not collected by pytest. Two ``gunicorn`` instances (each ``-w 1 --threads 4``; the
machine has two cores) on their own loopback ports, both on the same PostgreSQL database
and the same upload folder, behind Debian's ``nginx`` (round robin, configuration
written to the run's directory) on a third port. The generator is ``tests/bench_load.py``'s
(plain ``http.client`` in threads, sign-in through the real form and ``POST
/api/v1/tokens``); here writers and readers run AT THE SAME TIME:

- writers log deliveries (``POST /api/v1/contributions``, a fresh ``Idempotency-Key``
  each) for their own active matches;
- readers open the sponsor's home page (``GET /me/children``) with session cookies.

Afterwards every id a 201 answered must be in ``contributions``, and the table must have
grown by exactly that many rows. ``/login`` through the same nginx, alone, is the
baseline. Everything binds 127.0.0.1 and is stopped in any case.
"""

import json
import ssl
import threading
import time
import uuid
from contextlib import contextmanager
from http.client import HTTPSConnection
from pathlib import Path

from asuh import timeutil
from tests import bench_load
from tests.bench_load import _BODY_ITEMS, Server, _free_port, _phase, api_token, sign_in


@contextmanager
def _over_https():
    """bench_load's generator (sign-in, tokens, phases) sending through nginx's HTTPS."""
    plain = bench_load.request
    bench_load.request = https
    try:
        yield
    finally:
        bench_load.request = plain

class AppServer(Server):
    """``tests/bench_load.Server`` on a PostgreSQL URL, behind one proxy."""

    def __init__(self, url: str, work_dir: Path, name: str, threads: int = 4):
        super().__init__(Path("unused.db"), work_dir, workers=1, threads=threads)
        self.env["DATABASE_URL"] = url
        self.env["ASUH_PROXY_COUNT"] = "1"  # as deploy/asuh.env.example: nginx in front
        self.log_path = work_dir / f"{name}.log"


class Nginx:
    """Debian's nginx with deploy/nginx/asuh.conf (the production test's rendering: this
    run's ports, a self-signed certificate for 127.0.0.1), HTTPS on ``port``."""

    def __init__(self, work_dir: Path, ports: tuple[int, int]):
        self.work = work_dir
        self.ports = ports
        self.port = _free_port()
        self.process = None

    def __enter__(self) -> "Nginx":
        from tests.production import DEPLOY, render_nginx, self_signed_certificate, start_nginx

        certs = self.work / "tls"
        certs.mkdir(parents=True, exist_ok=True)
        certificate, key = self_signed_certificate(certs)
        site = render_nginx(DEPLOY / "nginx" / "asuh.conf", upstreams=list(self.ports),
                            https=self.port, http=_free_port(), certificate=certificate,
                            key=key, logs=self.work, static_root=self.work)
        self.process = start_nginx(self.work, site, self.port)
        _TLS.context = ssl.create_default_context(cafile=str(certificate))
        return self

    def __exit__(self, *_exc) -> None:
        if self.process is not None:
            self.process.stop()


class _TLS:
    context: ssl.SSLContext | None = None


def https(port: int, method: str, path: str, *, body: bytes | None = None,
          headers: dict | None = None, timeout: float = 60):
    """``tests/bench_load.request`` over HTTPS to nginx."""
    connection = HTTPSConnection("127.0.0.1", port, timeout=timeout, context=_TLS.context)
    # Over HTTPS Flask-WTF also checks that a form comes from the same site (Referer).
    headers = {"Referer": f"https://127.0.0.1:{port}/", **(headers or {})}
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def _contribution_ids(url: str) -> set[int]:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        return {row[0] for row in conn.execute("SELECT id FROM contributions")}


def run_load(url: str, logins: list[dict], work_dir: Path, *, seconds: float = 30,
             baseline_seconds: float = 10, writers: int = 4, readers: int = 4,
             log=print) -> dict:
    today = timeutil.today().isoformat()
    work_dir.mkdir(parents=True, exist_ok=True)
    with AppServer(url, work_dir, "app-a") as a, AppServer(url, work_dir, "app-b") as b, \
            Nginx(work_dir, (a.port, b.port)) as front, _over_https():
        port = front.port
        began = time.perf_counter()
        cookies = [sign_in(port, login["email"]) for login in logins]
        tokens = [(api_token(port, login["email"]), login["match_ids"]) for login in logins]
        log(f"  {len(logins)} sponsors signed in through nginx (form and API token) "
            f"in {time.perf_counter() - began:.1f} s")

        def home(n: int):
            return "GET", "/me/children", None, {"Cookie": cookies[n % len(cookies)]}

        def contribution(n: int):
            token, match_ids = tokens[n % len(tokens)]
            body = {"match_id": match_ids[(n // len(tokens)) % len(match_ids)],
                    "delivered_on": today, "items": _BODY_ITEMS, "note": "Bench skala"}
            return "POST", "/api/v1/contributions", json.dumps(body).encode(), {
                "Content-Type": "application/json", "Authorization": f"Bearer {token}",
                "Idempotency-Key": uuid.uuid4().hex}

        baseline = _phase(port, readers + writers, baseline_seconds,
                          lambda _n: ("GET", "/login", None, {}), 200)
        log(f"  baseline /login: {baseline['ok']} answers, {baseline['errors']} errors")
        before = _contribution_ids(url)
        phases = {}

        def run(name, clients, make, expected):
            phases[name] = _phase(port, clients, seconds, make, expected)

        threads = [threading.Thread(target=run, args=("writes", writers, contribution, 201)),
                   threading.Thread(target=run, args=("reads", readers, home, 200))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    after = _contribution_ids(url)
    writes, reads = phases["writes"], phases["reads"]
    created = {json.loads(body)["id"] for body in writes["bodies"]}
    check = {"before": len(before), "after": len(after), "created_201": writes["ok"],
             "distinct_ids": len(created), "missing": len(created - after)}
    check["ok"] = (check["after"] - check["before"] == check["created_201"]
                   == check["distinct_ids"] and check["missing"] == 0
                   and writes["errors"] == 0 and reads["errors"] == 0)
    log(f"  writes: {writes['ok']} created, {writes['errors']} errors; reads: {reads['ok']}, "
        f"{reads['errors']} errors; rows {check['before']} -> {check['after']}, "
        f"{check['missing']} ids missing")
    for phase in (baseline, writes, reads):
        del phase["bodies"]
        for sample in phase["error_samples"]:
            log(f"  error: {sample}")
    return {"baseline": baseline, "writes": writes, "reads": reads, "check": check,
            "writers": writers, "readers": readers}
