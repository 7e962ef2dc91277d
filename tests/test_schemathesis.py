"""Schemathesis against a live server: the API answers as its OpenAPI document says.

Every operation in /api/v1/openapi.json is fuzzed with every role's token over the demo
city (so there are real sponsors, children, matches, deliveries and letters to hit), with
every schemathesis check on. The run fails on any 5xx and on any status code, header, body
or content type the document does not declare.

The server is the app in a thread on its own SQLite file, as the browser journeys run it
(tests/browser/conftest.py); it never touches the suite's `app` fixture.
"""

import tempfile
import threading
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from werkzeug.serving import WSGIRequestHandler, make_server

from asuh import create_app
from asuh.extensions import db
from tests.conftest import app_settings

# Bounded so the whole run stays near two minutes on two cores: each generated request is
# sent once per role, so an operation gets about 5 × this many requests in the fuzzing
# phase, plus schemathesis' coverage cases (boundaries and one wrong value per field).
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

    with tempfile.TemporaryDirectory(prefix="asuh-schemathesis-") as tmp:
        tmp_dir = Path(tmp)
        settings_ = app_settings(tmp_dir, f"sqlite:///{tmp_dir / 'fuzz.db'}")
        # The sign-in limit would turn the fuzzed POST /tokens into 429s for our own
        # token requests; 429 itself is still declared and checked.
        settings_["RATELIMIT_ENABLED"] = False
        app = create_app(settings_)
        with app.app_context():
            upgrade()
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
        try:
            yield url, tokens
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
    "generation": {"max-examples": EXAMPLES_PER_OPERATION, "deterministic": True},
    "phases": {"stateful": {"enabled": False}},
    "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED_VALID}},
}))


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_matches_its_document(case, demo_server):
    url, tokens = demo_server
    for role in ROLES:
        case.call_and_validate(base_url=url,
                               headers={"Authorization": f"Bearer {tokens[role]}"})
