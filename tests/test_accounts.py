"""Signing in and out, sessions, passwords, throttling, and the admin's user pages."""

import pytest
from sqlalchemy import select

from asuh.accounts.models import User
from asuh.audit.models import AuditRecord
from asuh.extensions import db
from tests.conftest import PASSWORD, csrf_token, sign_in


def test_login_lands_on_home_and_logout_ends_the_session(client, users, app):
    response = sign_in(client, users["officer"][1])
    assert response.status_code == 302
    home = client.get("/home")
    assert home.status_code == 200
    assert "Petugas Dinas" in home.text
    assert client.post("/logout").status_code == 302
    assert client.get("/home").status_code == 302  # back to the login page


def test_wrong_password_is_refused_and_audited(client, users, app):
    response = sign_in(client, users["officer"][1], "wrong-password")
    assert response.status_code == 200
    assert "Email atau kata sandi salah" in response.text
    assert client.get("/home").status_code == 302
    with app.app_context():
        actions = db.session.scalars(select(AuditRecord.action)).all()
    assert "login_failed" in actions


def test_rejected_login_keeps_the_email_typed(client, users):
    response = sign_in(client, users["officer"][1], "wrong-password")
    assert f'value="{users["officer"][1]}"' in response.text


def test_login_ignores_offsite_next(client, users):
    response = client.post("/login?next=https://evil.example/x",
                           data={"email": users["admin"][1], "password": PASSWORD})
    assert response.headers["Location"] == "/"
    response = client.post("/logout")
    response = client.post("/login?next=/admin/users",
                           data={"email": users["admin"][1], "password": PASSWORD})
    assert response.headers["Location"] == "/admin/users"


def _session_cookie(client):
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def test_cookie_captured_before_logout_no_longer_works(app, client, users):
    sign_in(client, users["officer"][1])
    stolen = _session_cookie(client)
    client.post("/logout")
    attacker = app.test_client()
    attacker.set_cookie("session", stolen)
    assert attacker.get("/home").status_code == 302


def test_cookie_captured_before_password_change_no_longer_works(app, client, users, api_token):
    sign_in(client, users["officer"][1])
    stolen = _session_cookie(client)
    token = api_token("officer")
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "a-brand-new-secret",
        "confirm_password": "a-brand-new-secret",
    })
    assert response.status_code == 302
    assert client.get("/home").status_code == 200  # the changer stays signed in
    attacker = app.test_client()
    attacker.set_cookie("session", stolen)
    assert attacker.get("/home").status_code == 302
    assert app.test_client().get("/api/v1/me", headers=token).status_code == 401
    fresh = app.test_client()
    assert sign_in(fresh, users["officer"][1], "a-brand-new-secret").status_code == 302


def test_password_change_rejects_wrong_current_password(client, login):
    login("sponsor")
    response = client.post("/account/password", data={
        "current_password": "not-it-at-all", "new_password": "a-brand-new-secret",
        "confirm_password": "a-brand-new-secret",
    })
    assert response.status_code == 200
    assert "Kata sandi saat ini salah" in response.text


def test_session_cookie_flags(client, users):
    response = sign_in(client, users["officer"][1])
    header = response.headers["Set-Cookie"]
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header


def test_secure_cookie_when_configured_for_https(tmp_dir, database_url, users):
    from asuh import create_app
    from tests.conftest import app_settings

    https_app = create_app({**app_settings(tmp_dir, database_url), "SESSION_COOKIE_SECURE": True})
    response = https_app.test_client().post(
        "/login", data={"email": users["officer"][1], "password": PASSWORD})
    assert "Secure" in response.headers["Set-Cookie"]


def test_five_wrong_passwords_lock_the_email(client, users):
    email = users["officer"][1]
    for _ in range(5):
        assert sign_in(client, email, "wrong-password").status_code == 200
    locked = sign_in(client, email, PASSWORD)
    assert locked.status_code == 429
    assert "Terlalu banyak percobaan" in locked.text
    # Another account from the same place is not locked by it.
    assert sign_in(client, users["admin"][1]).status_code == 302


