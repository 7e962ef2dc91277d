"""A large import file is written by a background job: planned by the worker, written in
batches of whole children, with progress, cancel and a report naming the stored rows; a
worker killed mid-way leaves whole batches, reported exactly, and the job taken up again
writes the rest without duplicates. Run by the embedded worker (a process of its own) and
once by an RQ worker on a Redis server the test starts."""

import os
import signal
import subprocess
import sys
import time

from sqlalchemy import func, select

from asuh.accounts.models import User
from asuh.audit.models import AuditRecord
from asuh.children import import_job
from asuh.children.import_limits import BATCH_ROWS, JOB_ROWS
from asuh.children.models import Child
from asuh.extensions import db
from asuh.jobs import services as jobs
from asuh.jobs.models import Job
from tests import test_jobs
from tests.test_children_import import counts, csv_file, row, upload
from tests.test_import_partial import csv_rows
from tests.test_jobs import ROOT, run_worker

redis_url = test_jobs.redis_url  # the fixture that starts a redis-server
SIZE = JOB_ROWS + 100  # over the threshold: written by a job, in two batches by default


def big_file(size: int = SIZE, bad: tuple[int, ...] = ()) -> tuple[bytes, dict[int, str]]:
    """``size`` children with one measurement each; the file's line → NIK. Rows ``bad``
    (serials) have an unreadable height and are refused."""
    rows = [row(n, **({"Tinggi": "tujuh"} if n in bad else {})) for n in range(1, size + 1)]
    return csv_file(rows), {n: r["NIK"] for n, r in enumerate(rows, start=2)}


def _confirm(client, data: bytes, name: str = "besar.csv", **form) -> int:
    preview_url = upload(client, data, name).headers["Location"]
    page = client.get(preview_url).text
    assert "pekerjaan latar belakang" in page
    response = client.post(f"{preview_url}/confirm", data=form)
    assert response.status_code == 302, response.text
    assert "/jobs/" in response.headers["Location"]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _stored_niks() -> set[str]:
    return set(db.session.scalars(select(Child.nik)))


def _lines(spans) -> set[int]:
    return {line for a, b in spans for line in range(a, b + 1)}


def test_a_large_file_is_written_by_a_job_and_again_changes_nothing(
        app, users, regions, client, login, tmp_dir, database_url):
    assert (JOB_ROWS, BATCH_ROWS) == (500, 500)  # the named bounds this test crosses
    login("officer")
    data, _ = big_file()
    job_id = _confirm(client, data)
    with app.app_context():
        assert counts() == (0, 0)  # nothing written in the request
    state = client.get(f"/jobs/{job_id}/status").json
    assert state["status"] == "queued"
    done = run_worker(tmp_dir, database_url)
    assert done.returncode == 0, done.stderr
    state = client.get(f"/jobs/{job_id}/status").json
    assert (state["status"], state["done"], state["total"]) == ("done", SIZE, SIZE), state
    assert state["report"]["stored_rows"] == SIZE and not state["has_file"]
    page = client.get(f"/jobs/{job_id}").text
    assert f"Disimpan oleh pekerjaan ini: {SIZE} anak baru" in page
    assert f"Baris yang tersimpan: 2–{SIZE + 1}." in page
    with app.app_context():
        assert counts() == (SIZE, SIZE)
        batches = db.session.scalars(select(AuditRecord.summary).where(
            AuditRecord.action == "import", AuditRecord.entity_type == "child")
            .order_by(AuditRecord.id)).all()
        assert len(batches) == 2 and "bagian 1 dari 2" in batches[0]
    # The same file again: every child and measurement is recognised; nothing is written.
    again = _confirm(client, data)
    assert run_worker(tmp_dir, database_url).returncode == 0
    report = client.get(f"/jobs/{again}/status").json["report"]
    assert report["progress"]["created"] == 0 and report["progress"]["measurements"] == 0
    assert f"Sudah ada sebelumnya dan tidak berubah: {SIZE} anak." in report["lines"]
    with app.app_context():
        assert counts() == (SIZE, SIZE)
        assert db.session.scalar(select(func.count(AuditRecord.id)).where(
            AuditRecord.action == "import", AuditRecord.entity_type == "child")) == 2


