"""Background jobs run for real: monthly statements for every sponsor submitted from the
page, run by the embedded worker (a process of its own, as ``flask jobs work``) and by an
RQ worker on a Redis server the test starts; progress, cancel, resume and the result."""

import io
import os
import shutil
import subprocess
import sys
import time
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from asuh.accounts.models import User
from asuh.extensions import db
from asuh.jobs import services as jobs
from asuh.jobs.models import Job
from asuh.letters.models import Letter
from tests import factories
from tests.mailserver import free_port

ROOT = Path(__file__).resolve().parent.parent
WORKER = """
import sys, json
from asuh import create_app
from asuh.jobs.backend import work
from tests.conftest import app_settings
from pathlib import Path
settings = app_settings(Path(sys.argv[1]), sys.argv[2])
settings.update(json.loads(sys.argv[3]))
app = create_app(settings)
with app.app_context():
    work(burst=True, poll=0.2)
"""


def run_worker(tmp_dir, database_url, **config) -> subprocess.CompletedProcess:
    """``flask jobs work --burst`` with the suite's settings, in a process of its own."""
    import json

    return subprocess.run([sys.executable, "-c", WORKER, str(tmp_dir), database_url,
                           json.dumps(config)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "ASUH_TIMEZONE": "Asia/Jakarta"})


def _scene(app, users, sponsors: int = 2):
    with app.app_context():
        admin = db.session.get(User, users["admin"][0])
        scenes = [factories.letter_scene(actor=admin) for _ in range(sponsors)]
        db.session.commit()
        return scenes[0]["period"]


def _submit(client, login, period) -> int:
    login("officer")
    page = client.get("/letters/statements/all")
    assert page.status_code == 200
    response = client.post("/letters/statements/all", data={"month": period.code})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _check_done(app, client, job_id, period, expected: int):
    state = client.get(f"/jobs/{job_id}/status").json
    assert (state["status"], state["percent"], state["has_file"]) == ("done", 100, True), state
    assert state["total"] == expected and state["done"] == expected
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert f"Berkas zip berisi {expected} surat" in page
    download = client.get(f"/jobs/{job_id}/download")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(download.data)).namelist()
    with app.app_context():
        issued = db.session.scalars(select(Letter).where(
            Letter.kind == "sponsor_statement", Letter.period_start == period.start)).all()
        assert sorted(names) == sorted(letter.file_name for letter in issued)
        assert len(issued) == expected


def test_statements_for_all_sponsors_through_the_embedded_worker(
        app, users, regions, client, login, tmp_dir, database_url):
    period = _scene(app, users)
    job_id = _submit(client, login, period)
    assert client.get(f"/jobs/{job_id}/status").json["status"] == "queued"
    done = run_worker(tmp_dir, database_url)
    assert done.returncode == 0, done.stderr
    _check_done(app, client, job_id, period, expected=2)
    # Submitted again: the statements exist, nothing is issued twice.
    again = _submit(client, login, period)
    assert run_worker(tmp_dir, database_url).returncode == 0
    report = client.get(f"/jobs/{again}/status").json["report"]
    assert (report["issued"], report["skipped"], report["in_zip"]) == (0, 2, 2)


@pytest.fixture
def redis_url(tmp_path):
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("redis-server is missing: .ci/system-deps test installs it")
    port = free_port()
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    from redis import Redis

    client = Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except Exception:
            time.sleep(0.05)
    else:
        process.kill()
        pytest.fail("redis-server did not start")
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


