"""Issue 12's load phase: everything at once against ``gunicorn -w 2``, with faults.

Not collected by pytest. ``tests/bench.py`` calls ``run_faults`` after the plain load
phases; ``python -m tests.bench_load`` runs it alone on a small city it seeds itself.

For ``seconds``, all at once:

- 16 writers, each a different sponsor, log deliveries (``POST /api/v1/contributions``,
  a fresh ``Idempotency-Key`` each; after a dropped connection the SAME key is sent again,
  as a client should, so an act that committed before its worker died is not repeated);
- 2 readers (the sponsor's home page), 2 letter downloaders (``/api/v1/letters/<id>/pdf``,
  each one an audited read that writes) and 1 exporter (``/exports/sponsors.csv``, also
  audited);
- one more sponsor floods photos: a ~40 MP PNG at a time through the API to a pending
  delivery until it holds 10, then 40 at once through the page form (refused by count),
  then a new delivery, and so on;
- halfway, one gunicorn worker is killed (SIGKILL; the master starts another);
- a little later ``flask backup create`` runs against the live database.

Then: server errors (5xx) must be 0; rows: the contributions table grew by exactly the
acknowledged deliveries (none lost, none twice); the other sponsors' writes p95 < 1 s;
``audit verify`` passes; and the backup restores into an empty installation (which runs
its own checks) holding every delivery committed before the backup began.
"""

import io
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from contextlib import closing
from http.client import HTTPException
from pathlib import Path

from asuh import timeutil
from tests.bench_load import (
    _BODY_ITEMS,
    ROOT,
    LoadError,
    Server,
    _cookies,
    api_token,
    request,
    sign_in,
)
from tests.bench_pages import percentile

WRITERS = 16
READERS = 2
DOWNLOADERS = 2
EXPORTERS = 1
WRITE_P95_TARGET_MS = 1000
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _big_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (7300, 5450), "white").save(out, "PNG")  # ~40 MP, ~130 KB
    return out.getvalue()


def _multipart(fields: dict, files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())
    for name, filename, data in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                     f'filename="{filename}"\r\nContent-Type: image/png\r\n\r\n'.encode()
                     + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _ids(db_path: Path) -> set[int]:
    with closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as connection:
        return {row[0] for row in connection.execute("SELECT id FROM contributions")}


def _flask(env: dict, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=timeout)


def _workers(master: int) -> list[int]:
    """The gunicorn master's children (its workers), from /proc."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            pids.append(int(stat.parent.name))
    return sorted(pids)


def add_officer(db_path: Path) -> str:
    """An officer login (bulk row, cheap hash like the sponsors'); returns the email."""
    from werkzeug.security import generate_password_hash

    from tests.bench_dashboard import BENCH_PASSWORD

    email = "bench-officer@bench.example.id"
    with closing(sqlite3.connect(db_path)) as connection:
        connection.execute(
            "INSERT OR IGNORE INTO users (email, name, password_hash, role, active, "
            "created_at, password_changed_at) VALUES (?, 'Petugas Bench', ?, 'officer', 1, "
            "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
            (email, generate_password_hash(BENCH_PASSWORD, method="pbkdf2:sha256:1000")))
        connection.commit()
    return email


def issue_letters(db_path: Path, sponsor_ids: list[int], work_dir: Path,
                  wanted: int = 4) -> list[int]:
    """Statements for last month, issued in-process (signed by a throwaway CA next to the
    bench; the server only hands out the stored bytes)."""
    from asuh import create_app
    from asuh.errors import ValidationFailed
    from asuh.extensions import db
    from asuh.letters import services
    from asuh.letters.periods import Period
    from asuh.letters.signing import install_signing_certificate
    from tests.factories import last_month

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}",
                      "SIGNING_FOLDER": str(work_dir / "signing"), "SIGNING_P12": None,
                      "TSA_URL": None})
    ids = []
    with app.app_context():
        install_signing_certificate()
        period = Period(*last_month())
        for sponsor_id in sponsor_ids:
            try:
                letter = services.issue_letter("sponsor_statement", sponsor_id=sponsor_id,
                                               period=period)
            except ValidationFailed:
                continue
            ids.append(letter.id)
            if len(ids) == wanted:
                break
        db.session.remove()
        db.engine.dispose()
    return ids


