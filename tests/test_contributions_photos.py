"""Proof photos: decoded not trusted, size-limited, stripped, stored privately, served only
to people allowed to see the delivery."""

import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from asuh.accounts.models import User
from asuh.contributions.models import ContributionPhoto
from asuh.extensions import db
from asuh.matching.models import Match
from tests import factories
from tests.conftest import sign_in

GPS_EXIF = Image.Exif()
GPS_EXIF[0x8825] = {2: (2.0, 7.0, 30.0), 1: "S"}  # where the family lives


@pytest.fixture
def scene(app, users, regions):
    with app.app_context():
        ids = factories.contribution_scene(users)
        mine = factories.contribution(db.session.get(Match, ids["match"]))
        other = factories.contribution(db.session.get(Match, ids["other_match"]))
        db.session.commit()
        return {**ids, "mine": mine.id, "others": other.id}


def _upload(client, contribution_id, data: bytes, name: str = "bukti.jpg"):
    return client.post(f"/contributions/{contribution_id}/photos",
                       data={"photos": [(io.BytesIO(data), name)]},
                       content_type="multipart/form-data", follow_redirects=True)


def _api_upload(client, headers, contribution_id, data: bytes, name: str = "bukti.jpg"):
    return client.post(f"/api/v1/contributions/{contribution_id}/photos", headers=headers,
                       data={"photo": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _photos(app) -> list[ContributionPhoto]:
    with app.app_context():
        rows = db.session.scalars(select(ContributionPhoto)).all()
        db.session.expunge_all()
        return rows


def _bomb() -> bytes:
    out = io.BytesIO()
    Image.new("1", (10_000, 5_000)).save(out, "PNG")  # 50 megapixels in a few KB
    return out.getvalue()


def _stored_files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_FOLDER"]) / "photos"
    return sorted(p for p in folder.glob("*") if p.is_file()) if folder.exists() else []


def test_photo_is_reencoded_without_location_and_kept_outside_static(app, client, login,
                                                                     scene):
    login("sponsor")
    response = _upload(client, scene["mine"], factories.image_bytes(exif=GPS_EXIF))
    assert "1 foto bukti ditambahkan" in response.text
    [photo] = _photos(app)
    path = Path(app.config["UPLOAD_FOLDER"]) / "photos" / photo.stored_name
    assert path.is_file()
    assert Path(app.static_folder) not in path.parents
    assert photo.stored_name.endswith(".jpg") and "bukti" not in photo.stored_name
    assert len(photo.stored_name) >= 32  # random, unguessable
    assert not Image.open(path).getexif()
    served = client.get(f"/contributions/{scene['mine']}/photos/{photo.id}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert "no-store" in served.headers["Cache-Control"]
    assert served.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("data, name, message", [
    (b"%PDF-1.4 this is not a photo" * 100, "foto.jpg", "bukan gambar yang valid"),
    (None, "bom.png", "maksimal 40 megapiksel"),
    (b"\xff\xd8\xff" + b"\0" * (11 * 1_048_576), "besar.jpg", "maksimal 10 MB"),
])
def test_bad_photos_are_refused_with_a_clear_message(app, client, login, scene, data, name,
                                                     message):
    login("sponsor")
    files_before = _stored_files(app)
    response = _upload(client, scene["mine"], data if data is not None else _bomb(), name)
    assert response.status_code == 200 and message in response.text
    assert _photos(app) == [] and _stored_files(app) == files_before
    assert client.get("/home", follow_redirects=True).status_code == 200  # still up


@pytest.mark.parametrize("data, name, message", [
    (b"%PDF-1.4 this is not a photo" * 100, "foto.jpg", "bukan gambar yang valid"),
    (None, "bom.png", "maksimal 40 megapiksel"),
])
def test_bad_photos_are_refused_by_the_api(app, client, api_token, scene, data, name,
                                           message):
    headers = api_token("sponsor")
    response = _api_upload(client, headers, scene["mine"],
                           data if data is not None else _bomb(), name)
    assert response.status_code == 422
    assert message in response.json["errors"]["photo"][0]
    assert _photos(app) == []
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_a_30_mb_upload_gets_413_in_indonesian(app, client, login, api_token, scene):
    big = b"\xff\xd8\xff" + b"\0" * (30 * 1_048_576)
    headers = api_token("sponsor")
    response = _api_upload(client, headers, scene["mine"], big)
    assert response.status_code == 413
    assert response.json["message"].startswith("Berkas terlalu besar")
    assert "maksimal satu kiriman 20 MB" in response.json["message"]
    login("sponsor")
    page = client.post(f"/contributions/{scene['mine']}/photos",
                       data={"photos": [(io.BytesIO(big), "besar.jpg")]},
                       content_type="multipart/form-data")
    assert page.status_code == 413 and "Berkas terlalu besar" in page.text
    assert _photos(app) == []
    assert client.get(f"/contributions/{scene['mine']}").status_code == 200


def test_files_of_a_refused_submission_are_removed(app, client, login, users, scene):
    # Two good photos and one bad: nothing is stored, not even the good ones.
    login("sponsor")
    files_before = _stored_files(app)
    response = client.post(f"/contributions/{scene['mine']}/photos", data={"photos": [
        (io.BytesIO(factories.image_bytes()), "a.jpg"),
        (io.BytesIO(factories.image_bytes("PNG")), "b.png"),
        (io.BytesIO(b"not an image"), "c.jpg")]},
        content_type="multipart/form-data", follow_redirects=True)
    assert "bukan gambar" in response.text
    assert _photos(app) == [] and _stored_files(app) == files_before
    # A file written in a transaction that rolls back is removed with it.
    with app.app_context():
        from asuh.contributions import photos
        from asuh.contributions.access import load
        from asuh.transactions import unit_of_work

        with pytest.raises(RuntimeError), unit_of_work():
            [written] = photos.store_photos(load(scene["mine"]),
                                            photos.clean_photos([factories.image_bytes()]),
                                            actor=db.session.get(User, users["sponsor"][0]))
            path = Path(app.config["UPLOAD_FOLDER"]) / photos.photo_key(written)
            assert path.is_file()
            raise RuntimeError("the act fails after its photo was written")
        assert not path.exists()


def test_photos_only_while_pending_and_only_by_the_owner(app, client, login, users, scene):
    login("sponsor")
    assert _upload(client, scene["others"], factories.image_bytes()).status_code == 403
    with app.app_context():
        from asuh.contributions import verification
        from asuh.contributions.access import load

        verification.confirm_contribution(load(scene["mine"]),
                                          actor=db.session.get(User, users["officer"][0]))
        db.session.commit()
    response = _upload(client, scene["mine"], factories.image_bytes())
    assert "foto tidak dapat ditambahkan lagi" in response.text
    assert _photos(app) == []


def test_photo_is_served_only_to_those_who_may_see_the_delivery(app, users, api_token,
                                                                scene):
    owner = app.test_client()
    sign_in(owner, users["sponsor"][1])
    assert _upload(owner, scene["mine"], factories.image_bytes()).status_code == 200
    [photo] = _photos(app)
    url = f"/contributions/{scene['mine']}/photos/{photo.id}"
    expected = {"sponsor": 200, "officer": 200, "admin": 200, "auditor": 200, "field": 200}
    for role, status in expected.items():
        viewer = app.test_client()
        sign_in(viewer, users[role][1])
        assert viewer.get(url).status_code == status, role
    assert app.test_client().get(url).status_code == 302  # anonymous: to the login page
    # Another sponsor, and a field user of another kelurahan, see nothing.
    with app.app_context():
        from asuh.regions.services import assign_kelurahan

        admin = db.session.get(User, users["admin"][0])
        stranger = factories.user("sponsor")
        factories.sponsor(email=stranger.email, actor=admin)
        assign_kelurahan(db.session.get(User, users["field"][0]),
                         [factories.OTHER_KELURAHAN], actor=admin)
        db.session.commit()
        stranger_email = stranger.email
    viewer = app.test_client()
    sign_in(viewer, stranger_email)
    assert viewer.get(url).status_code == 403
    field = app.test_client()
    sign_in(field, users["field"][1])
    assert field.get(url).status_code == 403
    # The same photo through the API, with a token.
    api_url = f"/api/v1/contributions/{scene['mine']}/photos/{photo.id}"
    assert app.test_client().get(api_url, headers=api_token("officer")).status_code == 200
    assert app.test_client().get(api_url, headers=api_token("field")).status_code == 403
    assert app.test_client().get(f"/api/v1/contributions/{scene['others']}/photos/{photo.id}",
                                 headers=api_token("officer")).status_code == 404
