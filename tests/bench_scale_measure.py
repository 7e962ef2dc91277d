"""Every figure of ``make bench-scale`` on each seeded size, and the table (not collected by
pytest). ``tests/bench_scale.py`` calls ``measure_all`` and ``report``.

- pages: ``tests/bench_scale_pages.py`` (server time in-process, signed in by role/scope);
- statements: ``asuh.letters.bulk.issue_statements`` (what the statements job runs) for the
  first ``statements`` sponsors of last month, rendering in one process, then two;
- import: a ``rows``-row e-PPGBM file (``tests/bench_import.py``'s writer) uploaded through
  the import page, confirmed (it becomes a job: over IMPORT_JOB_ROWS rows) and run by
  ``flask jobs work --burst``; seconds from the confirmation to the job done;
- load: ``tests/bench_scale_load.py`` (nginx, two gunicorn app servers, writers and readers).
"""

import json
import os
import re
import time
from datetime import timedelta
from pathlib import Path

from tests.bench_scale import FIGURES
from tests.bench_scale_pages import measure_pages, sponsor_logins

ROOT = Path(__file__).resolve().parent.parent


def measure_statements(url: str, count: int) -> dict:
    """Seconds for ``count`` statements of last month with 1 and with 2 rendering processes
    (different sponsors each time: a statement issued once is skipped by the next run),
    and the per-statement figures, so the growth from 100k to 1M is per statement."""
    from asuh import timeutil
    from asuh.extensions import db
    from asuh.letters import bulk
    from asuh.letters.offices import statement_pairs
    from asuh.letters.periods import parse_period
    from tests.bench_city import make_app

    app = make_app(url)
    today = timeutil.today()
    month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    results = {}
    with app.app_context():
        from asuh.letters.signing import install_signing_certificate

        install_signing_certificate()
        db.session.commit()
        period = parse_period(month, field="month")
        # (sponsor, city) pairs without last month's statement yet (an earlier run on a
        # kept cluster issued some): the job's own list, as ``issue_statements`` reads it.
        started = time.perf_counter()
        done = bulk.already_issued(period)
        everyone = [pair for pair in statement_pairs(period) if pair not in done]
        pairs_s = time.perf_counter() - started
        db.session.commit()
        for processes in (1, 2):
            chosen = everyone[(processes - 1) * count: processes * count]
            started = time.perf_counter()
            outcome = bulk.issue_statements(period, processes=processes, pairs=chosen)
            results[processes] = time.perf_counter() - started
            assert len(outcome.issued) == len(chosen), (len(outcome.issued), len(chosen))
        db.session.remove()
    return {"statements": count, "one_s": results[1], "two_s": results[2],
            "scaling": results[1] / results[2], "pairs": len(everyone), "pairs_s": pairs_s,
            "one_ms_each": 1000 * results[1] / count, "two_ms_each": 1000 * results[2] / count}


WORKER = """
import sys
from tests.bench_city import make_app
app = make_app(sys.argv[1])
app.config["UPLOAD_FOLDER"] = sys.argv[2]
print("ready", flush=True)
sys.stdin.readline()  # started before the confirmation, as a deployment's worker is
result = app.test_cli_runner().invoke(args=["jobs", "work", "--burst"])
sys.exit(result.exit_code)
"""


