"""The API skeleton: tokens, identity, JSON errors, and an OpenAPI document kept true."""

from datetime import datetime, timedelta

import pytest

from asuh.extensions import db
from tests import factories
from tests.conftest import PASSWORD


def test_token_then_me(client, users):
    response = client.post("/api/v1/tokens", json={"email": users["field"][1],
                                                   "password": PASSWORD})
    assert response.status_code == 201
    assert set(response.json) == {"token", "expires_at"}
    me = client.get("/api/v1/me",
                    headers={"Authorization": f"Bearer {response.json['token']}"})
    assert me.status_code == 200
    assert me.json["email"] == users["field"][1]
    assert me.json["role"] == "field"


def test_wrong_credentials_are_401(client, users):
    response = client.post("/api/v1/tokens", json={"email": users["field"][1],
                                                   "password": "nope"})
    assert response.status_code == 401
    assert response.json["error"] == "invalid_credentials"


def test_missing_fields_are_422_naming_the_field(client):
    response = client.post("/api/v1/tokens", json={"email": "a@b.id"})
    assert response.status_code == 422
    assert response.json == {"errors": {"password": ["Wajib diisi."]}}
    response = client.post("/api/v1/tokens", data="not json",
                           content_type="application/json")
    assert response.status_code == 422


@pytest.mark.parametrize("header", [None, "Bearer not-a-token", "Basic abc"])
def test_no_or_bad_token_is_401_json(client, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.json["error"] == "unauthorized"


def test_api_ignores_session_cookies(client, login):
    login("admin")
    assert client.get("/api/v1/me").status_code == 401


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json["error"] == "not_found"


def test_openapi_describes_every_api_route(app, client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.")
    documented = {
        (path, method.upper())
        for path, operations in document["paths"].items()
        for method in operations
        if method != "parameters"  # path-level parameters, shared by the operations
    }
    routed = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<int:{name}>", "{" + name + "}").replace(
                f"<{name}>", "{" + name + "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routed.add((path, method))
    assert routed == documented


def test_openapi_operations_document_their_responses(client):
    document = client.get("/api/v1/openapi.json").json
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            assert operation.get("responses"), f"{method} {path} has no responses"
            assert operation.get("summary"), f"{method} {path} has no summary"


LISTS = ("/api/v1/children", "/api/v1/sponsors", "/api/v1/matches", "/api/v1/letters",
         "/api/v1/contributions", "/api/v1/children/unmatched")


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("query, field", [("per_page=abc", "per_page"),
                                          ("per_page=101", "per_page"),
                                          ("per_page=500", "per_page"),
                                          ("page=0", "page"), ("page=²", "page")])
def test_every_list_refuses_a_bad_page_the_same_way(client, api_token, url, query, field):
    response = client.get(f"{url}?{query}", headers=api_token("admin"))
    assert response.status_code == 422
    assert list(response.json["errors"]) == [field]


@pytest.mark.parametrize("url", [
    "/api/v1/contributions/99999999999999999999",
    "/api/v1/children/99999999999999999999",
    "/api/v1/sponsors/9223372036854775808",
    "/api/v1/letters/99999999999999999999/pdf",
])
def test_ids_beyond_the_database_are_404(client, api_token, url):
    response = client.get(url, headers=api_token("admin"))
    assert response.status_code == 404
    assert response.json["error"] == "not_found"


def test_inputs_that_once_crashed_are_422(app, client, api_token, regions):
    with app.app_context():
        child_id = factories.child().id
        db.session.commit()
    headers = api_token("admin")
    unicode_digit = client.get("/api/v1/contributions?sponsor_id=²", headers=headers)
    assert unicode_digit.status_code == 422 and "sponsor_id" in unicode_digit.json["errors"]
    letter = client.post("/api/v1/letters", json={"kind": {}}, headers=headers)
    assert letter.status_code == 422 and list(letter.json["errors"]) == ["kind"]
    measured = client.post(f"/api/v1/children/{child_id}/measurements",
                           headers=headers, json={"measured_on": "2026-01-01",
                                                  "height_cm": "1e30", "weight_kg": 1e30,
                                                  "position": "lying"})
    assert measured.status_code == 422
    assert set(measured.json["errors"]) == {"height_cm", "weight_kg"}
    audit = client.get("/api/v1/audit?until=9999-12-31", headers=headers)
    assert audit.status_code == 422 and list(audit.json["errors"]) == ["until"]


def test_unsupported_method_says_which_are_allowed(client, api_token):
    response = client.delete("/api/v1/me", headers=api_token("admin"))
    assert response.status_code == 405
    assert response.json["error"] == "method_not_allowed"
    assert set(response.headers["Allow"].split(", ")) >= {"GET"}


def test_pages_keep_their_own_error_pages(client, login):
    login("admin")
    response = client.get("/children/99999999")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_moments_are_utc_with_their_offset(client, users):
    response = client.post("/api/v1/tokens", json={"email": users["field"][1],
                                                   "password": PASSWORD})
    expires_at = datetime.fromisoformat(response.json["expires_at"])
    assert expires_at.utcoffset() == timedelta(0)
