"""One storage interface, two stores (issue 16): the local folder for one server, the
database for several. The same rules for both; what only the database store gives (a
file written in its row's transaction, seen by every app server, backed up with the
database) shown through the app's own pages and commands."""

import io
import json
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from asuh import create_app, storage
from asuh.accounts.models import User
from asuh.contributions import photos, thumbnails
from asuh.contributions.models import ContributionPhoto
from asuh.extensions import db
from asuh.matching.models import Match
from asuh.storage.models import StoredFile
from asuh.timeutil import utcnow
from asuh.transactions import unit_of_work, use_case
from tests import factories
from tests.conftest import app_settings, sign_in
from tests.test_backup import _fresh_installation, _scene


def _app(tmp_dir, database_url, backend: str, folder: str | Path = "uploads"):
    """An app server on the suite's database; each its own upload folder, as two
    machines would have."""
    return create_app({**app_settings(tmp_dir, database_url),
                       "UPLOAD_FOLDER": str(tmp_dir / folder), "STORAGE": backend})


@pytest.fixture(params=["local", "database"])
def server(request, app, tmp_dir, database_url, tmp_path):
    return _app(tmp_dir, database_url, request.param, tmp_path / "uploads")


def _folder_files(server) -> list[Path]:
    root = Path(server.config["UPLOAD_FOLDER"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []


def test_save_read_info_and_void_on_both_stores(server):
    with server.app_context():
        assert storage.read("photos/none.jpg") is None and not storage.exists("photos/none.jpg")
        storage.save("photos/a.jpg", b"first", "image/jpeg")
        storage.save("photos/a.jpg", b"second", "image/jpeg")  # a key saved again: newest wins
        assert storage.read("photos/a.jpg") == b"second"
        found = storage.info("photos/a.jpg")
        assert found.size == 6 and abs(found.created_at - utcnow()) < timedelta(minutes=1)
        storage.void("photos/a.jpg")
        assert storage.read("photos/a.jpg") is None and not storage.exists("photos/a.jpg")
        storage.void("photos/a.jpg")  # voiding twice is harmless


@pytest.mark.parametrize("key", ["../etc/passwd", "photos/../../x", "/abs/path", "photos",
                                 "photos/.hidden", "Photos/a.jpg", "photos/a b.jpg", ""])
def test_a_key_from_outside_never_climbs_out(server, key):
    with server.app_context(), pytest.raises(ValueError):
        storage.save(key, b"x", "text/plain")


def test_stale_scratch_files_are_voided_and_others_kept(server):
    with server.app_context():
        storage.save("imports/tok1/upload.bin", b"old", "application/octet-stream")
        storage.save("photos/kept.jpg", b"photo", "image/jpeg")
        assert storage.void_older_than("imports", utcnow() - timedelta(hours=1)) == 0
        assert storage.void_older_than("imports", utcnow() + timedelta(minutes=1)) == 1
        assert storage.read("imports/tok1/upload.bin") is None
        assert storage.read("photos/kept.jpg") == b"photo"


def test_the_local_store_is_owner_only_and_keeps_the_old_paths(app, tmp_dir, database_url):
    server = _app(tmp_dir, database_url, "local", "uploads-modes")
    with server.app_context():
        storage.save("photos/p.jpg", b"x", "image/jpeg")
    path = Path(server.config["UPLOAD_FOLDER"]) / "photos" / "p.jpg"
    assert path.read_bytes() == b"x"  # where photos always were: old files keep working
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_the_database_store_keeps_rows_never_deletes_them(app, tmp_dir, database_url):
    server = _app(tmp_dir, database_url, "database")
    with server.app_context():
        storage.save("imports/tok2/upload.bin", b"NIK 3171...", "text/csv")
        storage.save("imports/tok2/upload.bin", b"again", "text/csv")
        storage.void("imports/tok2/upload.bin")
        rows = db.session.execute(select(StoredFile.size_bytes, StoredFile.voided_at,
                                         StoredFile.data).order_by(StoredFile.id)).all()
        # Both versions stay as the trace; the voided bytes (personal data) are gone.
        assert [(size, voided is not None, data) for size, voided, data in rows] == [
            (11, True, b""), (5, True, b"")]
    assert _folder_files(server) == []


def test_a_file_saved_in_a_failed_act_is_gone_with_it(server):
    @use_case
    def failing_act():
        storage.save("photos/rolled-back.jpg", b"x", "image/jpeg")
        assert storage.exists("photos/rolled-back.jpg")  # visible inside its transaction
        raise RuntimeError("the act fails after writing")

    with server.app_context():
        with pytest.raises(RuntimeError):
            failing_act()
        assert not storage.exists("photos/rolled-back.jpg")
        with unit_of_work():
            storage.save("photos/committed.jpg", b"y", "image/jpeg")
        assert storage.read("photos/committed.jpg") == b"y"
    if server.config["STORAGE"] == "local":
        assert [p.name for p in _folder_files(server)] == ["committed.jpg"]


@pytest.fixture
def scene(app, users, regions):
    with app.app_context():
        ids = factories.contribution_scene(users)
        mine = factories.contribution(db.session.get(Match, ids["match"]))
        db.session.commit()
        return {**ids, "mine": mine.id}


def test_a_photo_uploaded_to_one_server_is_served_by_the_other(app, tmp_dir, database_url,
                                                               users, scene):
    """Two app servers, each with its own disk, on one database: with the database store
    the photo and its thumbnail are rows written with the photo's own, so the second
    server serves what the first received, and neither disk holds a copy."""
    first = _app(tmp_dir, database_url, "database", "uploads-first")
    second = _app(tmp_dir, database_url, "database", "uploads-second")
    one, two = first.test_client(), second.test_client()
    sign_in(one, users["sponsor"][1])
    sign_in(two, users["sponsor"][1])
    sent = factories.image_bytes()
    response = one.post(f"/contributions/{scene['mine']}/photos",
                        data={"photos": [(io.BytesIO(sent), "bukti.jpg")]},
                        content_type="multipart/form-data", follow_redirects=True)
    assert "1 foto bukti ditambahkan" in response.text
    with second.app_context():
        photo = db.session.scalar(select(ContributionPhoto))
        stored = db.session.execute(select(StoredFile.key, StoredFile.sha256)
                                    .order_by(StoredFile.key)).all()
        assert stored[0] == (photos.photo_key(photo), photo.sha256)
        assert stored[1][0] == thumbnails.key_for(photo.stored_name)
    base = f"/contributions/{scene['mine']}/photos/{photo.id}"
    served = two.get(base)
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert "no-store" in served.headers["Cache-Control"]
    assert two.get(f"{base}/thumbnail").status_code == 200
    assert _folder_files(first) == [] and _folder_files(second) == []
    # The local store of the same second server has no such file: that is the difference.
    local = _app(tmp_dir, database_url, "local", "uploads-second")
    sign_in(local.test_client(), users["sponsor"][1])
    viewer = local.test_client()
    sign_in(viewer, users["sponsor"][1])
    assert viewer.get(base).status_code == 404


def test_an_import_previewed_on_one_server_is_confirmed_on_the_other(app, tmp_dir,
                                                                     database_url, users):
    from asuh.children import uploads

    first = _app(tmp_dir, database_url, "database", "uploads-first")
    second = _app(tmp_dir, database_url, "database", "uploads-second")
    with first.test_request_context():
        officer = db.session.get(User, users["officer"][0])
        token = uploads.keep("posyandu mawar.csv", b"nik;nama\n", officer)
    with second.test_request_context():
        officer = db.session.get(User, users["officer"][0])
        assert uploads.load(token, officer) == ("posyandu_mawar.csv", b"nik;nama\n")
        assert uploads.load(token, db.session.get(User, users["admin"][0])) is None
        uploads.discard(token)
        assert uploads.load(token, officer) is None


def test_copy_to_database_moves_an_installation_to_the_shared_store(app, tmp_dir,
                                                                    database_url):
    local = _app(tmp_dir, database_url, "local", "uploads-move")
    with local.app_context():
        storage.save("photos/old.jpg", b"an old photo", "image/jpeg")
        storage.save("thumbnails/old.jpg", b"its tile", "image/jpeg")
    first = local.test_cli_runner().invoke(args=["storage", "copy-to-database"])
    assert first.exit_code == 0 and "2 files copied" in first.output
    again = local.test_cli_runner().invoke(args=["storage", "copy-to-database"])
    assert "0 files copied to the database store, 2 already there" in again.output
    shared = _app(tmp_dir, database_url, "database", "uploads-elsewhere")
    with shared.app_context():
        assert storage.read("photos/old.jpg") == b"an old photo"
        assert db.session.scalar(select(func.count(StoredFile.id))) == 2


def test_a_backup_holds_the_database_stores_files_and_a_restore_proves_them(
        app, users, regions, tmp_dir, database_url, tmp_path):
    server = _app(tmp_dir, database_url, "database", "uploads-backup")
    _scene(server, users)
    result = server.test_cli_runner().invoke(args=["backup", "create", str(tmp_path / "bk")])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "bk" / "manifest.json").read_text())
    # The photo is in the database dump, not among the folder's files.
    assert not any(name.startswith("files/uploads/photos/") for name in manifest["files"])
    fresh = _fresh_installation(tmp_path, STORAGE="database")
    restored = fresh.test_cli_runner().invoke(args=["backup", "restore", str(tmp_path / "bk")])
    assert restored.exit_code == 0, restored.output
    assert "delivery photos: files and hashes: ok" in restored.output
    with fresh.app_context():
        photo = db.session.scalar(select(ContributionPhoto))
        assert storage.read(photos.photo_key(photo)) is not None
        db.session.remove()
        db.engine.dispose()


def test_the_restore_check_finds_a_database_stored_photo_that_was_altered(
        app, users, regions, tmp_dir, database_url):
    from asuh.backup import checks

    server = _app(tmp_dir, database_url, "database", "uploads-altered")
    _scene(server, users)
    with server.app_context():
        assert checks.photo_files() == []
        photo = db.session.scalar(select(ContributionPhoto))
        with unit_of_work():
            storage.save(photos.photo_key(photo), b"swapped", "image/jpeg")
        assert checks.photo_files() == [
            f"photo {photo.id}: file {photo.stored_name} does not match its SHA-256"]
