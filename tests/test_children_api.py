"""The children API contract: fields, status codes, NIK warnings, measurements."""

from datetime import timedelta

import pytest

from asuh import timeutil
from asuh.extensions import db
from asuh.identifiers import mask_identifier
from tests import factories

BIRTH = timeutil.today() - timedelta(days=365)
CHILD_KEYS = {"id", "nik", "name", "sex", "birth_date", "guardian_name", "guardian_phone",
              "address", "kelurahan_code", "kecamatan_code", "posyandu", "status",
              "latest_category", "latest_haz", "latest_measured_on"}


def body(**overrides) -> dict:
    values = {"nik": factories.child_nik(BIRTH, "L", 42), "name": "Raka Aditya", "sex": "L",
              "birth_date": BIRTH.isoformat(), "guardian_name": "Sri Wahyuni",
              "kelurahan_code": "19.71.01.1004", "address": "Jl. Mentok No. 3, RT 002/RW 001"}
    values.update(overrides)
    return values


@pytest.fixture
def officer(api_token, regions):
    return api_token("officer")


def test_create_child_returns_the_contract(client, officer):
    response = client.post("/api/v1/children", json=body(posyandu="Posyandu Melati 3",
                                                          guardian_phone="081234567890"),
                           headers=officer)
    assert response.status_code == 201, response.text
    child = response.json
    assert set(child) == CHILD_KEYS
    assert child["nik"] == body()["nik"]  # officers see it whole
    assert (child["sex"], child["birth_date"], child["status"]) == ("L", BIRTH.isoformat(),
                                                                    "active")
    assert (child["kelurahan_code"], child["kecamatan_code"]) == ("19.71.01.1004", "19.71.01")
    assert child["latest_category"] is None and child["latest_haz"] is None
    again = client.post("/api/v1/children", json=body(), headers=officer)
    assert again.status_code == 409 and "nik" in again.json["errors"]


@pytest.mark.parametrize(("overrides", "field"), [
    ({"nik": "123"}, "nik"),
    ({"sex": "X"}, "sex"),
    ({"birth_date": "10-05-2024"}, "birth_date"),
    ({"kelurahan_code": "19.71.99.9999"}, "kelurahan_code"),
    ({"name": ""}, "name"),
    ({"address": None}, "address"),
    ({"guardian_name": 12}, "guardian_name"),
    ({"confirm_nik_warnings": "yes"}, "confirm_nik_warnings"),
])
def test_create_child_422_names_the_field(client, officer, overrides, field):
    response = client.post("/api/v1/children", json=body(**overrides), headers=officer)
    assert response.status_code == 422
    assert field in response.json["errors"]


def test_nik_warnings_need_confirm_flag(client, officer):
    mismatched = body(sex="P")  # the NIK encodes a boy
    response = client.post("/api/v1/children", json=mismatched, headers=officer)
    assert response.status_code == 422
    assert "Jenis kelamin pada NIK" in response.json["errors"]["nik"][0]
    response = client.post("/api/v1/children", json={**mismatched, "confirm_nik_warnings": True},
                           headers=officer)
    assert response.status_code == 201


def test_record_measurement_and_read_the_child(client, officer, api_token):
    child_id = client.post("/api/v1/children", json=body(), headers=officer).json["id"]
    url = f"/api/v1/children/{child_id}/measurements"
    today = timeutil.today().isoformat()
    yesterday = (timeutil.today() - timedelta(days=1)).isoformat()
    measured = {"measured_on": today, "height_cm": 70.9, "weight_kg": 9.6, "position": "lying",
                "measured_by": "Kader Sari"}
    response = client.post(url, json=measured, headers=officer)
    assert response.status_code == 201, response.text
    result = response.json
    assert {"id", "age_days", "haz", "waz", "whz", "category"} <= set(result)
    assert (result["age_days"], result["haz"], result["category"]) == (365, -2.04, "stunted")
    assert result["flags"] == []
    assert client.post(url, json=measured, headers=officer).status_code == 409
    for bad, field in (({"height_cm": 20}, "height_cm"), ({"height_cm": "tinggi"}, "height_cm"),
                       ({"position": "duduk"}, "position"), ({"measured_on": None},
                                                             "measured_on"),
                       ({"weight_kg": True}, "weight_kg")):
        response = client.post(url, json={**measured, "measured_on": yesterday, **bad},
                               headers=officer)
        assert response.status_code == 422 and field in response.json["errors"], bad

    detail = client.get(f"/api/v1/children/{child_id}", headers=officer).json
    assert set(detail) >= CHILD_KEYS
    assert detail["latest_category"] == "stunted" and detail["latest_haz"] == -2.04
    assert detail["latest_measured_on"] == today
    assert detail["latest_measurement"]["id"] == result["id"]
    assert [m["height_cm"] for m in detail["measurements"]] == [70.9]

    auditor = client.get(f"/api/v1/children/{child_id}", headers=api_token("auditor")).json
    assert auditor["nik"] == mask_identifier(body()["nik"])
    assert client.get("/api/v1/children/999999", headers=officer).status_code == 404
    assert client.post("/api/v1/children/999999/measurements", json=measured,
                       headers=officer).status_code == 404


def test_list_shape_and_anonymous(client, officer, app):
    with app.app_context():
        factories.child()
        db.session.commit()
    page = client.get("/api/v1/children", headers=officer).json
    assert set(page) == {"items", "page", "per_page", "total"}
    assert (page["page"], page["per_page"], page["total"]) == (1, 25, 1)
    assert set(page["items"][0]) == CHILD_KEYS
    assert client.get("/api/v1/children").status_code == 401


def test_openapi_documents_the_children_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert set(paths["/api/v1/children"]) == {"get", "post"}
    assert "post" in paths["/api/v1/children/{child_id}/measurements"]