def test_api_token_endpoint_is_throttled_too(client, users):
    email = users["officer"][1]
    for _ in range(5):
        response = client.post("/api/v1/tokens", json={"email": email, "password": "nope"})
        assert response.status_code == 401
    response = client.post("/api/v1/tokens", json={"email": email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Terlalu banyak percobaan" in response.json["message"]


def test_deactivated_user_cannot_log_in_and_loses_sessions(app, client, users, login):
    other = app.test_client()
    sign_in(other, users["officer"][1])
    login("admin")
    officer_id = users["officer"][0]
    response = client.post(f"/admin/users/{officer_id}/deactivate",
                           data={"reason": "Pindah tugas"})
    assert response.status_code == 302
    assert other.get("/home").status_code == 302
    assert sign_in(app.test_client(), users["officer"][1]).status_code == 200
    with app.app_context():
        officer = db.session.get(User, officer_id)
        assert officer is not None and not officer.active
        assert officer.deactivation_reason == "Pindah tugas"


def test_deactivation_needs_a_reason(client, users, login, app):
    login("admin")
    client.post(f"/admin/users/{users['officer'][0]}/deactivate", data={"reason": ""})
    with app.app_context():
        assert db.session.get(User, users["officer"][0]).active


def test_admin_creates_and_reroles_a_user(client, login, app):
    login("admin")
    response = client.post("/admin/users/new", data={
        "name": "Dewi Bidan", "email": "Dewi@Example.id", "role": "field",
        "password": "bidan-secret-1",
    })
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "dewi@example.id"))
        assert user.role == "field"
        user_id = user.id
    client.post(f"/admin/users/{user_id}/role", data={"role": "officer"})
    with app.app_context():
        assert db.session.get(User, user_id).role == "officer"


def test_duplicate_email_keeps_the_form(client, login, users):
    login("admin")
    response = client.post("/admin/users/new", data={
        "name": "Twin", "email": users["field"][1], "role": "field", "password": "bidan-secret-1",
    })
    assert response.status_code == 200
    assert "sudah terdaftar" in response.text
    assert 'value="Twin"' in response.text


def test_admin_cannot_deactivate_themself(client, login, users, app):
    login("admin")
    client.post(f"/admin/users/{users['admin'][0]}/deactivate", data={"reason": "oops"})
    with app.app_context():
        assert db.session.get(User, users["admin"][0]).active


def test_users_list_paginates_and_filters(client, login, app):
    from tests import factories

    with app.app_context():
        for _ in range(30):
            factories.user("field")
        db.session.commit()
    login("admin")
    first = client.get("/admin/users?role=field")
    assert "Halaman 1 dari 2" in first.text
    assert client.get("/admin/users?role=field&page=2").status_code == 200
    assert "Tidak ada pengguna" in client.get("/admin/users?q=zzz-nobody").text


@pytest.fixture
def csrf_client(tmp_dir, database_url, app):
    from asuh import create_app
    from tests.conftest import app_settings

    return create_app({**app_settings(tmp_dir, database_url), "WTF_CSRF_ENABLED": True}
                      ).test_client()


def test_forms_require_a_csrf_token(csrf_client, users):
    response = csrf_client.post("/login", data={"email": users["officer"][1],
                                                "password": PASSWORD})
    assert response.status_code == 400
    token = csrf_token(csrf_client.get("/login").text)
    response = csrf_client.post("/login", data={"email": users["officer"][1],
                                                "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert csrf_client.post("/logout").status_code == 400


def test_production_refuses_to_start_without_secret_key(monkeypatch, tmp_path):
    from asuh.config import ConfigError, load_config

    monkeypatch.setenv("ASUH_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        load_config(tmp_path)


def test_development_key_is_generated_once(monkeypatch, tmp_path):
    from asuh.config import load_config

    monkeypatch.delenv("ASUH_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = load_config(tmp_path)["SECRET_KEY"]
    assert len(first) >= 32
    assert load_config(tmp_path)["SECRET_KEY"] == first


def test_default_password_hash_is_scrypt(monkeypatch, tmp_path):
    from asuh.config import load_config

    monkeypatch.delenv("ASUH_PASSWORD_HASH", raising=False)
    assert load_config(tmp_path)["PASSWORD_HASH_METHOD"] == "scrypt"
