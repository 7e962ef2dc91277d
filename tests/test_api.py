"""The API skeleton: tokens, identity, JSON errors, and an OpenAPI document kept true."""

import pytest

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