class Tally:
    """Answers by kind, thread-safe."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = {}
        self.counts: dict[str, dict[str, int]] = {}
        self.samples: list[str] = []

    def add(self, kind: str, outcome: str, ms: float | None = None, sample: str = ""):
        with self.lock:
            bucket = self.counts.setdefault(kind, {})
            bucket[outcome] = bucket.get(outcome, 0) + 1
            if ms is not None:
                self.latencies.setdefault(kind, []).append(ms)
            if sample and len(self.samples) < 20:
                self.samples.append(f"{kind}: {sample}")

    def server_errors(self) -> int:
        return sum(n for c in self.counts.values() for k, n in c.items() if k.startswith("5"))


def _timed(tally: Tally, kind: str, expected: set[int], method: str, path: str, *,
           port_: int, **kw):
    started = time.perf_counter()
    try:
        status, headers, body = request(port_, method, path, **kw)
    except (OSError, HTTPException) as exc:  # a worker killed mid-answer cuts it short
        tally.add(kind, "connection", sample=f"{type(exc).__name__}: {exc}")
        return None
    ms = (time.perf_counter() - started) * 1000
    if status in expected:
        tally.add(kind, str(status), ms)
    else:
        tally.add(kind, str(status), sample=f"{status} {path}: {body[:160]!r}")
    return status, headers, body


def _log_delivery(port: int, token: str, match_id: int, tally: Tally, kind: str,
                  deadline_grace: float) -> int | None:
    """One delivery, its key retried after a dropped connection; the id acknowledged."""
    key = uuid.uuid4().hex
    body = json.dumps({"match_id": match_id, "delivered_on": timeutil.today().isoformat(),
                       "items": _BODY_ITEMS, "note": "Bench beban"}).encode()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}",
               "Idempotency-Key": key}
    for _ in range(8):
        answer = _timed(tally, kind, {200, 201}, "POST", "/api/v1/contributions",
                        port_=port, body=body, headers=headers)
        if answer is not None:
            status, _, payload = answer
            return json.loads(payload)["id"] if status in (200, 201) else None
        if time.monotonic() > deadline_grace:
            break
        time.sleep(0.2)
    tally.add(kind, "unresolved")
    return None


def run_faults(db_path: Path, logins: list[dict], work_dir: Path, *, seconds: float = 60,
               think: float = 1.0, baseline_seconds: float = 15, threads: int = 1,
               log=print) -> dict:
    """``threads`` > 1 runs gunicorn's threaded workers (``--threads``).

    ``think``: each client's pause between its requests (people, not a closed loop
    at full speed: 16 writers then send up to 16 a second between them).

    First, for ``baseline_seconds``, the 16 writers run alone: their p95 there is what
    this machine gives them with nobody else, the yardstick for the phase with faults.
    """
    if len(logins) < WRITERS + 1:
        raise LoadError(f"need {WRITERS + 1} sponsor logins, have {len(logins)}")
    work_dir.mkdir(parents=True, exist_ok=True)
    officer = add_officer(db_path)
    letters = issue_letters(db_path, [login["sponsor_id"] for login in logins], work_dir)
    log(f"  {len(letters)} statements issued for the downloaders")
    png = _big_png()
    tally = Tally()
    acknowledged: list[int] = []
    ack_lock = threading.Lock()
    facts: dict = {}
    with Server(db_path, work_dir, workers=2, threads=threads) as server:
        port, env = server.port, server.env
        writers = [(api_token(port, lg["email"]), lg["match_ids"]) for lg in logins[:WRITERS]]
        reader_cookies = [sign_in(port, lg["email"]) for lg in logins[:READERS]]
        flood = logins[WRITERS]
        flood_token, flood_cookie = api_token(port, flood["email"]), sign_in(port, flood["email"])
        officer_token, officer_cookie = api_token(port, officer), sign_in(port, officer)
        before = _ids(db_path)
        facts["threads"] = threads
        facts["load_before"] = os.getloadavg()[0]
        deadline = time.monotonic() + baseline_seconds
        grace = deadline + 30

        def acknowledge(contribution_id):
            if contribution_id is not None:
                with ack_lock:
                    acknowledged.append(contribution_id)

        def writer(index: int, kind: str = "write"):
            token, match_ids = writers[index]
            n = 0
            while time.monotonic() < deadline:
                acknowledge(_log_delivery(port, token, match_ids[n % len(match_ids)], tally,
                                          kind, grace))
                n += 1
                time.sleep(think)

        alone = [threading.Thread(target=writer, args=(i, "baseline_write"), daemon=True)
                 for i in range(WRITERS)]
        for thread in alone:
            thread.start()
        for thread in alone:
            thread.join()
        log(f"  baseline: {WRITERS} writers alone for {baseline_seconds:.0f} s")
        began = time.monotonic()
        deadline = began + seconds
        grace = deadline + 30

        def reader(index: int):
            while time.monotonic() < deadline:
                _timed(tally, "read", {200}, "GET", "/me/children", port_=port,
                       headers={"Cookie": reader_cookies[index]})
                time.sleep(think)

        def downloader(index: int):
            n = index
            while time.monotonic() < deadline and letters:
                _timed(tally, "download", {200}, "GET",
                       f"/api/v1/letters/{letters[n % len(letters)]}/pdf", port_=port,
                       headers={"Authorization": f"Bearer {officer_token}"})
                n += 1
                time.sleep(think)

        def exporter(_index: int):
            while time.monotonic() < deadline:
                _timed(tally, "export", {200}, "GET", "/exports/sponsors.csv", port_=port,
                       headers={"Cookie": officer_cookie})
                time.sleep(think)

        def flooder(_index: int):
            match_id = flood["match_ids"][0]
            while time.monotonic() < deadline:
                contribution_id = _log_delivery(port, flood_token, match_id, tally,
                                                "flood_write", grace)
                acknowledge(contribution_id)
                if contribution_id is None:
                    continue
                form = _timed(tally, "flood_form_page", {200}, "GET",
                              f"/contributions/{contribution_id}", port_=port,
                              headers={"Cookie": flood_cookie})
                token = _CSRF.search(form[2].decode()) if form else None
                while time.monotonic() < deadline:
                    body, kind = _multipart({}, [("photo", "foto.png", png)])
                    answer = _timed(tally, "flood_photo", {201, 422}, "POST",
                                    f"/api/v1/contributions/{contribution_id}/photos",
                                    port_=port, body=body, headers={
                                        "Content-Type": kind,
                                        "Authorization": f"Bearer {flood_token}"})
                    if answer is not None and answer[0] == 422:
                        break
                if token is not None and time.monotonic() < deadline:
                    body, kind = _multipart({"csrf_token": token.group(1)},
                                            [("photos", f"f{i}.png", png) for i in range(40)])
                    answer = _timed(tally, "flood_40_form", {302}, "POST",
                                    f"/contributions/{contribution_id}/photos", port_=port,
                                    body=body, headers={"Content-Type": kind,
                                                        "Cookie": flood_cookie})
                    if answer is not None and answer[0] == 302:
                        # The refusal is flashed on the page it redirects to (the flash
                        # rides in the new session cookie).
                        jar = dict(part.split("=", 1) for part in flood_cookie.split("; "))
                        jar.update(_cookies(answer[1]))
                        cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
                        page = request(port, "GET", answer[1]["Location"],
                                       headers={"Cookie": cookie})
                        if "Maksimal 10 foto" not in page[2].decode():
                            tally.add("flood_40_form", "not_refused_by_count")

        def killer():
            time.sleep(seconds / 2)
            pids = _workers(server.process.pid)
            if pids:
                os.kill(pids[0], signal.SIGKILL)
                facts["killed_worker"] = pids[0]
                facts["killed_at_s"] = round(time.monotonic() - began, 1)

        def backup():
            time.sleep(seconds * 0.6)
            facts["committed_before_backup"] = _ids(db_path)
            target = work_dir / "backup"
            started = time.perf_counter()
            done = _flask(env, "backup", "create", str(target))
            facts["backup"] = {"rc": done.returncode, "seconds": round(
                time.perf_counter() - started, 1), "dir": str(target),
                "output": (done.stdout + done.stderr).strip()[-400:]}

        roles = ([(writer, i) for i in range(WRITERS)] + [(reader, i) for i in range(READERS)]
                 + [(downloader, i) for i in range(DOWNLOADERS)]
                 + [(exporter, i) for i in range(EXPORTERS)] + [(flooder, 0)])
        threads = [threading.Thread(target=f, args=(i,), daemon=True) for f, i in roles]
        threads += [threading.Thread(target=killer, daemon=True),
                    threading.Thread(target=backup, daemon=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - began
        facts["load_after"] = os.getloadavg()[0]
        verified = _flask(env, "audit", "verify")
    after = _ids(db_path)
    return _judge(tally, acknowledged, before, after, facts, verified, elapsed, work_dir,
                  env, log)


def _restore(facts: dict, after: set[int], work_dir: Path, env: dict) -> dict:
    target = work_dir / "restored"
    restored_db = target / "asuh.db"
    target.mkdir(parents=True, exist_ok=True)
    restore_env = {**env, "DATABASE_URL": f"sqlite:///{restored_db}",
                   "ASUH_UPLOAD_FOLDER": str(target / "uploads"),
                   "ASUH_LETTER_FOLDER": str(target / "letters")}
    done = _flask(restore_env, "backup", "restore", facts["backup"]["dir"])
    result = {"rc": done.returncode, "output": (done.stdout + done.stderr).strip()[-600:]}
    if done.returncode == 0:
        restored = _ids(restored_db)
        committed = facts["committed_before_backup"]
        result.update(committed_before=len(committed), restored=len(restored),
                      missing=len(committed - restored), invented=len(restored - after))
    return result


def _judge(tally, acknowledged, before, after, facts, verified, elapsed, work_dir, env,
           log) -> dict:
    writes = tally.latencies.get("write", [])
    alone = tally.latencies.get("baseline_write", [])
    rows = {"before": len(before), "after": len(after), "acknowledged": len(acknowledged),
            "distinct_acknowledged": len(set(acknowledged)),
            "missing": len(set(acknowledged) - after),
            "unacknowledged_new": len((after - before) - set(acknowledged))}
    rows["ok"] = (rows["after"] - rows["before"] == rows["distinct_acknowledged"]
                  and rows["missing"] == 0 and rows["unacknowledged_new"] == 0)
    restore = (_restore(facts, after, work_dir, env) if facts.get("backup", {}).get("rc") == 0
               else {"rc": None, "output": "backup failed"})
    result = {
        "seconds": round(elapsed, 1), "counts": tally.counts, "threads": facts["threads"],
        "server_errors": tally.server_errors(),
        "write_p50_ms": round(percentile(writes, 50), 1) if writes else None,
        "write_p95_ms": round(percentile(writes, 95), 1) if writes else None,
        "write_max_ms": round(max(writes), 1) if writes else None,
        "write_rps": round(len(writes) / elapsed, 1),
        "alone_p50_ms": round(percentile(alone, 50), 1) if alone else None,
        "alone_p95_ms": round(percentile(alone, 95), 1) if alone else None,
        "machine_load": [facts.get("load_before"), facts.get("load_after")],
        "rows": rows, "audit_verify": {"rc": verified.returncode,
                                       "output": (verified.stdout + verified.stderr).strip()},
        "killed_worker": facts.get("killed_worker"), "killed_at_s": facts.get("killed_at_s"),
        "backup": facts.get("backup"), "restore": restore, "samples": tally.samples,
    }
    result["ok"] = (result["server_errors"] == 0 and rows["ok"]
                    and result["write_p95_ms"] is not None
                    and result["write_p95_ms"] < WRITE_P95_TARGET_MS
                    and verified.returncode == 0 and restore.get("rc") == 0
                    and restore.get("missing") == 0 and restore.get("invented") == 0
                    and "unresolved" not in tally.counts.get("write", {})
                    and "not_refused_by_count" not in tally.counts.get("flood_40_form", {}))
    for line in describe(result):
        log("  " + line)
    return result


def describe(result: dict) -> list[str]:
    rows, restore = result["rows"], result["restore"]
    lines = [f"{kind}: " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))
             for kind, counts in sorted(result["counts"].items())]
    lines += [
        f"gunicorn -w 2 --threads {result['threads']}",
        f"server errors (5xx): {result['server_errors']}",
        f"machine load average (before, after): {result['machine_load']} on "
        f"{os.cpu_count()} CPUs",
        f"other sponsors' writes: p50 {result['write_p50_ms']} ms, p95 "
        f"{result['write_p95_ms']} ms, max {result['write_max_ms']} ms "
        f"(target p95 < {WRITE_P95_TARGET_MS} ms), {result['write_rps']} writes/s; the same "
        f"writers alone: p50 {result['alone_p50_ms']} ms, p95 {result['alone_p95_ms']} ms",
        f"rows: {rows['before']} -> {rows['after']}, {rows['distinct_acknowledged']} "
        f"acknowledged, {rows['missing']} missing, {rows['unacknowledged_new']} unacknowledged",
        f"worker {result['killed_worker']} killed at {result['killed_at_s']} s",
        f"backup during load: {result['backup']}",
        f"restore: rc {restore.get('rc')}, {restore.get('restored')} rows restored of "
        f"{restore.get('committed_before')} committed before the backup, missing "
        f"{restore.get('missing')}, invented {restore.get('invented')}",
        f"audit verify: rc {result['audit_verify']['rc']} "
        f"({result['audit_verify']['output'][-120:]})",
        f"verdict: {'PASS' if result['ok'] else 'FAIL'}",
    ]
    lines += [f"sample: {s}" for s in result["samples"][:10]]
    return lines


def main_quick(work_dir: Path, *, seconds: float, children: int, sponsors: int, items: int,
               think: float = 1.0, baseline_seconds: float = 15, threads: int = 1,
               log=print) -> dict:
    """Seed a small city into ``work_dir`` and run the phase on it."""
    from tests.bench_dashboard import seed_large_city
    from tests.bench_pages import add_sponsor_logins

    work_dir.mkdir(parents=True, exist_ok=True)
    db_path = work_dir / "load.db"
    if db_path.exists():
        raise LoadError(f"{db_path} exists; give an empty --dir")
    log(f"seeding {children} children, {sponsors} sponsors, {items} items")
    seed_large_city(str(db_path), children, sponsors, items, log=lambda *_: None)
    logins = add_sponsor_logins(str(db_path), WRITERS + 4)
    return run_faults(db_path, logins, work_dir / "faults", seconds=seconds, think=think,
                      baseline_seconds=baseline_seconds, threads=threads, log=log)


def cli_args(argv: list[str]) -> dict:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tests.bench_load",
                                     description="Issue 12's load phase, alone.")
    parser.add_argument("--dir", type=Path, required=True, help="an empty work folder")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--children", type=int, default=5_000)
    parser.add_argument("--sponsors", type=int, default=2_500)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--think", type=float, default=1.0,
                        help="each client's pause between requests, seconds")
    parser.add_argument("--baseline-seconds", dest="baseline_seconds", type=float,
                        default=15, help="the writers alone first, for comparison")
    parser.add_argument("--threads", type=int, default=4,
                        help="gunicorn threads per worker (1: the sync workers)")
    return vars(parser.parse_args(argv))


def main(argv: list[str]) -> int:
    args = cli_args(argv)
    outcome = main_quick(args.pop("dir"), **args)
    return 0 if outcome["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
