"""Issue 16: a large import file is previewed by a job, not in the request. The upload
reads at most IMPORT_PREVIEW_JOB_ROWS rows, stores the file and answers at once; the
officer sees a progress bar, then the same preview page (totals, conflicts to decide, the
refused rows as a file); confirming queues the import job without reading the file."""

from sqlalchemy import select

from asuh.children import import_preview_job, importfile
from asuh.children.models import Child
from asuh.extensions import db
from asuh.jobs.models import Job
from tests.test_children_import import counts, csv_file, row, upload
from tests.test_import_identity import child_one, collision_row
from tests.test_import_partial import csv_rows

ROWS = 30


def _large(app, monkeypatch, limit: int = 10) -> None:
    monkeypatch.setitem(app.config, "IMPORT_PREVIEW_JOB_ROWS", limit)


def _run_jobs(app) -> None:
    from asuh.jobs.backend import work

    with app.app_context():
        work(burst=True, poll=0)


def test_a_large_file_is_previewed_by_a_job_then_written_by_one(app, users, regions, client,
                                                                login, monkeypatch):
    _large(app, monkeypatch)
    login("officer")
    reads = []
    real = importfile._build_row
    monkeypatch.setattr(importfile, "_build_row", lambda *a: reads.append(1) or real(*a))
    response = upload(client, csv_file([row(n) for n in range(1, ROWS + 1)]), "besar.csv")
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    assert len(reads) == 10  # the upload built the first rows up to the limit, not the file
    page = client.get(preview_url)
    assert page.status_code == 200
    assert "sedang dibaca dan diperiksa oleh pekerjaan latar belakang" in page.text
    assert 'id="job-progress"' in page.text  # the progress bar polls the job
    with app.app_context():
        job = db.session.scalar(select(Job).order_by(Job.id.desc()))
        assert job.kind == import_preview_job.KIND and job.status == "queued"
        assert counts() == (0, 0)
    _run_jobs(app)
    page = client.get(preview_url).text
    assert f"{ROWS} baris: {ROWS} anak baru" in page
    assert "pekerjaan latar belakang per bagian" in page  # written by a job when confirmed
    reads.clear()
    confirm = client.post(f"{preview_url}/confirm", data={"mode": "all"})
    assert confirm.status_code == 302 and "/jobs/" in confirm.headers["Location"]
    assert reads == []  # confirming did not read the file: the job does
    _run_jobs(app)
    with app.app_context():
        assert counts() == (ROWS, ROWS)


def test_a_large_files_refused_rows_and_conflicts_show_on_its_preview(
        app, users, regions, client, login, monkeypatch):
    _large(app, monkeypatch)
    with app.app_context():
        held = child_one()
        held_id, held_name = held.id, held.name
    login("officer")
    rows = [row(n) for n in range(3, ROWS + 3)]
    rows[4]["Tinggi"] = "tujuh"  # line 6 refused
    rows.append(collision_row())  # line ROWS + 2: another child's NIK
    preview_url = upload(client, csv_file(rows), "besar.csv").headers["Location"]
    _run_jobs(app)
    page = client.get(preview_url).text
    assert "tidak dapat disimpan" in page and "2 baris ditolak" in page
    assert "NIK yang dipakai anak lain (1)" in page and held_name in page
    assert f'name="decision-{ROWS + 2}"' in page
    refused = client.get(f"{preview_url}/rejected", follow_redirects=True)
    assert refused.status_code == 200
    lines = csv_rows(refused.data)
    assert [r[0] for r in lines[1:]] == [rows[4]["NIK"], collision_row()["NIK"]]
    # The officer's decision goes with the confirmation to the import job.
    client.post(f"{preview_url}/confirm", data={"mode": "partial",
                                                f"decision-{ROWS + 2}": "other"})
    _run_jobs(app)
    with app.app_context():
        assert counts()[0] == 1 + ROWS  # all but line 6, the collision as a new child
        assert db.session.get(Child, held_id).name == held_name


def test_a_file_over_the_row_bound_is_refused_by_its_preview_job(app, users, regions, client,
                                                                  login, monkeypatch):
    _large(app, monkeypatch)
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 20)
    login("officer")
    preview_url = upload(client, csv_file([row(n) for n in range(1, ROWS + 1)]),
                         "besar.csv").headers["Location"]
    _run_jobs(app)
    page = client.get(preview_url)
    assert page.status_code == 200
    assert "lebih dari 20 baris data; maksimal 20 baris per impor" in page.text
    assert "Simpan impor" not in page.text
    assert client.post(f"{preview_url}/confirm", data={"mode": "all"}).status_code == 302
    _run_jobs(app)
    with app.app_context():
        assert counts() == (0, 0)


def test_another_officers_large_file_is_not_found(app, users, regions, client, login,
                                                  monkeypatch):
    _large(app, monkeypatch)
    login("officer")
    preview_url = upload(client, csv_file([row(n) for n in range(1, ROWS + 1)]),
                         "besar.csv").headers["Location"]
    client.post("/logout")
    login("admin")
    assert client.get(preview_url).status_code == 404
    assert client.post(f"{preview_url}/confirm", data={"mode": "all"}).status_code == 404


def test_the_upload_takes_a_file_over_the_apps_request_bound(app, users, regions, client,
                                                             login, monkeypatch):
    # A province's 100,000-row CSV is ~26 MB: over ASUH_MAX_UPLOAD_MB (20 MB, photos), within
    # the import's own 40 MB. The upload reads only the rows before the preview job's bound.
    _large(app, monkeypatch)
    assert app.config["MAX_CONTENT_LENGTH"] == 20 * 1_048_576
    login("officer")
    data = csv_file([row(n) for n in range(1, ROWS + 1)]) + b";;;\n" * (6 * 1_048_576)
    assert len(data) > 21 * 1_048_576
    response = upload(client, data, "besar.csv")
    assert response.status_code == 302, response.status_code
    assert "/children/import/" in response.headers["Location"]


def test_a_large_file_is_written_in_at_most_fifty_batches(app, monkeypatch):
    from asuh.children import import_job

    monkeypatch.delitem(app.config, "IMPORT_BATCH_ROWS", raising=False)
    with app.app_context():
        assert import_job.batch_rows(600) == 500  # two batches
        assert import_job.batch_rows(25_000) == 500  # fifty
        assert import_job.batch_rows(100_000) == 2_000  # fifty, not two hundred
        monkeypatch.setitem(app.config, "IMPORT_BATCH_ROWS", 5)
        assert import_job.batch_rows(100_000) == 5  # the config's, as given
