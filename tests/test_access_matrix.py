"""Every route × every role, against the one permission table in asuh/permissions.py."""

import pytest

from asuh.permissions import READ_PERMISSIONS, ROLE_PERMISSIONS, Role
from tests.conftest import sign_in

MISSING = object()
SAFE = {"GET"}


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        url = rule.rule
        for name in rule.arguments:
            converter = rule._converters[name].__class__.__name__
            url = url.replace(f"<int:{name}>", "999999").replace(f"<{name}>", "nothing")
            assert "<" not in url or converter, url
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            permission = getattr(view, "required_permission", MISSING)
            if permission not in (None, MISSING):
                permission = view.required_permissions
            yield rule.endpoint, url, method, permission


def test_every_view_declares_its_access(app):
    undeclared = [endpoint for endpoint, _, _, perm in _routes(app) if perm is MISSING]
    assert undeclared == []


def _request(client, method, url, headers=None):
    return client.open(url, method=method, headers=headers or {}, json={})


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_role_gets_exactly_what_the_table_allows(app, users, role):
    from tests.conftest import PASSWORD

    client = app.test_client()
    assert sign_in(client, users[role][1]).status_code == 302
    token = app.test_client().post(
        "/api/v1/tokens", json={"email": users[role][1], "password": PASSWORD}).json["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    allowed = ROLE_PERMISSIONS[Role(role)]
    problems = []
    for endpoint, url, method, permission in _routes(app):
        if permission is None or endpoint in {"accounts.logout", "api.create_token"}:
            continue
        is_api = url.startswith("/api/")
        response = _request(client, method, url, bearer if is_api else None)
        if permission & allowed:
            if response.status_code in (401, 403):
                problems.append(f"{role} refused {method} {url}: {response.status_code}")
        elif response.status_code != 403:
            problems.append(f"{role} not refused {method} {url}: {response.status_code}")
    assert problems == []


def test_anonymous_is_sent_to_login_or_401(app):
    client = app.test_client()
    problems = []
    for _endpoint, url, method, permission in _routes(app):
        if permission is None:
            continue
        response = _request(client, method, url)
        if url.startswith("/api/"):
            if response.status_code != 401:
                problems.append(f"{method} {url}: {response.status_code}")
        elif response.status_code != 302 or "/login" not in response.headers["Location"]:
            problems.append(f"{method} {url}: {response.status_code}")
    assert problems == []


def test_auditor_holds_no_write_permission():
    assert ROLE_PERMISSIONS[Role.AUDITOR] <= READ_PERMISSIONS
    assert all(p.value.startswith(("view_", "export_", "signed_in")) for p in READ_PERMISSIONS)


def test_auditor_writes_are_refused_with_403(app, users, login, client):
    login("auditor")
    problems = []
    for endpoint, url, method, permission in _routes(app):
        if method in SAFE or permission is None or endpoint == "accounts.logout":
            continue
        if endpoint == "accounts.change_password":
            continue
        if url.startswith("/api/"):
            continue
        if _request(client, method, url).status_code != 403:
            problems.append(f"{method} {url}")
    assert problems == []