def test_partial_large_import_hands_back_the_refused_rows(app, users, regions, client,
                                                          login, tmp_dir, database_url):
    login("officer")
    data, niks = big_file(bad=(7, 300))
    preview_url = upload(client, data, "besar.csv").headers["Location"]
    assert "Simpan yang diterima saja" in client.get(preview_url).text
    response = client.post(f"{preview_url}/confirm", data={"mode": "partial"})
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert run_worker(tmp_dir, database_url).returncode == 0
    state = client.get(f"/jobs/{job_id}/status").json
    assert state["status"] == "done" and state["has_file"]
    assert state["report"]["rejected"] == 2 and state["report"]["stored_rows"] == SIZE - 2
    download = client.get(f"/jobs/{job_id}/download")
    assert "besar-ditolak.csv" in download.headers["Content-Disposition"]
    refused = csv_rows(download.data)
    assert [r[0] for r in refused[1:]] == [niks[8], niks[301]]
    assert "Tinggi" in refused[1][-1]
    with app.app_context():
        assert _stored_niks() == {nik for line, nik in niks.items() if line not in (8, 301)}


def test_a_refused_file_writes_nothing_and_says_why(app, users, regions, client, login):
    from asuh.jobs.backend import work

    login("officer")
    data, _ = big_file(bad=(3,))
    preview_url = upload(client, data, "besar.csv").headers["Location"]
    response = client.post(f"{preview_url}/confirm", data={"mode": "all"})
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        work(burst=True, poll=0)
        assert counts() == (0, 0)
    page = client.get(f"/jobs/{job_id}").text
    assert "tidak disimpan: 1 dari" in page and "Unduh besar-ditolak.csv" in page


def test_cancel_stops_between_batches_and_reports_the_stored_rows(
        app, users, regions, client, login, monkeypatch):
    from asuh.jobs.backend import work

    monkeypatch.setitem(app.config, "IMPORT_JOB_ROWS", 10)
    monkeypatch.setitem(app.config, "IMPORT_BATCH_ROWS", 10)
    login("officer")
    data, niks = big_file(40)
    job_id = _confirm(client, data)
    store = import_job._store

    def store_then_cancel(ctx, batch, *args, **kwargs):
        store(ctx, batch, *args, **kwargs)
        if batch.number == 2:  # the officer presses "Batalkan" while batch 2 is written
            jobs.cancel(ctx.job_id, actor=db.session.get(User, users["officer"][0]))

    monkeypatch.setattr(import_job, "_store", store_then_cancel)
    with app.app_context():
        work(burst=True, poll=0)
        job = db.session.get(Job, job_id)
        assert job.status == "cancelled"
        assert job.result_report["progress"]["stored"] == [[2, 21]]
        assert _stored_niks() == {niks[line] for line in range(2, 22)}
        assert counts() == (20, 20)
    page = client.get(f"/jobs/{job_id}").text
    assert "Dibatalkan setelah bagian 2 dari 4" in page and "2–21" in page
    # Importing the file again stores the rest, once.
    monkeypatch.setattr(import_job, "_store", store)
    again = _confirm(client, data)
    with app.app_context():
        work(burst=True, poll=0)
        assert db.session.get(Job, again).result_report["progress"]["created"] == 20
        assert counts() == (40, 40) and _stored_niks() == set(niks.values())


# The worker writes ten batches, then stops itself in the middle of the eleventh (its rows
# written, not committed) so the test kills it at the same point on a fast or a loaded
# machine: a timed kill raced the worker, which sometimes finished first.
KILLED_WORKER = """
import os, signal, sys, json
from asuh import create_app
from asuh.children import import_job
from asuh.jobs.backend import work
from tests.conftest import app_settings
from pathlib import Path
settings = app_settings(Path(sys.argv[1]), sys.argv[2])
settings.update(json.loads(sys.argv[3]))
app = create_app(settings)
write_plan, calls = import_job.write_plan, []

def write_then_stop(*args, **kwargs):
    write_plan(*args, **kwargs)
    calls.append(1)
    if len(calls) == 11:
        from asuh.extensions import db
        db.session.flush()
        os.kill(os.getpid(), signal.SIGSTOP)

import_job.write_plan = write_then_stop
with app.app_context():
    work(burst=True, poll=0.2)
"""


def _stopped(pid: int) -> bool:
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0] == "T"


