"""The contributions API contract: logging, idempotency, lists, corrections, catalogue."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from asuh import timeutil
from asuh.contributions.models import Contribution
from asuh.extensions import db
from asuh.matching.models import Match
from tests import factories
from tests.conftest import PASSWORD


@pytest.fixture
def scene(app, users, regions):
    with app.app_context():
        return factories.contribution_scene(users)


def _body(scene, **overrides) -> dict:
    body = {"match_id": scene["match"], "delivered_on": timeutil.today().isoformat(),
            "items": [{"commodity": "rice", "quantity": 2, "unit": "karung 5 kg",
                       "value_idr": 150000},
                      {"commodity": "eggs", "quantity": "1.5", "unit": "Tray",
                       "value_idr": 90000}],
            "note": "Lewat kader posyandu"}
    body.update(overrides)
    return body


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Contribution.id)))


def test_create_returns_the_documented_contribution(app, client, api_token, scene):
    headers = api_token("sponsor")
    response = client.post("/api/v1/contributions", json=_body(scene), headers=headers)
    assert response.status_code == 201, response.json
    body = response.json
    assert response.headers["Location"] == f"/api/v1/contributions/{body['id']}"
    assert {"id", "match_id", "sponsor_id", "child_id", "delivered_on", "status", "note",
            "total_value_idr", "items", "photos", "created_at", "verified_at",
            "rejection_reason"} <= set(body)
    assert (body["match_id"], body["sponsor_id"], body["child_id"]) == (
        scene["match"], scene["sponsor"], scene["child"])
    assert (body["status"], body["total_value_idr"], body["photos"]) == ("pending", 240000, [])
    assert body["verified_at"] is None and body["created_at"].endswith("Z")
    assert body["items"] == [
        {"commodity": "rice", "commodity_name": "Beras", "is_cash": False,
         "quantity": "2.000", "unit": "karung 5 kg", "canonical_quantity": "10.000",
         "canonical_unit": "kg", "value_idr": 150000},
        {"commodity": "eggs", "commodity_name": "Telur", "is_cash": False,
         "quantity": "1.500", "unit": "tray", "canonical_quantity": "45.000",
         "canonical_unit": "butir", "value_idr": 90000}]
    assert client.get(response.headers["Location"], headers=headers).json == body


@pytest.mark.parametrize("item, key, message", [
    ({"commodity": "rice", "quantity": 1, "unit": "tray", "value_idr": 1},
     "items[0].unit", "Satuan tidak dikenal untuk Beras"),
    ({"commodity": "caviar", "quantity": 1, "unit": "kg", "value_idr": 1},
     "items[0].commodity", "tidak ada dalam katalog"),
    ({"commodity": "rice", "quantity": 0, "unit": "kg", "value_idr": 1},
     "items[0].quantity", "lebih dari 0"),
    ({"commodity": "rice", "quantity": "1.2345", "unit": "kg", "value_idr": 1},
     "items[0].quantity", "3 angka"),
    ({"commodity": "rice", "quantity": 1, "unit": "kg"},
     "items[0].value_idr", "wajib diisi"),
    ({"commodity": "cash", "quantity": 50000, "unit": "Rp", "value_idr": 1},
     "items[0].value_idr", "sama dengan jumlahnya"),
])
def test_bad_items_are_422_naming_the_item_field(app, client, api_token, scene, item, key,
                                                 message):
    response = client.post("/api/v1/contributions", json=_body(scene, items=[item]),
                           headers=api_token("sponsor"))
    assert response.status_code == 422
    assert message in response.json["errors"][key][0]
    assert _count(app) == 0


def test_other_fields_are_checked(app, client, api_token, scene):
    headers = api_token("sponsor")
    for overrides, key in [({"items": []}, "items"), ({"match_id": "1"}, "match_id"),
                           ({"match_id": 999999}, "match_id"),
                           ({"delivered_on": "23-11-2026"}, "delivered_on"),
                           ({"delivered_on": (timeutil.today() + timedelta(days=1)).isoformat()},
                            "delivered_on"),
                           ({"note": "x" * 501}, "note")]:
        response = client.post("/api/v1/contributions", json=_body(scene, **overrides),
                               headers=headers)
        assert response.status_code == 422 and key in response.json["errors"], overrides
    response = client.post("/api/v1/contributions",
                           json=_body(scene, match_id=scene["other_match"]), headers=headers)
    assert response.status_code == 403
    for role in ("officer", "field", "auditor"):
        response = client.post("/api/v1/contributions", json=_body(scene),
                               headers=api_token(role))
        assert response.status_code == 403, role
    assert _count(app) == 0


def test_same_idempotency_key_twice_gives_one_row_and_the_same_answer(app, client, api_token,
                                                                      scene):
    headers = {**api_token("sponsor"), "Idempotency-Key": "tap-7f3a"}
    first = client.post("/api/v1/contributions", json=_body(scene), headers=headers)
    second = client.post("/api/v1/contributions", json=_body(scene), headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json == second.json
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _count(app) == 1
    changed = client.post("/api/v1/contributions",
                          json=_body(scene, note="Isi lain"), headers=headers)
    assert changed.status_code == 422 and "Idempotency-Key" in changed.json["errors"]
    # Keys belong to their user: the admin's same key is a different submission.
    admin = {**api_token("admin"), "Idempotency-Key": "tap-7f3a"}
    assert client.post("/api/v1/contributions", json=_body(scene),
                       headers=admin).status_code == 201
    assert _count(app) == 2
    bad = {**headers, "Idempotency-Key": "spasi tidak boleh"}
    assert client.post("/api/v1/contributions", json=_body(scene),
                       headers=bad).status_code == 422


def test_concurrent_retries_with_one_key_make_one_row(app, users, scene):
    tokens = []
    for _ in range(6):
        response = app.test_client().post("/api/v1/tokens", json={
            "email": users["sponsor"][1], "password": PASSWORD})
        tokens.append(response.json["token"])
    barrier = threading.Barrier(len(tokens))
    answers = []

    def post(token):
        client = app.test_client()
        barrier.wait()
        response = client.post("/api/v1/contributions", json=_body(scene), headers={
            "Authorization": f"Bearer {token}", "Idempotency-Key": "retry-42"})
        answers.append((response.status_code, response.json.get("id")))

    threads = [threading.Thread(target=post, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {status for status, _ in answers} == {201}, answers
    assert len({cid for _, cid in answers}) == 1
    assert _count(app) == 1


def test_lists_are_scoped_to_the_caller(app, client, api_token, users, scene):
    with app.app_context():
        officer = factories.user("officer")
        mine = factories.contribution(db.session.get(Match, scene["match"]),
                                      status="confirmed", verifier=officer)
        other = factories.contribution(db.session.get(Match, scene["other_match"]))
        db.session.commit()
        mine_id, other_id = mine.id, other.id

    def ids(role, query=""):
        response = client.get(f"/api/v1/contributions{query}", headers=api_token(role))
        assert response.status_code == 200, response.json
        return [c["id"] for c in response.json["items"]]

    assert ids("sponsor") == [mine_id]
    assert ids("sponsor", f"?sponsor_id={scene['other_sponsor']}") == []
    assert ids("field") == [mine_id]
    assert sorted(ids("auditor")) == sorted([mine_id, other_id])
    assert ids("officer", f"?match_id={scene['other_match']}") == [other_id]
    assert ids("officer", "?status=confirmed") == [mine_id]
    assert ids("officer", f"?child_id={scene['child']}") == [mine_id]
    month = scene["start"].strftime("%Y-%m")
    assert sorted(ids("officer", f"?month={month}")) == sorted([mine_id, other_id])
    after = (scene["start"] + timedelta(days=1)).isoformat()
    assert ids("officer", f"?delivered_from={after}") == []
    assert client.get(f"/api/v1/contributions/{other_id}",
                      headers=api_token("sponsor")).status_code == 403
    assert client.get(f"/api/v1/contributions/{other_id}",
                      headers=api_token("field")).status_code == 403
    bad = client.get("/api/v1/contributions?status=lost&month=2026-13",
                     headers=api_token("officer"))
    assert bad.status_code == 422 and set(bad.json["errors"]) == {"status", "month"}
    page = client.get("/api/v1/contributions?per_page=1&page=2", headers=api_token("auditor"))
    assert (page.json["total"], len(page.json["items"]), page.json["page"]) == (2, 1, 2)


def test_patch_corrects_a_pending_delivery_only(app, client, api_token, scene):
    headers = api_token("sponsor")
    created = client.post("/api/v1/contributions", json=_body(scene), headers=headers).json
    url = f"/api/v1/contributions/{created['id']}"
    response = client.patch(url, json={"note": "Dikoreksi"}, headers=headers)
    assert response.status_code == 200, response.json
    assert response.json["note"] == "Dikoreksi" and response.json["items"] == created["items"]
    response = client.patch(url, json={"items": [{"commodity": "honey", "quantity": 1,
                                                  "unit": "botol 500 ml",
                                                  "value_idr": 80000}]}, headers=headers)
    assert response.json["total_value_idr"] == 80000
    assert response.json["items"][0]["canonical_quantity"] == "500.000"
    officer = api_token("officer")
    assert client.patch(url, json={"note": "x"}, headers=officer).status_code == 403
    client.post(f"{url}/verification", json={"decision": "confirmed"}, headers=officer)
    assert client.patch(url, json={"note": "lagi"}, headers=headers).status_code == 409


def test_photo_upload_through_the_api(app, client, api_token, scene):
    import io

    headers = api_token("sponsor")
    created = client.post("/api/v1/contributions", json=_body(scene), headers=headers).json
    url = f"/api/v1/contributions/{created['id']}/photos"
    missing = client.post(url, headers=headers, data={}, content_type="multipart/form-data")
    assert missing.status_code == 422 and "photo" in missing.json["errors"]
    response = client.post(url, headers=headers, content_type="multipart/form-data",
                           data={"photo": (io.BytesIO(factories.image_bytes("WEBP")), "x")})
    assert response.status_code == 201
    assert response.json["content_type"] == "image/webp"
    photo = client.get(response.json["url"], headers=headers)
    assert photo.status_code == 200 and photo.mimetype == "image/webp"
    listed = client.get(f"/api/v1/contributions/{created['id']}", headers=headers).json
    assert listed["photos"] == [response.json]


def test_catalogue_and_progress_endpoints(app, client, api_token, scene):
    headers = api_token("sponsor")
    catalogue = client.get("/api/v1/commodities", headers=headers).json
    codes = [c["code"] for c in catalogue["items"]]
    assert {"rice", "eggs", "milk", "milk_powder", "honey", "other", "cash"} <= set(codes)
    rice = next(c for c in catalogue["items"] if c["code"] == "rice")
    assert {"name": "liter", "factor": "0.8"} in rice["units"]
    assert catalogue["monthly_package"] == {"rice": "10.000", "eggs": "30.000"}
    progress = client.get(f"/api/v1/matches/{scene['match']}/progress", headers=headers)
    assert progress.status_code == 200
    assert progress.json["months"][-1]["month"] == timeutil.today().strftime("%Y-%m")
    assert client.get(f"/api/v1/matches/{scene['other_match']}/progress",
                      headers=headers).status_code == 403
    assert client.get(f"/api/v1/matches/{scene['other_match']}/progress",
                      headers=api_token("field")).status_code == 403
    assert client.get(f"/api/v1/matches/{scene['other_match']}/progress",
                      headers=api_token("officer")).status_code == 200


def test_every_contributions_endpoint_is_documented(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    post = paths["/api/v1/contributions"]["post"]
    assert "Idempotency-Key" in post["description"]
    assert {"201", "409", "422"} <= set(post["responses"])
    assert "413" in paths["/api/v1/contributions/{contribution_id}/photos"]["post"]["responses"]
    for path in ("/api/v1/contributions/{contribution_id}/verification",
                 "/api/v1/contributions/{contribution_id}/void", "/api/v1/commodities"):
        assert path in paths
