"""Operator-side hardening from issue 12: no demo data in production, owner-only files,
HSTS when HTTPS is on."""

import os
import stat

from sqlalchemy import func, select

from asuh import create_app
from asuh.accounts.models import User
from asuh.config import load_config
from asuh.extensions import db
from tests.conftest import app_settings


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_demo_seed_is_refused_in_production(runner, app, monkeypatch):
    monkeypatch.setitem(app.config, "ASUH_ENV", "production")
    for args in (["demo", "seed"], ["demo", "seed", "--if-empty"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1, result.output
        assert "refused under ASUH_ENV=production" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0


def test_instance_folder_is_owner_only_even_if_it_existed(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x")
    made = tmp_path / "made"
    load_config(made)
    assert _mode(made) == 0o700
    existing = tmp_path / "existing"
    existing.mkdir(mode=0o755)
    existing.chmod(0o755)
    load_config(existing)
    assert _mode(existing) == 0o700


def test_sqlite_database_and_its_wal_are_owner_only(tmp_path):
    old_umask = os.umask(0o022)  # a typical service umask: files would be world-readable
    try:
        path = tmp_path / "fresh.db"
        fresh = create_app(app_settings(tmp_path, f"sqlite:///{path}"))
        with fresh.app_context():
            from flask_migrate import upgrade

            upgrade()
            with db.engine.connect() as conn:
                assert (tmp_path / "fresh.db-wal").exists()
                assert _mode(tmp_path / "fresh.db-wal") == 0o600
                conn.exec_driver_sql("SELECT 1")
            db.engine.dispose()
        assert _mode(path) == 0o600
    finally:
        os.umask(old_umask)


def test_hsts_only_when_https_is_on(client, app, monkeypatch):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    monkeypatch.setitem(app.config, "HSTS_SECONDS", 31536000)
    assert client.get("/login").headers["Strict-Transport-Security"] == "max-age=31536000"


def test_production_turns_hsts_on_and_plain_http_off(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.setenv("ASUH_ENV", "production")
    assert load_config(tmp_path)["HSTS_SECONDS"] == 31536000
    monkeypatch.setenv("ASUH_HTTPS", "0")
    assert load_config(tmp_path)["HSTS_SECONDS"] == 0
