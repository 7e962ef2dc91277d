"""A way back in (reset links, "Lupa kata sandi"), one's own API tokens, and a registration
page that does not tell who is registered."""

import re

import pytest
from sqlalchemy import select

from asuh.accounts import resets, throttle
from asuh.accounts.models import LoginSession, User
from asuh.audit.models import AuditRecord
from asuh.extensions import db
from asuh.sponsors import services as sponsors
from asuh.sponsors import signup
from asuh.sponsors.models import Sponsor
from tests import factories
from tests.conftest import PASSWORD, sign_in
from tests.test_sponsors_registration import registration

NEW_PASSWORD = "kopi-susu-pagi-hari"
ATTACKER = {"REMOTE_ADDR": "203.0.113.66"}


def _reset_url(page: str) -> str:
    match = re.search(r'value="(http://[^"]+/reset/[^"]+)"', page)
    assert match, "no reset link shown"
    return match.group(1).split("localhost", 1)[-1]


@pytest.fixture
def sponsor_account(app, users, regions):
    """The sponsor of the `users` fixture, with its record (approved by an officer)."""
    with app.app_context():
        sponsor = factories.sponsor(email=users["sponsor"][1],
                                    actor=db.session.get(User, users["officer"][0]))
        db.session.commit()
        return sponsor.id, users["sponsor"][1]


def test_officer_reset_link_opens_a_locked_account_and_ends_every_session(
        app, client, login, users, sponsor_account):
    sponsor_id, email = sponsor_account
    owner_browser = app.test_client()
    assert sign_in(owner_browser, email).status_code == 302
    api = app.test_client().post("/api/v1/tokens", json={"email": email, "password": PASSWORD})
    bearer = {"Authorization": f"Bearer {api.json['token']}"}
    # Someone locks the account from the owner's own network.
    for attempt in range(25):
        app.test_client().post("/login", data={"email": email, "password": f"guess-{attempt}"},
                               environ_base={"REMOTE_ADDR": f"203.0.113.{attempt // 5 + 1}"})
    assert sign_in(app.test_client(), email).status_code == 429

    login("officer")
    assert client.post(f"/sponsors/{sponsor_id}/password-reset").status_code == 302
    page = client.get(f"/sponsors/{sponsor_id}").text
    assert "Kirim lewat WhatsApp" in page and "wa.me/62" in page
    url = _reset_url(page)
    assert "Tautan atur ulang kata sandi" not in client.get(f"/sponsors/{sponsor_id}").text

    stranger = app.test_client()
    assert email in stranger.get(url).text
    response = stranger.post(url, data={"password": NEW_PASSWORD,
                                        "confirm_password": NEW_PASSWORD})
    assert response.status_code == 302
    # Every earlier session and token ended; the lock is lifted; the link is spent.
    assert owner_browser.get("/me/sponsor").status_code == 302
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 401
    assert sign_in(app.test_client(), email, NEW_PASSWORD).status_code == 302
    assert stranger.get(url).status_code == 410
    with app.app_context():
        actions = list(db.session.scalars(select(AuditRecord.action)
                                          .order_by(AuditRecord.id.desc()).limit(3)))
    assert "reset_password" in actions


def test_reset_link_meets_the_password_policy(app, users):
    with app.app_context():
        token = resets.make_reset_token(db.session.get(User, users["field"][0]))
    response = app.test_client().post(f"/reset/{token}", data={
        "password": "1234567890", "confirm_password": "1234567890"})
    assert response.status_code == 200 and "paling sering dipakai" in response.text
    assert sign_in(app.test_client(), users["field"][1]).status_code == 302


def test_forged_reset_link_is_refused(client):
    assert client.get("/reset/not-a-real-token").status_code == 404


def test_admin_issues_reset_links_for_staff_officers_only_for_sponsors(
        app, client, login, users, sponsor_account):
    login("admin")
    assert client.post(f"/admin/users/{users['field'][0]}/password-reset").status_code == 302
    assert "/reset/" in client.get(f"/admin/users/{users['field'][0]}").text
    with app.app_context():
        officer = db.session.get(User, users["officer"][0])
        assert resets.may_issue_reset(officer, db.session.get(User, users["sponsor"][0]))
        assert not resets.may_issue_reset(officer, db.session.get(User, users["admin"][0]))
        assert not resets.may_issue_reset(officer, officer)


def test_forgot_password_answers_alike_and_calls_the_mail_hook(app, client, users,
                                                               monkeypatch):
    asked = []
    monkeypatch.setattr(resets, "request_password_reset_email", asked.append)
    known = client.post("/forgot-password", data={"email": users["officer"][1]})
    unknown = client.post("/forgot-password", data={"email": "nobody@example.id"})
    assert known.status_code == unknown.status_code == 200
    assert known.text == unknown.text
    assert asked == [users["officer"][1], "nobody@example.id"]
    assert 'href="/forgot-password"' in client.get("/login").text


def test_reset_clears_the_lockout_from_every_client(app, users):
    email = users["officer"][1]
    for attempt in range(5):
        app.test_client().post("/login", data={"email": email, "password": f"x-{attempt}"},
                               environ_base=ATTACKER)
    with app.test_request_context(environ_base=ATTACKER):
        with pytest.raises(throttle.SignInLocked):
            throttle.ensure_open(email, ATTACKER["REMOTE_ADDR"])
        token = resets.make_reset_token(db.session.get(User, users["officer"][0]))
    app.test_client().post(f"/reset/{token}", data={"password": NEW_PASSWORD,
                                                    "confirm_password": NEW_PASSWORD})
    response = app.test_client().post("/login", data={"email": email,
                                                      "password": NEW_PASSWORD},
                                      environ_base=ATTACKER)
    assert response.status_code == 302


