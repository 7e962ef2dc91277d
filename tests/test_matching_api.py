"""/api/v1/matches and /api/v1/children/unmatched: the published contract."""

from datetime import timedelta

import pytest

from asuh.extensions import db
from asuh.matching import services
from asuh.matching.models import Match
from asuh.sponsors.models import Sponsor
from tests import factories
from tests.clock import SUITE_DAY
from tests.conftest import PASSWORD

MATCH_KEYS = {"id", "sponsor_id", "child_id", "start_date", "end_date", "ended_on",
              "end_reason", "end_note", "active", "created_at"}
TODAY = SUITE_DAY


@pytest.fixture
def ids(app, regions):
    with app.app_context():
        sponsor = factories.sponsor(capacity=1)
        child, other = factories.child(), factories.child()
        waiting = factories.sponsor(approved=False)
        db.session.commit()
        return {"sponsor": sponsor.id, "child": child.id, "other": other.id,
                "waiting": waiting.id}


def post(client, headers, **body):
    return client.post("/api/v1/matches", json=body, headers=headers)


def test_create_returns_the_match(client, api_token, ids):
    start = (TODAY - timedelta(days=3)).isoformat()
    response = post(client, api_token("officer"), sponsor_id=ids["sponsor"],
                    child_id=ids["child"], start_date=start, note="Telur 30 butir/bulan")
    assert response.status_code == 201, response.json
    match = response.json
    assert set(match) == MATCH_KEYS
    assert (match["sponsor_id"], match["child_id"], match["start_date"]) == (
        ids["sponsor"], ids["child"], start)
    assert match["end_date"] == services.add_months(TODAY - timedelta(days=3), 6).isoformat()
    assert match["active"] is True and match["ended_on"] is None
    assert match["end_reason"] is None and match["created_at"].endswith("Z")


def test_create_with_an_explicit_end(client, api_token, ids):
    end = (TODAY + timedelta(days=90)).isoformat()
    response = post(client, api_token("admin"), sponsor_id=ids["sponsor"],
                    child_id=ids["child"], start_date=TODAY.isoformat(), end_date=end)
    assert response.status_code == 201 and response.json["end_date"] == end


def test_conflicts_are_409(app, client, api_token, ids):
    headers = api_token("officer")
    today = TODAY.isoformat()
    assert post(client, headers, sponsor_id=ids["sponsor"], child_id=ids["child"],
                start_date=today).status_code == 201
    with app.app_context():
        second = factories.sponsor().id
        db.session.commit()
    taken = post(client, headers, sponsor_id=second, child_id=ids["child"], start_date=today)
    assert taken.status_code == 409
    assert taken.json == {"errors": {"child_id": ["Anak ini sudah memiliki Bapak/Bunda Asuh."]}}
    full = post(client, headers, sponsor_id=ids["sponsor"], child_id=ids["other"],
                start_date=today)
    assert full.status_code == 409 and full.json["errors"] == {
        "sponsor_id": [services.SPONSOR_FULL]}
    unapproved = post(client, headers, sponsor_id=ids["waiting"], child_id=ids["other"],
                      start_date=today)
    assert unapproved.status_code == 409 and unapproved.json["errors"] == {
        "sponsor_id": [services.SPONSOR_NOT_APPROVED]}


def test_unknown_ids_are_404(client, api_token, ids):
    headers = api_token("officer")
    today = TODAY.isoformat()
    assert post(client, headers, sponsor_id=999999, child_id=ids["child"],
                start_date=today).status_code == 404
    assert post(client, headers, sponsor_id=ids["sponsor"], child_id=999999,
                start_date=today).status_code == 404


def test_invalid_input_is_422(client, api_token, ids):
    headers = api_token("officer")
    missing = post(client, headers)
    assert missing.status_code == 422
    assert set(missing.json["errors"]) == {"sponsor_id", "child_id", "start_date"}
    for body, field in (
            ({"sponsor_id": "1", "child_id": ids["child"]}, "sponsor_id"),
            ({"sponsor_id": ids["sponsor"], "child_id": True}, "child_id"),
            ({"start_date": "25-11-2026"}, "start_date"),
            ({"end_date": "soon"}, "end_date"),
            ({"note": 5}, "note"),
            ({"start_date": (TODAY + timedelta(days=2)).isoformat()}, "start_date")):
        payload = {"sponsor_id": ids["sponsor"], "child_id": ids["child"],
                   "start_date": TODAY.isoformat(), **body}
        response = post(client, headers, **payload)
        assert response.status_code == 422, (body, response.json)
        assert list(response.json["errors"]) == [field]
    assert client.post("/api/v1/matches", data="x", headers=headers).status_code == 422


def test_end_a_match(client, api_token, ids):
    headers = api_token("officer")
    match_id = post(client, headers, sponsor_id=ids["sponsor"], child_id=ids["child"],
                    start_date=TODAY.isoformat()).json["id"]
    url = f"/api/v1/matches/{match_id}/end"
    bad = client.post(url, json={"reason": "other", "ended_on": TODAY.isoformat()},
                      headers=headers)
    assert bad.status_code == 422 and list(bad.json["errors"]) == ["note"]
    assert client.post(url, json={}, headers=headers).status_code == 422
    done = client.post(url, json={"reason": "other", "ended_on": TODAY.isoformat(),
                                  "note": "Keluarga menolak"}, headers=headers)
    assert done.status_code == 200, done.json
    assert set(done.json) == MATCH_KEYS
    assert (done.json["active"], done.json["ended_on"], done.json["end_reason"],
            done.json["end_note"]) == (False, TODAY.isoformat(), "other", "Keluarga menolak")
    again = client.post(url, json={"reason": "moved", "ended_on": TODAY.isoformat()},
                        headers=headers)
    assert again.status_code == 409
    assert client.post("/api/v1/matches/999999/end", json={"reason": "moved"},
                       headers=headers).status_code == 404
    # The freed place can be used again.
    assert post(client, headers, sponsor_id=ids["sponsor"], child_id=ids["other"],
                start_date=TODAY.isoformat()).status_code == 201


