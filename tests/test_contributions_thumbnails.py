"""Photo tiles load a small copy (issue 18: tiles loaded the 2000-px original, 288 KB)."""

import io
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image
from sqlalchemy import select

from asuh import storage
from asuh.accounts.models import User
from asuh.contributions import photos, thumbnails
from asuh.contributions.access import load
from asuh.contributions.models import ContributionPhoto
from asuh.extensions import db
from asuh.matching.models import Match
from asuh.transactions import unit_of_work
from tests import factories
from tests.conftest import sign_in


@pytest.fixture
def scene(app, users, regions):
    with app.app_context():
        ids = factories.contribution_scene(users)
        mine = factories.contribution(db.session.get(Match, ids["match"]))
        db.session.commit()
        return {**ids, "mine": mine.id}


def _big_photo() -> bytes:
    out = io.BytesIO()
    Image.effect_noise((2000, 1500), 40).convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def _store(app, users, scene):
    """(photo id, stored name) of a big photo added to the sponsor's pending delivery."""
    with app.app_context():
        [photo] = photos.add_photos(load(scene["mine"]), [_big_photo()],
                                    actor=db.session.get(User, users["sponsor"][0]))
        db.session.commit()
        return SimpleNamespace(id=photo.id, stored_name=photo.stored_name)


def test_the_tile_is_a_small_copy_made_at_upload(app, client, login, users, scene):
    photo = _store(app, users, scene)
    with app.app_context():
        assert storage.exists(thumbnails.key_for(photo.stored_name))
    login("sponsor")
    page = client.get(f"/contributions/{scene['mine']}").text
    tile = f"/contributions/{scene['mine']}/photos/{photo.id}/thumbnail"
    assert f'src="{tile}"' in page
    # The tile still opens the full photo.
    assert f'href="/contributions/{scene["mine"]}/photos/{photo.id}"' in page
    served = client.get(tile)
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert "no-store" in served.headers["Cache-Control"]
    original = client.get(f"/contributions/{scene['mine']}/photos/{photo.id}")
    assert len(served.data) * 4 < len(original.data)
    assert max(Image.open(io.BytesIO(served.data)).size) == thumbnails.SIDE


def test_a_photo_stored_before_thumbnails_gets_one_on_first_request(app, client, login,
                                                                    users, scene):
    photo = _store(app, users, scene)
    with app.app_context():
        key = thumbnails.key_for(photo.stored_name)
        (Path(app.config["UPLOAD_FOLDER"]) / key).unlink()
        assert not storage.exists(key)
    login("sponsor")
    assert client.get(f"/contributions/{scene['mine']}/photos/{photo.id}/thumbnail"
                      ).status_code == 200
    with app.app_context():
        assert storage.exists(key)  # the local store keeps it (a file write, no lock)


def test_the_thumbnail_has_the_photos_access_rules(app, users, scene):
    photo = _store(app, users, scene)
    url = f"/contributions/{scene['mine']}/photos/{photo.id}/thumbnail"
    assert app.test_client().get(url).status_code == 302  # anonymous: to the login page
    with app.app_context():
        stranger = factories.user("sponsor")
        factories.sponsor(email=stranger.email,
                          actor=db.session.get(User, users["admin"][0]))
        db.session.commit()
        stranger_email = stranger.email
    viewer = app.test_client()
    sign_in(viewer, stranger_email)
    assert viewer.get(url).status_code == 403


def test_a_rolled_back_photo_takes_its_thumbnail_with_it(app, users, scene):
    with app.app_context():
        # Written inside a unit of work (as every use case writes them) that then fails.
        with pytest.raises(RuntimeError), unit_of_work():
            [written] = photos.store_photos(load(scene["mine"]),
                                            photos.clean_photos([factories.image_bytes()]),
                                            actor=db.session.get(User, users["sponsor"][0]))
            key = thumbnails.key_for(written.stored_name)
            assert storage.exists(key)
            raise RuntimeError("the act fails after its photo was written")
        assert not storage.exists(key)
        assert db.session.scalar(select(ContributionPhoto)) is None
        assert Path(app.config["UPLOAD_FOLDER"]).is_dir()