def test_a_worker_killed_mid_import_leaves_whole_batches_and_the_rerun_finishes(
        app, users, regions, client, login, tmp_dir, database_url):
    import json

    login("officer")
    data, niks = big_file()
    job_id = _confirm(client, data)
    config = {"IMPORT_BATCH_ROWS": 5}
    worker = subprocess.Popen(
        [sys.executable, "-c", KILLED_WORKER, str(tmp_dir), database_url, json.dumps(config)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env={**os.environ, "ASUH_TIMEZONE": "Asia/Jakarta"})
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and worker.poll() is None:
            if _stopped(worker.pid):
                break
            time.sleep(0.01)
    finally:
        worker.send_signal(signal.SIGKILL)  # no chance to put the job back: it dies
        worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL, worker.stderr.read()
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert job.status == "running"
        stored = _lines(job.result_report["progress"]["stored"])
        assert len(stored) == 50  # ten whole batches; the eleventh's rows are not there
        # Exactly the reported rows are stored: their children and their measurements.
        assert _stored_niks() == {niks[line] for line in stored}
        assert counts() == (len(stored), len(stored))
    assert "Sejauh ini tersimpan" in client.get(f"/jobs/{job_id}").text
    # The next worker finds the job's heartbeat stale, takes it up, and writes the rest.
    done = run_worker(tmp_dir, database_url, JOB_STALE_SECONDS=0, IMPORT_BATCH_ROWS=100)
    assert done.returncode == 0, done.stderr
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert (job.status, job.attempts) == ("done", 2)
        assert job.result_report["progress"]["created"] == SIZE  # over both attempts
        assert job.result_report["progress"]["stored"] == [[2, SIZE + 1]]
        assert counts() == (SIZE, SIZE) and _stored_niks() == set(niks.values())


def test_a_large_import_through_rq_and_redis(app, users, regions, client, login, tmp_dir,
                                            database_url, redis_url, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    login("officer")
    data, _ = big_file()
    job_id = _confirm(client, data)
    done = run_worker(tmp_dir, database_url, REDIS_URL=redis_url)
    assert done.returncode == 0, done.stderr
    state = client.get(f"/jobs/{job_id}/status").json
    assert (state["status"], state["done"]) == ("done", SIZE)
    with app.app_context():
        assert counts() == (SIZE, SIZE)


def test_the_officers_answers_to_nik_conflicts_go_with_the_job(app, users, regions, client,
                                                               login, monkeypatch):
    from datetime import timedelta

    from asuh.children import importing
    from asuh.children.importfile import read_child_rows
    from asuh.jobs.backend import work
    from tests.test_children_import import BIRTH

    monkeypatch.setitem(app.config, "IMPORT_JOB_ROWS", 2)
    monkeypatch.setitem(app.config, "IMPORT_BATCH_ROWS", 1)
    with app.app_context():
        importing.import_children(read_child_rows("a.csv", csv_file([row(1)])))
        db.session.commit()
    # Line 2 carries child 1's NIK but is another child (a boy born three months earlier).
    other = row(1, Nama="Muhammad Fajar", **{"JK (L/P)": "L", "Tgl Lahir": (
        BIRTH - timedelta(days=90)).strftime("%d/%m/%Y")})
    login("officer")
    preview_url = upload(client, csv_file([other, row(2), row(3)]), "b.csv").headers["Location"]
    assert "NIK dipakai anak lain" in client.get(preview_url).text
    response = client.post(f"{preview_url}/confirm", data={"mode": "all", "decision-2": "other"})
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        assert db.session.get(Job, job_id).params["decisions"] == {"2": ["other", ""]}
        work(burst=True, poll=0)
        assert db.session.get(Job, job_id).status == "done"
        assert db.session.scalar(select(Child.nik_status).where(
            Child.name == "Muhammad Fajar")) == "not_own"
        assert counts() == (4, 4)


def test_a_resumed_import_refused_now_still_names_what_was_stored(app, users, regions,
                                                                  client, login):
    from asuh.jobs.backend import work

    login("officer")
    data, _ = big_file(bad=(3,))
    preview_url = upload(client, data, "besar.csv").headers["Location"]
    job_id = int(client.post(f"{preview_url}/confirm", data={"mode": "all"})
                 .headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        # As an earlier attempt's last batch left it (the registry has changed since).
        jobs.checkpoint(job_id, {"progress": {"created": 2, "updated": 0, "measurements": 2,
                                              "stored": [[10, 11]], "batches": 1}})
        work(burst=True, poll=0)
        report = db.session.get(Job, job_id).result_report
    assert report["stored_rows"] == 2
    assert "Sebelum pekerjaan terhenti sudah tersimpan: baris 10–11." in report["lines"]
