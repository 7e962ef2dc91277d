"""The letters API contract: POST /letters, GET /letters, GET /letters/{id}/pdf."""

import hashlib

import pytest
from sqlalchemy import select

from asuh.audit.models import AuditRecord
from asuh.extensions import db
from asuh.letters.models import Letter
from tests import factories


@pytest.fixture
def scene(app, regions, users):
    with app.app_context():
        mine = factories.letter_scene(sponsor_email=users["sponsor"][1])
        other = factories.letter_scene()
        db.session.commit()
    return {"mine": mine, "other": other}


def statement_body(scene) -> dict:
    return {"kind": "sponsor_statement", "sponsor_id": scene["sponsor"],
            "period_start": scene["period"].start.isoformat(),
            "period_end": scene["period"].end.isoformat()}


def test_post_issues_a_letter_and_answers_exactly_the_contract(app, client, api_token, scene):
    headers = api_token("officer")
    response = client.post("/api/v1/letters", json=statement_body(scene["mine"]),
                           headers=headers)
    assert response.status_code == 201, response.text
    body = response.json
    assert set(body) == {"id", "number", "sha256", "verify_url"}
    with app.app_context():
        letter = db.session.get(Letter, body["id"])
        assert body["number"] == letter.number
        assert body["sha256"] == letter.sha256 == hashlib.sha256(letter.pdf).hexdigest()
        assert body["verify_url"] == f"{app.config['PUBLIC_URL']}/verify/{letter.verify_token}"
    again = client.post("/api/v1/letters", json=statement_body(scene["mine"]), headers=headers)
    assert again.status_code == 201 and again.json["number"] != body["number"]
    listed = client.get("/api/v1/letters", headers=headers).json
    statuses = {item["id"]: item["status"] for item in listed["items"]}
    assert statuses == {body["id"]: "superseded", again.json["id"]: "current"}
    first = next(item for item in listed["items"] if item["id"] == body["id"])
    assert first["superseded_by_id"] == again.json["id"]


def test_post_receipt_and_recap(client, api_token, scene):
    headers = api_token("admin")
    receipt = client.post("/api/v1/letters", headers=headers, json={
        "kind": "handover_receipt", "contribution_id": scene["mine"]["confirmed"][0]})
    assert receipt.status_code == 201
    recap = client.post("/api/v1/letters", headers=headers, json={
        "kind": "recap", "kecamatan_code": "19.71.01",
        "period_start": scene["mine"]["period"].start.isoformat(),
        "period_end": scene["mine"]["period"].end.isoformat()})
    assert recap.status_code == 201
    items = client.get("/api/v1/letters?kind=recap", headers=headers).json["items"]
    assert [(i["kind"], i["kecamatan_code"]) for i in items] == [("recap", "19.71.01")]


@pytest.mark.parametrize(("body", "status", "fields"), [
    ({"kind": "memo"}, 422, {"kind"}),
    ({"kind": "sponsor_statement"}, 422, {"sponsor_id", "period_start"}),
    ({"kind": "sponsor_statement", "sponsor_id": 1, "period_start": "2026-11-01"}, 422,
     {"period_end"}),
    ({"kind": "sponsor_statement", "sponsor_id": 1, "period_start": "2026-11-30",
      "period_end": "2026-11-01"}, 422, {"period_end"}),
    ({"kind": "sponsor_statement", "sponsor_id": "x", "period_start": "2026-01-01",
      "period_end": "2026-01-31"}, 422, {"sponsor_id"}),
    ({"kind": "handover_receipt"}, 422, {"contribution_id"}),
    ({"kind": "handover_receipt", "contribution_id": 1, "period_start": "2026-11-01",
      "period_end": "2026-11-30"}, 422, {"period_start"}),
    ({"kind": "recap", "period_start": "2026-11-01", "period_end": "2026-11-30",
      "kecamatan_code": "99.99"}, 422, {"kecamatan_code"}),
])
def test_post_refuses_bad_bodies(client, api_token, scene, body, status, fields):
    response = client.post("/api/v1/letters", json=body, headers=api_token("officer"))
    assert response.status_code == status
    assert set(response.json["errors"]) == fields


def test_post_receipt_for_an_unconfirmed_delivery_is_a_conflict(client, api_token, scene):
    response = client.post("/api/v1/letters", headers=api_token("officer"), json={
        "kind": "handover_receipt", "contribution_id": scene["mine"]["pending"]})
    assert response.status_code == 409


@pytest.mark.parametrize("role", ["sponsor", "auditor", "field"])
def test_only_officers_and_admins_issue_through_the_api(client, api_token, scene, role):
    response = client.post("/api/v1/letters", json=statement_body(scene["mine"]),
                           headers=api_token(role))
    assert response.status_code == 403