def test_statements_through_rq_and_redis(app, users, regions, client, login, tmp_dir,
                                         database_url, redis_url, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    period = _scene(app, users)
    job_id = _submit(client, login, period)
    from redis import Redis
    from rq import Queue

    assert Queue("asuh", connection=Redis.from_url(redis_url)).count == 1  # after commit
    done = run_worker(tmp_dir, database_url, REDIS_URL=redis_url)
    assert done.returncode == 0, done.stderr
    _check_done(app, client, job_id, period, expected=2)


def test_cancel_a_queued_job(app, users, regions, client, login, tmp_dir, database_url):
    period = _scene(app, users, sponsors=1)
    job_id = _submit(client, login, period)
    client.post(f"/jobs/{job_id}/cancel")
    assert client.get(f"/jobs/{job_id}/status").json["status"] == "cancelled"
    assert run_worker(tmp_dir, database_url).returncode == 0
    with app.app_context():
        assert db.session.scalar(select(Letter.id).where(
            Letter.kind == "sponsor_statement")) is None


def test_a_job_whose_worker_died_is_taken_up_and_finishes_once(
        app, users, regions, client, login, tmp_dir, database_url):
    with app.app_context():
        admin = db.session.get(User, users["admin"][0])
        scenes = [factories.letter_scene(actor=admin) for _ in range(2)]
        db.session.commit()
    period = scenes[0]["period"]
    job_id = _submit(client, login, period)
    with app.app_context():
        # A worker claimed it, stored the first sponsor's statement (a whole unit), and
        # died: its heartbeat stopped an hour ago.
        assert jobs.claim(job_id)
        from asuh.letters import services as letters

        letters.issue_letter("sponsor_statement", sponsor_id=scenes[0]["sponsor"],
                             period=period, actor=db.session.get(User, users["admin"][0]))
        db.session.execute(Job.__table__.update().where(Job.id == job_id).values(
            heartbeat_at=db.session.get(Job, job_id).heartbeat_at - timedelta(hours=1)))
        db.session.commit()
    done = run_worker(tmp_dir, database_url)
    assert done.returncode == 0, done.stderr
    state = client.get(f"/jobs/{job_id}/status").json
    assert state["status"] == "done"
    assert (state["report"]["issued"], state["report"]["skipped"],
            state["report"]["in_zip"]) == (1, 1, 2)
    with app.app_context():
        assert db.session.get(Job, job_id).attempts == 2
        sponsors = db.session.scalars(select(Letter.sponsor_id).where(
            Letter.kind == "sponsor_statement")).all()
        assert sorted(sponsors) == sorted(s["sponsor"] for s in scenes)  # once each


def test_only_the_requester_sees_a_job(app, users, regions, client, login):
    period = _scene(app, users, sponsors=1)
    job_id = _submit(client, login, period)
    other = app.test_client()
    login("field", other)
    assert other.get(f"/jobs/{job_id}").status_code == 403
    admin = login("admin", app.test_client())
    assert admin.get(f"/jobs/{job_id}").status_code == 200
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert 'data-status-url="/jobs/' in page and "<progress" in page and "Batalkan" in page


def test_a_running_month_is_refused_at_once_unless_interim(app, users, regions, client,
                                                           login):
    from asuh import timeutil

    login("officer")
    month = timeutil.today().strftime("%Y-%m")
    refused = client.post("/letters/statements/all", data={"month": month})
    assert refused.status_code == 200
    assert "belum berakhir" in refused.get_data(as_text=True)
    assert f'value="{month}"' in refused.get_data(as_text=True)  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(select(Job.id)) is None
    interim = client.post("/letters/statements/all", data={"month": month, "interim": "y"})
    assert interim.status_code == 302
    with app.app_context():
        job = db.session.scalars(select(Job)).one()
        assert job.params == {"month": month, "interim": True,
                              "on": timeutil.today().isoformat()}


def test_a_failing_job_reports_its_error_and_writes_nothing(app, users, regions, client,
                                                            login):
    from asuh import timeutil
    from asuh.jobs.backend import work
    from asuh.letters.bulk_job import KIND

    _scene(app, users, sponsors=1)
    with app.app_context():
        # Past the page's check: this month is still running and not marked interim.
        job = jobs.submit(KIND, {"month": timeutil.today().strftime("%Y-%m")},
                          actor=db.session.get(User, users["officer"][0]))
        job_id = job.id
        work(burst=True, poll=0)
    login("officer")
    state = client.get(f"/jobs/{job_id}/status").json
    assert state["status"] == "failed" and "belum berakhir" in state["error"]
    assert "belum berakhir" in client.get(f"/jobs/{job_id}").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Letter.id).where(
            Letter.kind == "sponsor_statement")) is None


def test_a_job_that_keeps_losing_its_worker_fails_with_a_reason(app, users, monkeypatch):
    from asuh.letters.bulk_job import KIND

    monkeypatch.setitem(app.config, "JOB_STALE_SECONDS", 0)
    with app.app_context():
        job_id = jobs.submit(KIND, {"month": "2026-10"}, actor=None).id
        for attempt in range(1, app.config["JOB_MAX_ATTEMPTS"] + 1):
            assert jobs.claim(job_id)  # a worker takes it … and dies
            time.sleep(0.01)
            requeued = jobs.requeue_stale()
            job = db.session.get(Job, job_id, populate_existing=True)
            if attempt < app.config["JOB_MAX_ATTEMPTS"]:
                assert requeued == [job_id] and job.status == "queued"
        assert job.status == "failed" and "terhenti 3 kali" in job.error


def test_zipping_the_statements_lets_other_writers_in(app, users, regions, client, login,
                                                      monkeypatch):
    """The job's zip streams a month of PDFs; a request writing meanwhile gets the lock
    (outside a request a transaction would begin by taking SQLite's write lock)."""
    from sqlalchemy import update

    from asuh.jobs.backend import work
    from asuh.letters import bulk_job

    period = _scene(app, users)
    job_id = _submit(client, login, period)
    written = zipfile.ZipFile.writestr
    writes = []

    def officer_writes_meanwhile(archive, name, data, *args, **kwargs):
        if not writes:
            with db.engine.begin() as connection:
                connection.execute(update(Job).where(Job.id == job_id)
                                   .values(cancel_requested_at=None))
            writes.append(name)
        return written(archive, name, data, *args, **kwargs)

    monkeypatch.setattr(bulk_job.zipfile.ZipFile, "writestr", officer_writes_meanwhile)
    with app.app_context():
        work(burst=True, poll=0)
    assert writes, "the zip wrote no letter"
    _check_done(app, client, job_id, period, expected=2)