# --- own API tokens ------------------------------------------------------------------------

def test_delete_current_token_revokes_it(client, api_token):
    headers = api_token("field")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.delete("/api/v1/tokens/current", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.delete("/api/v1/tokens/current", headers=headers).status_code == 401


def test_profile_lists_own_tokens_and_revokes_one(app, client, login, users):
    email = users["auditor"][1]
    made = app.test_client().post("/api/v1/tokens", json={
        "email": email, "password": PASSWORD, "label": "Laporan bulanan"})
    headers = {"Authorization": f"Bearer {made.json['token']}"}
    app.test_client().get("/api/v1/me", headers=headers)
    other = app.test_client().post("/api/v1/tokens", json={
        "email": users["officer"][1], "password": PASSWORD, "label": "Milik petugas"})
    login("auditor")
    page = client.get("/account").text
    assert "Laporan bulanan" in page and "Milik petugas" not in page
    assert "Belum pernah" not in page  # its use was noted
    with app.app_context():
        labelled = dict(db.session.execute(select(LoginSession.label, LoginSession.id)
                                           .where(LoginSession.label.is_not(None))).all())
        mine_id, theirs_id = labelled["Laporan bulanan"], labelled["Milik petugas"]
    # Another person's token is not found, and stays live.
    assert client.post("/account/tokens/revoke", data={"token_id": theirs_id}).status_code == 404
    other_headers = {"Authorization": f"Bearer {other.json['token']}"}
    assert app.test_client().get("/api/v1/me", headers=other_headers).status_code == 200
    # An auditor may revoke their own token: it changes nothing but their own access.
    response = client.post("/account/tokens/revoke", data={"token_id": mine_id})
    assert response.status_code == 302
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 401
    assert "Laporan bulanan" not in client.get("/account").text


# --- registration: no oracle, and a second chance --------------------------------------------

def _page(response, email) -> str:
    return response.text.replace(email, "EMAIL")


def test_registration_answers_alike_for_new_and_known_data(app, client, users, regions,
                                                           monkeypatch):
    told = []
    monkeypatch.setattr(signup, "tell_known_owner", told.append)
    with app.app_context():
        known = factories.sponsor(kind="citizen")
        known_nik, known_email = known.nik, known.email
        db.session.commit()
    answers = {
        "new": client.post("/register", data=registration(email="baru@contoh.id")),
        "known email": client.post("/register", data=registration(
            email=users["officer"][1], nip=factories.valid_nip(777))),
        "known nik": client.post("/register", data=registration(
            kind="citizen", nik=known_nik, nip="", email="lain@contoh.id")),
    }
    emails = {"new": "baru@contoh.id", "known email": users["officer"][1],
              "known nik": "lain@contoh.id"}
    pages = {name: _page(r, emails[name]) for name, r in answers.items()}
    assert {r.status_code for r in answers.values()} == {200}
    assert pages["new"] == pages["known email"] == pages["known nik"]
    assert told == [[users["officer"][1]], [known_email]]
    with app.app_context():
        assert db.session.scalar(select(Sponsor).where(Sponsor.email == "lain@contoh.id")) is None


def test_a_withdrawn_citizen_registers_again_with_the_same_nik(app, client, users, regions):
    with app.app_context():
        old = factories.sponsor(kind="citizen")
        sponsors.withdraw_sponsor(old, "Pindah domisili",
                                  actor=db.session.get(User, users["officer"][0]))
        nik, old_id = old.nik, old.id
        db.session.commit()
    response = client.post("/register", data=registration(
        kind="citizen", nik=nik, nip="", email="kembali@contoh.id"))
    assert response.status_code == 200
    with app.app_context():
        again = db.session.scalar(select(Sponsor).where(Sponsor.email == "kembali@contoh.id"))
        assert again is not None and again.nik == nik and again.id != old_id
        assert db.session.get(Sponsor, old_id).withdrawn_at is not None
    # Two live records can still not share it.
    response = client.post("/register", data=registration(
        kind="citizen", nik=nik, nip="", email="ketiga@contoh.id"))
    with app.app_context():
        assert db.session.scalar(select(Sponsor).where(Sponsor.email == "ketiga@contoh.id")) is None


def test_a_rejected_citizen_registers_again_with_the_same_nik(app, client, users, regions):
    """Issue 18: 'a citizen cannot re-register because the NIK is taken' — a refused
    registration (a typo, a missing document) frees its NIK as a withdrawn one does."""
    from asuh.sponsors.registrations import reject_registration

    with app.app_context():
        old = factories.sponsor(kind="citizen", approved=False)
        reject_registration(old, "Foto KTP tidak terbaca",
                            actor=db.session.get(User, users["officer"][0]))
        nik, old_id = old.nik, old.id
        db.session.commit()
    response = client.post("/register", data=registration(
        kind="citizen", nik=nik, nip="", email="ulang@contoh.id"))
    assert response.status_code == 200
    with app.app_context():
        again = db.session.scalar(select(Sponsor).where(Sponsor.email == "ulang@contoh.id"))
        assert again is not None and again.nik == nik and again.id != old_id
        assert db.session.get(Sponsor, old_id).rejected_at is not None