class Worker:
    """``flask jobs work --burst`` in a process of its own, started and warmed up first;
    ``run()`` lets it take the queued jobs: (seconds, exit code, its peak memory in MiB)."""

    def __init__(self, url: str, uploads: Path):
        import subprocess
        import sys

        self.process = subprocess.Popen([sys.executable, "-c", WORKER, url, str(uploads)],
                                        cwd=ROOT, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        assert self.process.stdout.readline().strip() == "ready"

    def run(self) -> tuple[float, int, float]:
        started = time.perf_counter()
        self.process.stdin.write("go\n")
        self.process.stdin.flush()
        _, status, usage = os.wait4(self.process.pid, 0)
        self.process.returncode = os.waitstatus_to_exitcode(status)
        return time.perf_counter() - started, self.process.returncode, usage.ru_maxrss / 1024


def measure_import(url: str, work: Path, rows: int) -> dict:
    """Upload (a large file is stored and previewed by a job), preview job, confirm, import
    job: seconds of each; the figure is confirmation → import job done. Each job runs in
    a worker process of its own, whose peak memory is recorded."""
    from sqlalchemy import text

    from asuh.extensions import db
    from tests.bench_city import make_app
    from tests.bench_import import write_import_file
    from tests.bench_scale_pages import _signed_in

    work.mkdir(parents=True, exist_ok=True)
    # Written for this run: new children, NIKs not in the registry (an earlier run's are).
    csv_path = write_import_file(url, work / f"import-{rows}.csv", rows)
    uploads = work / "uploads"
    os.environ["ASUH_UPLOAD_FOLDER"] = str(uploads)
    app = make_app(url)
    app.config["UPLOAD_FOLDER"] = str(uploads)
    officer = _signed_in(app, "officer@bench.example.id")
    with app.app_context():
        before = db.session.execute(text("SELECT count(*) FROM children")).scalar_one()
        db.session.remove()
    worker = Worker(url, uploads)
    started = time.perf_counter()
    with csv_path.open("rb") as handle:
        answer = officer.post("/children/import", data={"file": (handle, csv_path.name)},
                              content_type="multipart/form-data")
    upload_s = time.perf_counter() - started
    preview_url = answer.headers.get("Location", "")
    token = re.search(r"/children/import/([^/?]+)", preview_url)
    if answer.status_code != 302 or not token:
        raise RuntimeError(f"upload answered {answer.status_code}: {answer.data[:300]!r}")
    preview_job_s, _, preview_mib = worker.run()  # nothing queued for a small file
    preview = officer.get(preview_url)
    preview_s = time.perf_counter() - started
    worker = Worker(url, uploads)
    confirm = officer.post(f"/children/import/{token.group(1)}/confirm", data={})
    if confirm.status_code != 302:
        raise RuntimeError(f"confirm answered {confirm.status_code}: {confirm.data[:300]!r}")
    submitted = time.perf_counter()
    _, exit_code, job_mib = worker.run()
    job_s = time.perf_counter() - submitted
    with app.app_context():
        after = db.session.execute(text("SELECT count(*) FROM children")).scalar_one()
        status = db.session.execute(text(
            "SELECT status FROM jobs ORDER BY id DESC LIMIT 1")).scalar_one()
        db.session.remove()
    return {"rows": rows, "upload_s": upload_s, "preview_job_s": preview_job_s,
            "preview_s": preview_s, "preview_status": preview.status_code,
            "preview_mib": preview_mib, "job_s": job_s, "job_mib": job_mib,
            "created": after - before, "job_status": status, "worker_exit": exit_code}


def measure_all(cluster, sizes, seeded: dict, *, log, statements: int = 300,
                import_rows: int = 100_000, load_seconds: float = 30, requests: int = 30,
                logins: int = 100, figures=FIGURES) -> dict:
    """Every figure in ``figures`` ("dashboard" is measured with the pages) on each size."""
    from tests.bench_scale_load import run_load

    results = {"sizes": {}, "postgres": cluster.version(), "figures": list(figures)}
    logins_wanted = logins
    for size in sizes:
        url = seeded[size.name]["url"]
        result = results["sizes"][size.name] = {
            "children": size.children, "sponsors": size.sponsors, "items": size.items,
            "seed_s": seeded[size.name]["timings"]["total"]}
        if {"pages", "load"} & set(figures):
            logins = sponsor_logins(url, logins_wanted)
        if "pages" in figures:
            heavy = max(logins, key=lambda login: len(login["match_ids"]))
            log(f"{size.name}: pages (sponsor {heavy['email']}, {len(heavy['match_ids'])} "
                "children)")
            result["pages"] = measure_pages(url, heavy["email"], requests=requests)
            result["sponsor_children"] = len(heavy["match_ids"])
        if "load" in figures:
            log(f"{size.name}: load through nginx")
            result["load"] = run_load(url, logins, cluster.tmp / f"load-{size.name}",
                                      seconds=load_seconds, log=log)
        if "import" in figures:
            log(f"{size.name}: import of {import_rows:,} rows as a job")
            result["import"] = measure_import(url, cluster.tmp / f"import-{size.name}",
                                              import_rows)
            log(f"  {result['import']}")
        if "statements" in figures:
            log(f"{size.name}: {statements} statements, 1 and 2 processes")
            result["statements"] = measure_statements(url, statements)
            log(f"  {result['statements']}")
        result["load_average"] = os.getloadavg()
        result["database_bytes"] = _database_size(url)
        # Kept as it goes: a later size failing leaves this one's figures on disk.
        (cluster.tmp / "results.json").write_text(json.dumps(results, indent=1, default=str))
    return results


def _database_size(url: str) -> int:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        return conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
