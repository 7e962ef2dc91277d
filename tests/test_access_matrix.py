"""Every route × every role (and anonymous), with real objects.

For a route that acts on an object, each role gets one object it may act on and one it
may not (``tests/access_objects.py``): another sponsor's delivery, a child in another
kelurahan. Expected outcomes:

- anonymous: 302 to /login for a page, 401 for /api/v1;
- a role the route's ``@requires(...)`` does not open (or an auditor writing): 403;
- a role it opens, on an object the role may act on: anything but 401, 403 or 404 (a
  write may answer 409/422 or re-show its form for business reasons). A 404 is never
  "allowed": the object is real;
- the same role on an object it may not act on: 403, or 404 where ``FORBIDDEN_STATUS``
  says so (import files, named by a random token);
- a pair that does not belong together (own delivery, another's photo): 404 for all;
- whatever a field user or sponsor may open (lists too) never names the other sponsor
  or the child in another kelurahan.

Routes with an object parameter must name their kind in ``ROUTE_OBJECTS``; a new route
without an entry fails ``test_every_object_route_names_its_kind``.
"""

from datetime import timedelta

import pytest
import time_machine
from flask import url_for

from asuh import create_app
from asuh.extensions import db, limiter
from asuh.permissions import (
    READ_PERMISSIONS,
    ROLE_PERMISSIONS,
    SELF_SERVICE_ENDPOINTS,
    Permission,
    Role,
)
from tests import factories
from tests.access_objects import (
    FORBIDDEN_STATUS,
    MINE,
    OTHER,
    OTHER_NAMES,
    PAIRS,
    SCOPED_ROLES,
    VARIANTS,
    World,
)
from tests.clock import last_0430_wib
from tests.conftest import PASSWORD, _wipe, sign_in
from tests.factories import ROLES

ANONYMOUS = "anonymous"
MISSING = object()

ROUTE_OBJECTS = {
    "accounts.user_detail": "user", "accounts.activate_user": "user",
    "accounts.deactivate_user": "user", "accounts.change_role": "user",
    "accounts.change_scope": "user",
    "regions.field_assignment": "user",
    "contributions.commodity": "commodity", "contributions.commodity_active": "commodity",
    "contributions.add_unit": "commodity",
    "contributions.update_unit": "unit", "contributions.unit_active": "unit",
    "children.detail": "child", "children.edit": "child", "children.growth_chart": "child",
    "children.record_measurement": "child", "children.change_status": "child",
    "children.move": "child",
    "children.void_measurement": "measurement",
    "children.import_preview": "import_upload", "children.import_confirm": "import_upload",
    "children.import_discard": "import_upload", "children.import_rejected": "import_upload",
    "matching.pair": "child", "matching.own_child_growth_chart": "child",
    "matching.match_detail": "match", "matching.end": "match",
    "contributions.create": "match",
    "contributions.detail": "contribution", "contributions.edit": "contribution",
    "contributions.add_photos": "contribution", "contributions.confirm": "contribution",
    "contributions.reject": "contribution", "contributions.void": "contribution",
    "contributions.undo_confirm": "contribution",
    "contributions.photo": "photo", "contributions.photo_thumbnail": "photo",
    "letters.detail": "letter", "letters.download": "letter",
    "letters.own_download": "letter", "letters.verify": "letter_token",
    "sponsors.detail": "sponsor", "sponsors.edit": "sponsor", "sponsors.approve": "sponsor",
    "sponsors.reject": "sponsor",
    "sponsors.reissue_invitation": "sponsor", "sponsors.withdraw": "sponsor",
    "sponsors.invitation": "invitation", "sponsors.issue_password_reset": "sponsor",
    "accounts.issue_password_reset": "user", "accounts.reset_password": "reset_token",
    "sponsors.decide_capacity": "sponsor",
    "api.get_child": "child", "api.record_measurement": "child",
    "api.end_match": "match", "api.match_progress": "match",
    "api.get_contribution": "contribution", "api.update_contribution": "contribution",
    "api.add_contribution_photo": "contribution", "api.verify_contribution": "contribution",
    "api.void_contribution": "contribution", "api.get_contribution_photo": "photo",
    "api.get_letter_pdf": "letter",
    "api.get_sponsor": "sponsor", "api.approve_sponsor": "sponsor",
    "settings.region": "region", "settings.update_region": "region",
    "jobs.detail": "job", "jobs.status": "job", "jobs.cancel": "job", "jobs.download": "job",
}

# Gaps the matrix found whose fix lies in asuh/api/ (another engineer's): strict, so the
# mark fails the run as soon as the fix lands and must then be removed.
KNOWN_GAPS: dict[tuple[str, str, str], str] = {}


