"""Fixtures: a migrated database per test run (SQLite file or throwaway PostgreSQL),
wiped between tests; app, client, runner and sign-in helpers."""

import os
import re
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import create_engine, text

from asuh import create_app
from asuh.extensions import db, limiter
from asuh.letters.signing import install_signing_certificate
from tests import factories
from tests.clock import suite_moment
from tests.postgres import PostgresUnavailable, start_server

PASSWORD = factories.PASSWORD
PG_URL_ENV = "ASUH_TEST_POSTGRES_URL"


def pytest_addoption(parser):
    parser.addoption("--postgres", action="store_true",
                     help="run against a throwaway PostgreSQL server started for the run")


def pytest_configure(config):
    # Only the controlling process starts the server; xdist workers inherit its URL.
    # A PostgreSQL pass that cannot have its server is an error, never a run of skips
    # that exits 0 (it used to be, on a machine without the binaries).
    if config.getoption("--postgres") and not os.environ.get("PYTEST_XDIST_WORKER"):
        try:
            server = start_server()
        except PostgresUnavailable as exc:
            raise pytest.UsageError(f"--postgres: {exc}") from None
        os.environ[PG_URL_ENV] = server.url
        config._asuh_pg = server


def pytest_unconfigure(config):
    server = getattr(config, "_asuh_pg", None)
    if server is not None:
        server.stop()


def _database_url(tmp_dir: Path) -> str:
    server_url = os.environ.get(PG_URL_ENV)
    if not server_url:
        return f"sqlite:///{tmp_dir / 'test.db'}"
    name = "asuh_test_" + os.environ.get("PYTEST_XDIST_WORKER", "main")
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server_url.rsplit("/", 1)[0] + "/" + name


def app_settings(tmp_dir: Path, database_url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        # The audit chain's key; never the instance file of the checkout running the tests.
        "AUDIT_KEY": "test-audit-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        # Production hashes with scrypt (~150 ms); tests need thousands of hashes.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "UPLOAD_FOLDER": str(tmp_dir / "uploads"),
        "LETTER_FOLDER": str(tmp_dir / "letters"),
        # Letters are signed: with an installation CA made once per run (see the app fixture).
        "SIGNING_FOLDER": str(tmp_dir / "signing"),
    }


@pytest.fixture(scope="session")
def tmp_dir():
    with tempfile.TemporaryDirectory(prefix="asuh-test-") as path:
        yield Path(path)


@pytest.fixture(scope="session")
def database_url(request, tmp_dir):
    if request.config.getoption("--postgres") and not os.environ.get(PG_URL_ENV):
        # Never fall back to SQLite in a pass that says it runs on PostgreSQL.
        pytest.fail(f"--postgres given but no server URL in {PG_URL_ENV}", pytrace=False)
    return _database_url(tmp_dir)


@pytest.fixture(scope="session")
def app(tmp_dir, database_url):
    from flask_migrate import upgrade

    app = create_app(app_settings(tmp_dir, database_url))
    with app.app_context():
        upgrade()
        # Made "a year ago": tests travel to fixed moments (1 December 2026, 04:27 WIB …)
        # and the installation's certificate must already be valid there, as a real
        # installation's is for every letter it issues.
        with time_machine.travel(datetime.now(UTC) - timedelta(days=365), tick=False):
            install_signing_certificate()
    yield app
    with app.app_context():
        db.engine.dispose()


def _wipe(app) -> None:
    from asuh.audit import appendonly

    with app.app_context():
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            # The audit trail refuses DELETE (a trigger): lift it for the wipe, then put it
            # back, also after a tamper test that dropped it to act behind the app's back.
            appendonly.remove(conn)
            if db.engine.dialect.name == "postgresql":
                conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables)
                                  + " RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(text(f'DELETE FROM "{table}"'))
            appendonly.install(conn)


@pytest.fixture(autouse=True)
def _clean_state(request):
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    _wipe(app)
    with app.app_context():
        limiter.reset()
    yield


@pytest.fixture(autouse=True)
def installation_clock(request):
    """Every test runs at 04:30 WIB (21:30 UTC the day before), the clock ticking from
    there: the hours when a server's UTC date is not Indonesia's. ``@pytest.mark.clock(m)``
    puts a test at the aware moment ``m`` instead. Browser journeys keep the real clock:
    Chromium's own clock judges cookie lifetimes and cannot travel with the server."""
    marker = request.node.get_closest_marker("clock")
    if request.node.get_closest_marker("browser") and marker is None:
        yield None
        return
    moment = marker.args[0] if marker and marker.args else suite_moment()
    with time_machine.travel(moment, tick=marker.kwargs.get("tick", True)
                             if marker else True) as traveller:
        yield traveller


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def sign_in(client, email: str, password: str = PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


@pytest.fixture
def users(app):
    """One active user per role, created through the account service."""
    with app.app_context():
        created = {role: factories.user(role) for role in factories.ROLES}
        db.session.commit()
        return {role: (u.id, u.email) for role, u in created.items()}


@pytest.fixture
def login(client, users):
    """``login('officer')`` signs the test client in as that role's user."""

    def _login(role: str, the_client=None):
        target = the_client or client
        response = sign_in(target, users[role][1])
        assert response.status_code == 302, response.text
        return target

    return _login


@pytest.fixture
def regions(app):
    """Kota Pangkalpinang's kecamatan and kelurahan, as a default install has them."""
    from asuh.regions.regionfile import default_region_file, parse_region_csv
    from asuh.regions.services import import_regions

    with app.app_context():
        import_regions(parse_region_csv(default_region_file().read_bytes()))
        db.session.commit()


@pytest.fixture
def province(app):
    """The whole province of Kepulauan Bangka Belitung: seven kabupaten/kota (issue 15)."""
    from asuh.regions.regionfile import parse_region_csv, province_region_file
    from asuh.regions.services import import_regions

    with app.app_context():
        import_regions(parse_region_csv(province_region_file().read_bytes()))
        db.session.commit()


@pytest.fixture
def api_token(client, users):
    def _token(role: str) -> dict:
        response = client.post("/api/v1/tokens",
                               json={"email": users[role][1], "password": PASSWORD})
        assert response.status_code == 201, response.text
        return {"Authorization": f"Bearer {response.json['token']}"}

    return _token