def _issue(app, scene, kind="sponsor_statement", **fields) -> int:
    from asuh.letters import services

    with app.app_context():
        if kind == "sponsor_statement":
            fields = {"sponsor_id": scene["sponsor"], "period": scene["period"], **fields}
        letter = services.issue_letter(kind, **fields)
        db.session.commit()
        return letter.id


def test_list_filters_pages_and_scopes(app, client, api_token, scene):
    mine = _issue(app, scene["mine"])
    other = _issue(app, scene["other"])
    receipt = _issue(app, scene["mine"], "handover_receipt",
                     contribution_id=scene["mine"]["confirmed"][0])
    officer = api_token("officer")

    def ids(query="", headers=officer):
        response = client.get(f"/api/v1/letters{query}", headers=headers)
        assert response.status_code == 200, response.text
        return {item["id"] for item in response.json["items"]}

    assert ids() == {mine, other, receipt}
    assert ids(f"?sponsor_id={scene['mine']['sponsor']}") == {mine, receipt}
    assert ids("?kind=handover_receipt") == {receipt}
    period = scene["mine"]["period"]
    assert ids(f"?period_start={period.start}&period_end={period.end}") == {mine, other}
    assert ids("?period_end=2020-01-31") == set()
    assert ids("?status=superseded") == set()
    with app.app_context():
        number = db.session.get(Letter, other).number
    assert ids(f"?number={number}") == {other}
    page = client.get("/api/v1/letters?per_page=2&page=2", headers=officer).json
    assert (page["total"], page["page"], page["per_page"], len(page["items"])) == (3, 2, 2, 1)
    # A sponsor sees the letters about them; a field user none; an auditor all.
    assert ids(headers=api_token("sponsor")) == {mine, receipt}
    assert ids(headers=api_token("field")) == set()
    assert ids(headers=api_token("auditor")) == {mine, other, receipt}
    for bad in ("?kind=memo", "?status=old", "?period_start=yesterday", "?per_page=101",
                "?sponsor_id=x"):
        assert client.get(f"/api/v1/letters{bad}", headers=officer).status_code == 422


def test_pdf_download_is_the_stored_bytes_and_is_audited(app, client, api_token, scene):
    mine, other = _issue(app, scene["mine"]), _issue(app, scene["other"])
    with app.app_context():
        stored = db.session.get(Letter, mine).pdf
    for role in ("auditor", "sponsor"):
        response = client.get(f"/api/v1/letters/{mine}/pdf", headers=api_token(role))
        assert response.status_code == 200
        assert response.mimetype == "application/pdf" and response.data == stored
    assert client.get(f"/api/v1/letters/{other}/pdf",
                      headers=api_token("sponsor")).status_code == 403
    assert client.get(f"/api/v1/letters/{mine}/pdf",
                      headers=api_token("field")).status_code == 403
    assert client.get("/api/v1/letters/999999/pdf",
                      headers=api_token("officer")).status_code == 404
    with app.app_context():
        audited = db.session.scalars(select(AuditRecord.user_id).where(
            AuditRecord.action == "download", AuditRecord.entity_type == "letter",
            AuditRecord.entity_id == str(mine))).all()
        assert len(audited) == 2


def test_letters_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert set(paths["/api/v1/letters"]) == {"get", "post"}
    assert "get" in paths["/api/v1/letters/{letter_id}/pdf"]


def test_a_running_period_is_refused_unless_the_letter_is_interim(app, client, api_token,
                                                                  scene):
    """Issue 11: a statement over a period reaching today is issued only as an interim
    letter, and the list says up to which day it covers the period."""
    from asuh import timeutil
    from asuh.letters.periods import month_end

    headers = api_token("officer")
    today = timeutil.today()
    running = {**statement_body(scene["mine"]), "period_end": month_end(today).isoformat()}
    refused = client.post("/api/v1/letters", json=running, headers=headers)
    assert refused.status_code == 422
    assert set(refused.json["errors"]) == {"period_start"}
    assert "belum berakhir" in refused.json["errors"]["period_start"][0]
    assert client.post("/api/v1/letters", json={**running, "interim": "yes"},
                       headers=headers).status_code == 422
    interim = client.post("/api/v1/letters", json={**running, "interim": True},
                          headers=headers)
    assert interim.status_code == 201, interim.text
    final = client.post("/api/v1/letters", json=statement_body(scene["mine"]), headers=headers)
    assert final.status_code == 201
    items = {i["id"]: i for i in client.get("/api/v1/letters", headers=headers).json["items"]}
    assert items[interim.json["id"]]["interim_through"] == today.isoformat()
    assert items[final.json["id"]]["interim_through"] is None
    with app.app_context():
        pdf_summary = db.session.get(Letter, interim.json["id"]).public_summary
    assert pdf_summary["interim_through"] == today.isoformat()