def _route_list(app):
    rows = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        declared = getattr(view, "required_permission", MISSING)
        if declared not in (None, MISSING):
            declared = view.required_permissions
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            rows.append((rule.endpoint, method, rule, declared))
    return sorted(rows, key=lambda r: (r[0], r[1]))


# The routes are read from an app made for reading its URL map only, so that every
# (route, method, role) is its own test case, and a known gap its own strict xfail.
_ROUTES = {(e, m): (rule, declared) for e, m, rule, declared in
           _route_list(create_app({"TESTING": True, "SECRET_KEY": "x",
                                   "SQLALCHEMY_DATABASE_URI": "sqlite://"}))}


def _case(endpoint, method, role):
    reason = KNOWN_GAPS.get((endpoint, method, role))
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(endpoint, method, role, marks=marks,
                        id=f"{endpoint}-{method}-{role}")


CASES = [_case(e, m, r) for (e, m) in _ROUTES for r in (*ROLES, ANONYMOUS)]


# --- the world: built once per module ---------------------------------------------------


@pytest.fixture(autouse=True)
def _clean_state():
    """Replaces conftest's per-test wipe: the world below is built once for the module,
    and every write gets fresh objects of its own (``FRESH_FOR_WRITES``)."""
    yield


def built_world(app):
    """The object world for a module's tests (a generator for a module fixture)."""
    # Built an hour before the suite's 04:30 WIB (tests/conftest.py), on a ticking clock:
    # the sign-in cookies it makes are signed in the past of every test that uses them
    # (itsdangerous refuses a signature from the future).
    # The travel ends before the tests run: each test's own travel starts from the real
    # clock (``suite_moment``), not from this one.
    world = _build_world(app)
    with time_machine.travel(last_0430_wib() - timedelta(hours=1), tick=True):
        built = next(world)
    yield built
    next(world, None)


@pytest.fixture(scope="module")
def world(app):
    yield from built_world(app)


def _build_world(app):
    _wipe(app)
    with app.app_context():
        limiter.reset()
        created = {role: factories.user(role) for role in ROLES}
        db.session.commit()
        users = {role: (u.id, u.email) for role, u in created.items()}
    with app.app_context():
        built = World(users).build()
    clients = {ANONYMOUS: (app.test_client(), {})}
    for role in ROLES:
        client = app.test_client()
        assert sign_in(client, users[role][1]).status_code == 302
        token = app.test_client().post("/api/v1/tokens", json={
            "email": users[role][1], "password": PASSWORD}).json["token"]
        clients[role] = (client, {"Authorization": f"Bearer {token}"})
    built.clients = clients
    yield built
    _wipe(app)


def _url(app, endpoint, params):
    with app.test_request_context():
        return url_for(endpoint, **params)


def _request(world, role, method, url, *, client=None, body=None, bearer=None):
    the_client, shared_bearer = world.clients[role]
    the_client = client or the_client
    bearer = bearer or shared_bearer
    if url.startswith("/api/"):
        body = {"json": body or {}} if method != "GET" else {}
        return the_client.open(url, method=method, headers=bearer, **body)
    return the_client.open(url, method=method, **({"data": {}} if method != "GET" else {}))


def _opens(declared, role: str, endpoint: str, method: str) -> bool:
    if not declared & ROLE_PERMISSIONS[Role(role)]:
        return False
    # Behind the table, an auditor's write never reaches a view (refuse_auditor_writes).
    return not (role == "auditor" and method != "GET" and endpoint not in SELF_SERVICE_ENDPOINTS)


def _denied_as_anonymous(url, response) -> bool:
    if url.startswith("/api/"):
        return response.status_code == 401
    return response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(("endpoint", "method", "role"), CASES)