@pytest.fixture
def listed(app, regions, users):
    """Three matches (one ended); the sponsor login owns two of them."""
    with app.app_context():
        from asuh.accounts.models import User

        user = db.session.get(User, users["sponsor"][0])
        mine = factories.sponsor(email=user.email, capacity=3)
        other = factories.sponsor()
        first = factories.match(mine, start_on=TODAY - timedelta(days=30))
        services.end_match(first, reason="moved", ended_on=TODAY)
        second = factories.match(mine)
        third = factories.match(other)
        db.session.commit()
        return {"mine": mine.id, "other": other.id, "ended": first.id, "active": second.id,
                "others": third.id}


def items(client, headers, query=""):
    response = client.get(f"/api/v1/matches{query}", headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def test_list_for_staff_with_filters(client, api_token, listed):
    headers = api_token("auditor")
    everything = items(client, headers)
    assert everything["total"] == 3 and everything["page"] == 1
    assert {m["id"] for m in items(client, headers, "?active=true")["items"]} == {
        listed["active"], listed["others"]}
    assert [m["id"] for m in items(client, headers, "?active=false")["items"]] == [
        listed["ended"]]
    assert {m["id"] for m in items(client, headers, f"?sponsor_id={listed['mine']}")
            ["items"]} == {listed["ended"], listed["active"]}
    page = items(client, headers, "?per_page=2&page=2")
    assert len(page["items"]) == 1 and page["per_page"] == 2 and page["total"] == 3
    for query in ("?active=maybe", "?page=0", "?per_page=101", "?sponsor_id=x"):
        assert client.get(f"/api/v1/matches{query}", headers=headers).status_code == 422


def test_a_sponsor_lists_only_their_own(client, api_token, listed):
    headers = api_token("sponsor")
    own = items(client, headers)
    assert {m["id"] for m in own["items"]} == {listed["ended"], listed["active"]}
    assert items(client, headers, f"?sponsor_id={listed['other']}")["total"] == 0


def test_field_staff_list_nothing(client, api_token, listed):
    assert items(client, api_token("field"))["total"] == 0


def test_only_managers_write(client, api_token, listed):
    for role in ("auditor", "field", "sponsor"):
        headers = api_token(role)
        assert post(client, headers, sponsor_id=listed["mine"], child_id=1,
                    start_date=TODAY.isoformat()).status_code == 403
        assert client.post(f"/api/v1/matches/{listed['active']}/end",
                           json={"reason": "moved", "ended_on": TODAY.isoformat()},
                           headers=headers).status_code == 403


def test_unmatched_children_in_priority_order(app, client, api_token, regions):
    with app.app_context():
        # Issue 11: only stunted children wait; among them the youngest comes first.
        older = factories.child(name="Older", birth_date=TODAY - timedelta(days=900))
        factories.measurement(older, height_cm="83.0", position="standing", weight_kg="11.0")
        younger = factories.child(name="Younger", birth_date=TODAY - timedelta(days=200))
        factories.measurement(younger, height_cm="62.5", weight_kg="6.5")
        stunted = factories.child(name="Stunted")
        factories.measurement(stunted)
        unmeasured = factories.child(name="Unmeasured", birth_date=TODAY - timedelta(days=100))
        matched = factories.child(name="Matched")
        factories.match(the_child=matched)
        db.session.commit()
        assert {older.latest_category, younger.latest_category} == {"stunted"}
        assert unmeasured.latest_category is None  # not listed: it waits for a measurement
        expected = [younger.id, stunted.id, older.id]
    headers = api_token("officer")
    response = client.get("/api/v1/children/unmatched", headers=headers)
    assert response.status_code == 200
    assert [c["id"] for c in response.json["items"]] == expected
    assert response.json["total"] == 3
    first = response.json["items"][0]
    assert first["latest_category"] == "stunted" and first["registered_at"].endswith("Z")
    assert all(c["latest_category"] == "stunted" for c in response.json["items"])
    second_page = client.get("/api/v1/children/unmatched?per_page=1&page=2", headers=headers)
    assert [c["id"] for c in second_page.json["items"]] == [expected[1]]
    assert client.get("/api/v1/children/unmatched",
                      headers=api_token("sponsor")).status_code == 403
    auditor = client.get("/api/v1/children/unmatched", headers=api_token("auditor")).json
    assert "•" in auditor["items"][0]["nik"]  # masked for those who do not register children


def test_a_match_made_by_api_appears_in_the_database(app, client, api_token, ids):
    post(client, api_token("officer"), sponsor_id=ids["sponsor"], child_id=ids["child"],
         start_date=TODAY.isoformat())
    with app.app_context():
        assert db.session.get(Sponsor, ids["sponsor"]).active_matches == 1
        assert db.session.scalar(db.select(Match.child_id)) == ids["child"]
    assert PASSWORD  # the token fixture signed in with the shared test password
