"""The children API contract: fields, status codes, NIK warnings, measurements."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from asuh import timeutil
from asuh.children import importing
from asuh.children.importfile import read_child_rows
from asuh.children.models import Child
from asuh.extensions import db
from asuh.identifiers import mask_identifier
from tests import factories
from tests.clock import SUITE_DAY
from tests.test_children_import import csv_file, row

BIRTH = SUITE_DAY - timedelta(days=365)
# The published fields, and those issue 11 added (registry number, NIK marker, re-measure).
CHILD_KEYS = {"id", "nik", "name", "sex", "birth_date", "guardian_name", "guardian_phone",
              "address", "kelurahan_code", "kecamatan_code", "posyandu", "status",
              "latest_category", "latest_haz", "latest_measured_on",
              "nik_status", "nik_status_label", "registry_number", "needs_remeasure"}


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
    assert (child["nik_status"], child["nik_status_label"]) == ("own", "NIK anak")
    assert child["registry_number"] == f"A-{child['id']:06d}"
    assert child["needs_remeasure"] is False
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
    document = client.get("/api/v1/openapi.json").json
    paths = document["paths"]
    assert set(paths["/api/v1/children"]) == {"get", "post"}
    assert "post" in paths["/api/v1/children/{child_id}/measurements"]
    # Issue 11: a weight-only weighing needs no height; no NIK is null, not "".
    schemas = document["components"]["schemas"]
    assert set(schemas["NewMeasurement"]["required"]) == {"measured_on", "weight_kg"}
    measured = schemas["Measurement"]["properties"]
    assert all(measured[f]["nullable"] for f in ("height_cm", "position",
                                                 "height_adjusted_cm"))
    assert schemas["Child"]["properties"]["nik"]["nullable"]
    assert "aged_out" in schemas["Child"]["properties"]["status"]["enum"]


def test_a_weight_only_weighing_through_the_api(client, officer):
    """Issue 11: a monthly weighing without a height is stored with its BB/U only; a
    height still needs its position."""
    child_id = client.post("/api/v1/children", json=body(), headers=officer).json["id"]
    url = f"/api/v1/children/{child_id}/measurements"
    today = timeutil.today()
    measured = {"measured_on": (today - timedelta(days=40)).isoformat(), "height_cm": 66.0,
                "weight_kg": 9.6, "position": "lying"}
    assert client.post(url, json=measured, headers=officer).status_code == 201
    refused = client.post(url, json={**measured, "measured_on": today.isoformat(),
                                     "position": None}, headers=officer)
    assert refused.status_code == 422 and set(refused.json["errors"]) == {"position"}
    for weighing in ({"measured_on": (today - timedelta(days=1)).isoformat(), "weight_kg": 9.8},
                     {"measured_on": today.isoformat(), "weight_kg": 9.9, "height_cm": None}):
        response = client.post(url, json=weighing, headers=officer)
        assert response.status_code == 201, response.text
        weight_only = response.json
        assert (weight_only["height_cm"], weight_only["position"],
                weight_only["height_adjusted_cm"]) == (None, None, None)
        assert weight_only["waz"] is not None
        assert weight_only["haz"] is None and weight_only["whz"] is None
        assert weight_only["category"] is None and weight_only["standing_under_9m"] is False
    detail = client.get(f"/api/v1/children/{child_id}", headers=officer).json
    assert [m["height_cm"] for m in detail["measurements"]] == [66.0, None, None]
    assert detail["measurements"][0]["height_adjusted_cm"] == 66.0
    # The height-for-age category stays that of the last height.
    assert detail["measurements"][0]["category"] == "severely_stunted"
    assert detail["latest_category"] == "severely_stunted"
    assert detail["latest_measured_on"] == today.isoformat()


def test_a_child_without_a_nik_is_null_and_marked_missing(app, client, officer, api_token):
    with app.app_context():
        importing.import_children(read_child_rows("posyandu.csv", csv_file(
            [row(5, NIK="", Nama="Bayi Ny. Sari")])))
        child_id = db.session.scalar(select(Child.id).where(Child.name == "Bayi Ny. Sari"))
    # Officers see a NIK whole and others masked; no NIK is null for both, never "".
    for headers in (officer, api_token("auditor")):
        child = client.get(f"/api/v1/children/{child_id}", headers=headers).json
        assert child["nik"] is None
        assert (child["nik_status"], child["nik_status_label"]) == ("missing", "NIK belum ada")
        assert child["registry_number"] == f"A-{child_id:06d}"
    listed = client.get("/api/v1/children", headers=officer).json["items"]
    assert [(c["nik"], c["nik_status"]) for c in listed] == [(None, "missing")]
