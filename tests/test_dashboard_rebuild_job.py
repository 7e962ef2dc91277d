"""Rebuilding the dashboard's aggregates from the dashboard page, as a background job: it
repairs what ``dashboard check`` finds, reports progress per unit, runs once at a time, and
a job stopped mid-way continues after the last chunk it recorded."""

import pytest
from sqlalchemy import func, select, text

from asuh.accounts.models import User
from asuh.audit.models import AuditRecord
from asuh.dashboard import rebuild_job
from asuh.dashboard.aggregates import check_all
from asuh.extensions import db
from asuh.jobs.models import Job
from tests import factories
from tests.test_jobs import run_worker


@pytest.fixture
def scene(app, users, regions):
    with app.app_context():
        factories.dashboard_scene(db.session.get(User, users["admin"][0]))
        db.session.commit()


def _damage() -> None:
    db.session.execute(text("UPDATE child_growth_summaries SET grid = '000'"))
    db.session.execute(text("UPDATE monthly_delivery_counts SET contributions = 7"))
    db.session.commit()


def _children() -> int:
    from asuh.children.models import Child

    return db.session.scalar(select(func.count(Child.id)))


def test_officers_rebuild_from_the_dashboard_page(app, client, login, scene, tmp_dir,
                                                  database_url):
    with app.app_context():
        _damage()
        assert check_all()
    login("officer")
    page = client.get("/dashboard").text
    assert "Hitung ulang ringkasan dasbor" in page and 'action="/dashboard/rebuild"' in page
    response = client.post("/dashboard/rebuild")
    assert response.status_code == 302
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    # One rebuild at a time: asking again while it waits shows the same job.
    assert client.post("/dashboard/rebuild").headers["Location"].endswith(f"/jobs/{job_id}")
    done = run_worker(tmp_dir, database_url)
    assert done.returncode == 0, done.stderr
    state = client.get(f"/jobs/{job_id}/status").json
    assert state["status"] == "done" and state["done"] == state["total"] == 2, state
    with app.app_context():
        assert check_all() == []
        children = _children()
        # The stamp that tells every process's cache to recompute.
        assert db.session.scalar(select(func.count(AuditRecord.id)).where(
            AuditRecord.action == "rebuild",
            AuditRecord.entity_type == "child_growth_summaries")) == 1
    assert f"Ringkasan pertumbuhan {children} anak dihitung ulang." in client.get(
        f"/jobs/{job_id}").text


def test_auditors_and_field_staff_cannot_rebuild(app, client, login, scene):
    login("auditor")
    assert "Hitung ulang ringkasan dasbor" not in client.get("/dashboard").text
    assert client.post("/dashboard/rebuild").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(Job.id)) is None


def test_a_stopped_rebuild_continues_after_its_last_chunk(app, users, scene, monkeypatch):
    from asuh.jobs.backend import work

    monkeypatch.setattr(rebuild_job, "CHUNK", 1)
    grown = rebuild_job._growth
    calls = []

    def stop_after_two(ctx, state, actor):
        if len(calls) == 2 and ctx.attempt == 1:
            raise SystemExit(0)  # the worker is stopped (a deploy): the job is put back
        calls.append(state["after_id"])
        return grown(ctx, state, actor)

    monkeypatch.setattr(rebuild_job, "_growth", stop_after_two)
    with app.app_context():
        _damage()
        children = _children()
        job_id = rebuild_job.submit_rebuild(
            actor=db.session.get(User, users["admin"][0])).id
        with pytest.raises(SystemExit):
            work(burst=True, poll=0)
        job = db.session.get(Job, job_id)
        assert job.status == "queued"
        stopped_after = job.result_report["state"]["after_id"]
        assert job.result_report["state"]["children"] == 2 and stopped_after > 0
        calls.clear()
        work(burst=True, poll=0)
        job = db.session.get(Job, job_id, populate_existing=True)
        assert (job.status, job.attempts) == ("done", 2)
        assert calls[0] == stopped_after  # continued, not started over
        assert len(calls) == children - 2 + 1  # the rest, and the unit that finds none
        assert (job.progress_done, job.progress_total) == (1 + children, 1 + children)
        assert check_all() == []
