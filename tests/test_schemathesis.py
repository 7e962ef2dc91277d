"""Schemathesis against a live server: the API answers as its OpenAPI document says.

Every operation in /api/v1/openapi.json is fuzzed with the roles' tokens over the demo
city (so there are real sponsors, children, matches, deliveries and letters to hit), with
every schemathesis check on. The run fails on any 5xx and on any status code, header, body
or content type the document does not declare.

The server is the app in a thread on its own SQLite file, as the browser journeys run it
(tests/browser/conftest.py); it never touches the suite's `app` fixture.
"""

import tempfile
import threading
import zlib
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from werkzeug.serving import WSGIRequestHandler, make_server

from asuh import create_app
from asuh.extensions import db
from tests.conftest import app_settings

# Bounded so the whole run stays near two minutes on two cores: per operation this many
# fuzzed requests, plus schemathesis' coverage cases (boundaries, one wrong value per
# field, missing auth, unsupported methods).
EXAMPLES_PER_OPERATION = 12
ROLES = ("admin", "officer", "field", "sponsor", "auditor")

# Statuses a request that matches the document may still get: 422 for rules JSON Schema
# cannot state (a NIK's check digits against the birth date, a date inside the match, a
# sponsor's capacity), besides schemathesis' own list for authorisation and conflicts.
ACCEPTED_VALID = ["2xx", "401", "403", "404", "409", "422", "429"]


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


@pytest.fixture(scope="module")
def demo_server():
    from flask_migrate import upgrade

    from asuh.demo import DEMO_PASSWORD, DEMO_USERS, seed_demo
    from asuh.letters.signing import install_signing_certificate

    with tempfile.TemporaryDirectory(prefix="asuh-schemathesis-") as tmp:
        tmp_dir = Path(tmp)
        settings_ = app_settings(tmp_dir, f"sqlite:///{tmp_dir / 'fuzz.db'}")
        # The sign-in limits stay on (the limiter is one object for every app in the
        # process): the tokens are taken before fuzzing starts, and the 429 a fuzzed
        # POST /tokens earns is declared.
        app = create_app(settings_)
        with app.app_context():
            upgrade()
            install_signing_certificate()  # as `flask install` does: letters are signed
            seed_demo()
        server = make_server("127.0.0.1", 0, app, threaded=True,
                             request_handler=_QuietHandler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{server.server_port}"
        tokens = {}
        client = app.test_client()
        for email, role, _ in DEMO_USERS:
            response = client.post("/api/v1/tokens",
                                   json={"email": email, "password": DEMO_PASSWORD})
            assert response.status_code == 201, response.text
            tokens[role] = response.json["token"]
        emails = {role: email for email, role, _ in DEMO_USERS}

        def spare_token(role: str) -> str:
            """A token of its own, through the sign-in service, for a request that ends
            the token it carries (DELETE /tokens/current)."""
            from asuh.accounts import services as accounts

            with app.app_context():
                token, _ = accounts.open_session(accounts.find_user_by_email(emails[role]),
                                                 "api")
                return token

        try:
            yield url, tokens, spare_token
        finally:
            server.shutdown()
            thread.join(timeout=10)
            with app.app_context():
                db.engine.dispose()


def _document() -> dict:
    """The document as the app serves it, read at collection time so that pytest (and
    xdist) see one test per operation; the requests then go to the live server."""
    with tempfile.TemporaryDirectory(prefix="asuh-openapi-") as tmp:
        app = create_app(app_settings(Path(tmp), "sqlite://"))
        return app.test_client().get("/api/v1/openapi.json").json


schema = schemathesis.openapi.from_dict(_document(), config=SchemathesisConfig.from_dict({
    # The bearer token is ours to send (one role's per request), so schemathesis does not
    # make up Authorization values; its ignored_auth check still sends requests without.
    "generation": {"max-examples": EXAMPLES_PER_OPERATION, "deterministic": True,
                   "with-security-parameters": False},
    "phases": {"stateful": {"enabled": False}},
    "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED_VALID}},
}))


def _role_for(case) -> str:
    """Each generated request goes out with one role's token, chosen from the request
    itself: every role is used across the cases, and a failing case replays (and
    shrinks) with the same role."""
    seen = repr((case.path_parameters, case.query, case.body, case.headers))
    return ROLES[zlib.crc32(seen.encode()) % len(ROLES)]


@pytest.fixture(scope="module", autouse=True)
def _sqlite_pass_only(request):
    # The server is its own SQLite app whatever the suite's database, so the PostgreSQL
    # pass would repeat the same run.
    if request.config.getoption("--postgres"):
        pytest.skip("schemathesis runs once, in the SQLite pass")


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_matches_its_document(case, demo_server):
    url, tokens, spare_token = demo_server
    role = _role_for(case)
    # Revoking the role's shared token would turn every later case into a 401.
    token = (spare_token(role) if (case.method, case.path) == ("DELETE", "/api/v1/tokens/current")
             else tokens[role])
    case.call_and_validate(base_url=url, headers={"Authorization": f"Bearer {token}"})
