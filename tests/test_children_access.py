"""Who sees which child: field users their kelurahan, auditors read-only, NIKs masked."""


import pytest

from asuh.accounts.models import User
from asuh.extensions import db
from asuh.identifiers import mask_identifier
from asuh.regions.services import assign_kelurahan
from tests import factories
from tests.clock import SUITE_DAY

HOME = "19.71.01.1004"   # Semabung Lama: the field user's kelurahan
AWAY = "19.71.02.1001"   # Opas Indah: someone else's
MEASUREMENT = {"measured_on": SUITE_DAY.isoformat(), "height_cm": "72,0",
               "weight_kg": "8,5", "position": "lying"}


@pytest.fixture
def two_children(app, users, regions):
    with app.app_context():
        admin = db.session.get(User, users["admin"][0])
        assign_kelurahan(db.session.get(User, users["field"][0]), [HOME], actor=admin)
        home = factories.child(kelurahan_code=HOME, name="Anak Rumah")
        away = factories.child(kelurahan_code=AWAY, name="Anak Seberang")
        db.session.commit()
        return {"home": (home.id, home.nik), "away": (away.id, away.nik)}


def test_field_user_sees_only_their_kelurahan(client, login, two_children):
    login("field")
    home_id, home_nik = two_children["home"]
    away_id, _ = two_children["away"]
    listing = client.get("/children").text
    assert "Anak Rumah" in listing and "Anak Seberang" not in listing
    assert mask_identifier(home_nik) in listing and home_nik not in listing
    assert client.get(f"/children/{home_id}").status_code == 200
    assert client.get(f"/children/{away_id}").status_code == 403
    assert client.get(f"/children/{away_id}/growth.svg").status_code == 403
    assert client.post(f"/children/{away_id}/measurements",
                       data=MEASUREMENT).status_code == 403
    assert client.post(f"/children/{home_id}/measurements",
                       data=MEASUREMENT).status_code == 302
    assert client.get("/children/999999").status_code == 404


def test_field_user_api_is_narrowed_too(client, api_token, two_children):
    headers = api_token("field")
    home_id, _ = two_children["home"]
    away_id, _ = two_children["away"]
    listing = client.get("/api/v1/children", headers=headers).json
    assert [c["id"] for c in listing["items"]] == [home_id] and listing["total"] == 1
    assert client.get(f"/api/v1/children/{away_id}", headers=headers).status_code == 403
    body = {**MEASUREMENT, "height_cm": 72.0, "weight_kg": 8.5}
    assert client.post(f"/api/v1/children/{away_id}/measurements", json=body,
                       headers=headers).status_code == 403
    assert client.post(f"/api/v1/children/{home_id}/measurements", json=body,
                       headers=headers).status_code == 201
    assert client.post("/api/v1/children", json={}, headers=headers).status_code == 403


def test_unassigned_field_user_sees_nobody(client, login, regions, app):
    with app.app_context():
        factories.child()
        db.session.commit()
    login("field")
    page = client.get("/children").text
    assert "belum ditugaskan" in page and "Anak Uji" not in page


def test_auditor_reads_everything_masked_and_writes_nothing(client, login, api_token,
                                                            two_children):
    headers = api_token("auditor")
    login("auditor")
    home_id, home_nik = two_children["home"]
    listing = client.get("/children").text
    assert "Anak Rumah" in listing and "Anak Seberang" in listing
    assert home_nik not in listing and mask_identifier(home_nik) in listing
    detail = client.get(f"/children/{home_id}").text
    assert home_nik not in detail and "Catat pengukuran" not in detail
    assert "Ubah status" not in detail
    api_child = client.get(f"/api/v1/children/{home_id}", headers=headers).json
    assert api_child["nik"] == mask_identifier(home_nik)
    assert client.post(f"/children/{home_id}/measurements", data=MEASUREMENT).status_code == 403
    assert client.post(f"/children/{home_id}/status",
                       data={"status": "moved", "reason": "x"}).status_code == 403
    assert client.post("/api/v1/children", json={}, headers=headers).status_code == 403
    assert client.post(f"/api/v1/children/{home_id}/measurements", json={},
                       headers=headers).status_code == 403


def test_officer_sees_the_whole_nik(client, login, two_children):
    login("officer")
    home_id, home_nik = two_children["home"]
    assert home_nik in client.get("/children").text
    assert home_nik in client.get(f"/children/{home_id}").text


def test_masked_readers_find_no_child_by_nik(client, login, two_children):
    # A search by fragments would let them uncover the hidden digits one by one, and a
    # "found" for a guessed whole NIK confirms it: only who reads NIKs whole searches by
    # them (issue 12; this test used to let masked readers search by a whole NIK).
    login("auditor")
    _, home_nik = two_children["home"]
    assert "Anak Rumah" in client.get("/children").text
    assert "Anak Rumah" not in client.get(f"/children?q={home_nik}").text
    assert "Anak Rumah" not in client.get(f"/children?q={home_nik[:10]}").text


def test_growth_chart_is_an_svg_with_the_childs_points(client, login, two_children, app):
    home_id, _ = two_children["home"]
    login("officer")
    client.post(f"/children/{home_id}/measurements", data=MEASUREMENT)
    response = client.get(f"/children/{home_id}/growth.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.text.startswith("<svg") and 'class="child-point"' in response.text
    assert 'class="curve-minus-2sd"' in response.text
    page = client.get(f"/children/{home_id}").text
    assert f'<img src="/children/{home_id}/growth.svg"' in page
    anonymous = app.test_client().get(f"/children/{home_id}/growth.svg")
    assert anonymous.status_code == 302


def test_only_officers_register_void_and_import(client, login, two_children):
    login("field")
    assert client.get("/children/new").status_code == 403
    assert client.get("/children/import").status_code == 403
    home_id, _ = two_children["home"]
    assert client.get(f"/children/{home_id}/edit").status_code == 403
    assert "Ubah data" not in client.get(f"/children/{home_id}").text
