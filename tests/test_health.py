"""``/healthz`` for the load balancer (issue 16): 200 when this app server reaches the
database, Redis (when configured) and its file store, 503 naming what it cannot reach;
open to anyone, never rate-limited, audited or given a session cookie."""

import pytest
from sqlalchemy import func, select

from asuh import create_app
from asuh.audit.models import AuditRecord
from asuh.extensions import db
from tests.conftest import app_settings
from tests.mailserver import free_port
from tests.redisserver import redis_server


def _server(tmp_dir, database_url, **settings):
    return create_app({**app_settings(tmp_dir, database_url), **settings})


def _health(server):
    response = server.test_client().get("/healthz")
    return response.status_code, response.json, response


def _audited(server) -> int:
    with server.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditRecord))


@pytest.mark.parametrize("backend", ["local", "database"])
def test_ok_with_everything_reachable(app, users, tmp_dir, database_url, backend, tmp_path):
    server = _server(tmp_dir, database_url, STORAGE=backend,
                     UPLOAD_FOLDER=str(tmp_path / "uploads"))
    before = _audited(server)
    status, body, response = _health(server)
    assert status == 200, body
    assert body == {"status": "ok", "checks": {
        "database": "ok", "redis": "not configured", "storage": "ok", "audit_key": "ok"}}
    assert response.mimetype == "application/json"
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    assert _audited(server) == before  # asked every few seconds: never in the trail
    # The local store's probe leaves nothing behind.
    assert not list((tmp_path / "uploads").glob(".healthz*"))


def test_an_unreadable_sqlite_database_is_503(app, tmp_dir, tmp_path):
    # A file SQLite cannot read as a database (a disk fault, a half-copied restore; the
    # tests run as root, so a chmod would not stop it).
    (tmp_path / "asuh.db").write_bytes(b"not a database " * 512)
    server = _server(tmp_dir, f"sqlite:///{tmp_path / 'asuh.db'}")
    status, body, _ = _health(server)
    assert status == 503 and body["status"] == "fail"
    assert body["checks"]["database"] == "failed (DatabaseError)"
    assert body["checks"]["audit_key"] == "skipped (no database)"
    assert body["checks"]["storage"] == "ok"  # the local folder is still writable


def test_a_stopped_postgresql_is_503_and_its_password_is_not_shown(app, tmp_dir, tmp_path):
    # Nothing listens on the port: what a load balancer sees of a stopped server.
    url = f"postgresql+psycopg://asuh:s3cret-pw@127.0.0.1:{free_port()}/asuh?connect_timeout=2"
    server = _server(tmp_dir, url, STORAGE="database")
    status, body, response = _health(server)
    assert status == 503
    assert body["checks"]["database"] == "failed (OperationalError)"
    assert body["checks"]["storage"].startswith("failed")  # the store is in that database
    assert b"s3cret" not in response.data and b"127.0.0.1" not in response.data
    assert b"Traceback" not in response.data


def test_redis_configured_and_down_is_503_and_up_is_ok(app, tmp_dir, database_url,
                                                       tmp_path):
    down = _server(tmp_dir, database_url, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    status, body, _ = _health(down)
    assert status == 503 and body["checks"]["redis"] == "failed (ConnectionError)"
    assert body["checks"]["database"] == "ok"
    with redis_server(tmp_path) as url:
        status, body, _ = _health(_server(tmp_dir, database_url, REDIS_URL=url))
    assert status == 200 and body["checks"]["redis"] == "ok"


def test_an_unwritable_upload_folder_is_503(app, tmp_dir, database_url, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the upload folder should be")
    status, body, _ = _health(_server(tmp_dir, database_url,
                                      UPLOAD_FOLDER=str(blocker / "uploads")))
    assert status == 503
    assert body["checks"]["storage"].startswith("failed (the upload folder cannot be written")
    assert str(tmp_path) not in body["checks"]["storage"]


def test_a_server_with_another_audit_key_is_taken_out(app, users, tmp_dir, database_url):
    """A server started without the shared ASUH_AUDIT_KEY would make its own and seal
    records the others' ``audit verify`` calls forged: the balancer must not use it."""
    status, body, _ = _health(_server(tmp_dir, database_url, AUDIT_KEY="a-key-of-its-own"))
    assert status == 503
    assert body["checks"]["audit_key"].startswith("failed (the newest audit record is "
                                                  "sealed with another key")
