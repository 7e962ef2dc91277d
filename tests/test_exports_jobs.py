"""A long list's export is built by a background job: the same rows, scope and masking as
the direct download, on the audit trail when asked for, with progress, cancel, and the
file downloaded from the job page."""

import pytest
from sqlalchemy import select, update

from asuh.audit.models import AuditRecord
from asuh.exports import export_job
from asuh.extensions import db
from asuh.jobs.models import Job
from tests.test_exports_lists import read_csv, read_xlsx
from tests.test_jobs import run_worker


@pytest.fixture
def scene(app, users, regions):
    from asuh.accounts.models import User
    from tests import factories

    with app.app_context():
        ids = factories.dashboard_scene(db.session.get(User, users["admin"][0]))
        db.session.commit()
        return ids


def _job_id(response) -> int:
    assert response.status_code == 302, response.text
    assert "/jobs/" in response.headers["Location"]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _exports(app) -> list[str]:
    with app.app_context():
        return db.session.scalars(select(AuditRecord.summary).where(
            AuditRecord.action == "export").order_by(AuditRecord.id)).all()


def test_a_long_export_is_a_job_with_the_same_rows_and_masking(
        app, client, login, scene, tmp_dir, database_url, monkeypatch):
    assert export_job.EXPORT_JOB_ROWS == 5000
    login("auditor")
    direct = read_csv(client.get("/exports/children.csv?status=all"))
    assert len(direct) > 2
    monkeypatch.setitem(app.config, "EXPORT_JOB_ROWS", 2)
    job_id = _job_id(client.get("/exports/children.csv?status=all"))
    assert _exports(app) == ["Ekspor Anak (CSV)"] * 2  # on record when asked for
    assert client.get(f"/jobs/{job_id}/status").json["status"] == "queued"
    done = run_worker(tmp_dir, database_url)
    assert done.returncode == 0, done.stderr
    state = client.get(f"/jobs/{job_id}/status").json
    assert (state["status"], state["total"], state["has_file"]) == ("done", len(direct), True)
    assert state["report"]["rows"] == len(direct)
    page = client.get(f"/jobs/{job_id}").text
    assert f"{len(direct)} baris Anak diekspor (CSV)." in page
    download = client.get(f"/jobs/{job_id}/download")
    assert download.mimetype == "text/csv"
    assert 'filename=anak-' in download.headers["Content-Disposition"]
    assert read_csv(download) == direct  # the auditor's masked NIKs, as downloaded directly
    with app.app_context():
        assert db.session.scalar(select(AuditRecord.id).where(
            AuditRecord.action == "download", AuditRecord.entity_id == job_id)) is not None


def test_an_xlsx_export_job_keeps_the_filters(app, client, login, scene, monkeypatch):
    from asuh.jobs.backend import work

    login("officer")
    direct = read_xlsx(client.get("/exports/sponsors.xlsx?kind=citizen"))
    monkeypatch.setitem(app.config, "EXPORT_JOB_ROWS", 0)
    job_id = _job_id(client.get("/exports/sponsors.xlsx?kind=citizen"))
    with app.app_context():
        work(burst=True, poll=0)
    download = client.get(f"/jobs/{job_id}/download")
    assert download.mimetype.endswith("spreadsheetml.sheet")
    assert read_xlsx(download) == direct


def test_an_export_job_is_cancelled_while_it_streams(app, client, login, scene,
                                                     monkeypatch):
    from asuh.jobs import services as jobs
    from asuh.jobs.backend import work

    login("officer")
    monkeypatch.setitem(app.config, "EXPORT_JOB_ROWS", 0)
    monkeypatch.setattr(export_job, "BATCH", 1)
    job_id = _job_id(client.get("/exports/children.csv?status=all"))
    noted = jobs.record_progress_aside

    def officer_cancels(job, done, **kwargs):
        if done == 1:
            # Another request cancels while the worker streams: its write gets the lock,
            # since the export reads without holding it (transactions.read_only).
            with db.engine.begin() as connection:
                connection.execute(update(Job).where(Job.id == job).values(
                    cancel_requested_at=db.func.now()))
        return noted(job, done, **kwargs)

    monkeypatch.setattr(jobs, "record_progress_aside", officer_cancels)
    with app.app_context():
        work(burst=True, poll=0)
        job = db.session.get(Job, job_id)
        assert (job.status, job.progress_done, job.result_name) == ("cancelled", 1, None)


def test_a_user_who_may_not_export_cannot_start_a_job(app, client, login, scene,
                                                      monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_JOB_ROWS", 0)
    login("officer")
    assert client.get("/exports/audit.csv").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(Job.id)) is None