def test_route_role_object(app, world, endpoint, method, role):
    _rule, declared = _ROUTES[(endpoint, method)]
    kind = ROUTE_OBJECTS.get(endpoint)
    write = method != "GET"
    client = None
    if endpoint == "accounts.logout" and role != ANONYMOUS:
        # Signing out ends the session: sign a second client in for it.
        client = app.test_client()
        assert sign_in(client, world.users[role][1]).status_code == 302
    bearer = None
    if endpoint == "api.revoke_current_token" and role != ANONYMOUS:
        # Revoking ends the calling token: take a second one for it.
        token = app.test_client().post("/api/v1/tokens", json={
            "email": world.users[role][1], "password": PASSWORD}).json["token"]
        bearer = {"Authorization": f"Bearer {token}"}

    if declared is None or role == ANONYMOUS or not _opens(declared, role, endpoint, method):
        # Public, anonymous or turned away by the decorator: any real object will do.
        if kind and not VARIANTS[kind]:  # a public link: the token is the key
            reference = world.params[kind][MINE]
        else:
            reference = world.reference(kind) if kind else {}
        url = _url(app, endpoint, reference)
        response = _request(world, role, method, url, client=client, bearer=bearer)
        if declared is None:
            assert response.status_code not in (401, 403, 404), (url, response.status_code)
        elif role == ANONYMOUS:
            assert _denied_as_anonymous(url, response), (url, response.status_code)
        else:
            assert response.status_code == 403, (url, response.status_code)
        return

    with app.app_context():
        may, may_not = world.objects(kind, role, fresh=write) if kind else ({}, None)
    if may is None:
        pytest.fail(f"{role} passes @requires({', '.join(sorted(declared))}) on {endpoint} "
                    f"but may act on no {kind}: the route declares more than it serves")
    url = _url(app, endpoint, may)
    response = _request(world, role, method, url, client=client, bearer=bearer)
    assert response.status_code not in (401, 403, 404), (
        f"{role} refused its own {kind or 'route'}", url, response.status_code)
    if role in SCOPED_ROLES and method == "GET":
        # What the role may open, list or download shows nothing of what it may not.
        shown = [name for name in OTHER_NAMES.values() if name.encode() in response.data]
        assert shown == [], (f"{role} shown another's records", url)
    if may_not is not None:
        url = _url(app, endpoint, may_not)
        response = _request(world, role, method, url, client=client, bearer=bearer)
        assert response.status_code == FORBIDDEN_STATUS[kind], (
            f"{role} not refused another's {kind}", url, response.status_code)
    if kind in PAIRS:
        # Own parent, another's child object: not found under that parent, whoever asks.
        inner = PAIRS[kind]
        url = _url(app, endpoint, {**may, inner: world.params[kind][OTHER][inner]})
        response = _request(world, role, method, url, client=client, bearer=bearer)
        assert response.status_code == 404, ("crossed pair not refused", url,
                                             response.status_code)


@pytest.mark.parametrize("role", ["admin", "sponsor"])
def test_delivery_logged_for_a_match_named_in_the_body(app, world, role):
    """POST /api/v1/contributions names its match in the body, not the URL: a sponsor
    logs for their own match only (another's is 403), an admin for any."""
    from tests.factories import RICE_2_KARUNG

    with app.app_context():
        may, may_not = world.objects("match", role, fresh=False)
        start = world.match_start
    outcomes = {}
    for name, params in (("may", may), ("may not", may_not or world.params["match"][OTHER])):
        response = _request(world, role, "POST", "/api/v1/contributions", body={
            "match_id": params["match_id"], "delivered_on": start.isoformat(),
            "items": [dict(RICE_2_KARUNG)]})
        outcomes[name] = response.status_code
    assert outcomes == {"may": 201, "may not": 403 if role == "sponsor" else 201}


# --- the tables themselves ----------------------------------------------------------------


def test_every_view_declares_its_access():
    undeclared = sorted({e for (e, _), (_, declared) in _ROUTES.items() if declared is MISSING})
    assert undeclared == []


def test_every_object_route_names_its_kind():
    with_objects = {e for (e, _), (rule, _) in _ROUTES.items() if rule.arguments}
    assert sorted(with_objects - ROUTE_OBJECTS.keys()) == [], "add them to ROUTE_OBJECTS"
    assert sorted(ROUTE_OBJECTS.keys() - with_objects) == [], "stale ROUTE_OBJECTS entries"
    assert set(ROUTE_OBJECTS.values()) <= VARIANTS.keys()


def test_known_gaps_name_real_cases():
    assert set(KNOWN_GAPS) <= {(e, m, r) for (e, m) in _ROUTES for r in (*ROLES, ANONYMOUS)}


def test_signed_in_is_declared_alone():
    """SIGNED_IN is for routes that serve every account alike (its own session and
    password, the landing page). Any-of with it would open the route to every role, so a
    route declaring it next to another permission is checking the other one inside."""
    mixed = sorted(e for (e, _), (_, declared) in _ROUTES.items()
                   if declared not in (None, MISSING) and Permission.SIGNED_IN in declared
                   and len(declared) > 1)
    assert mixed == []
    assert all(Permission.SIGNED_IN in perms for perms in ROLE_PERMISSIONS.values())


def test_auditor_holds_no_write_permission():
    assert ROLE_PERMISSIONS[Role.AUDITOR] <= READ_PERMISSIONS
    assert all(p.value.startswith(("view_", "export_", "signed_in")) for p in READ_PERMISSIONS)
