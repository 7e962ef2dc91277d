"""Sponsors sign themselves up; officers register them and hand on an invitation link."""

import re

from sqlalchemy import select

from asuh.accounts.models import User
from asuh.audit.models import AuditRecord
from asuh.extensions import db
from asuh.sponsors import invitations, services
from asuh.sponsors.models import Sponsor
from tests import factories
from tests.conftest import PASSWORD, sign_in

NIP = "198503152010011002"
NIK = "1971015503850007"


def registration(**overrides) -> dict:
    data = {"kind": "asn", "name": "Rahmat Hidayat", "nip": "19850315 201001 1 002",
            "agency": "Dinas Kesehatan", "rank": "", "nik": "", "phone": "+62 812-7000-1234",
            "email": "Rahmat@Example.id", "password": PASSWORD, "confirm_password": PASSWORD,
            "address": "Jl. Mentok No. 3", "kelurahan_code": factories.KELURAHAN,
            "capacity": "2"}
    data.update(overrides)
    return data


def _sponsor(email):
    return db.session.scalar(select(Sponsor).where(Sponsor.email == email))


def test_login_page_links_to_registration(client):
    assert 'href="/register"' in client.get("/login").text


def test_registration_form_offers_both_kinds_and_kelurahan(client, regions):
    page = client.get("/register").text
    assert 'value="asn"' in page and 'value="citizen"' in page
    assert "isi NIP jika ASN" in page.replace("Isi", "isi")
    assert factories.KELURAHAN in page
    assert '<optgroup label="Kec. Bukit Intan">' in page


def test_registration_creates_login_and_pending_sponsor(app, client, regions):
    response = client.post("/register", data=registration())
    # Not signed in at once: a known email or NIP gets this same page (issue 12).
    assert response.status_code == 200
    assert "pendaftaran Anda kami terima" in response.text
    assert client.get("/me/sponsor").status_code == 302
    assert sign_in(client, "rahmat@example.id").status_code == 302
    assert "Menunggu persetujuan petugas" in client.get("/me/sponsor").text
    with app.app_context():
        sponsor = _sponsor("rahmat@example.id")
        user = db.session.get(User, sponsor.user_id)
        assert user.role == "sponsor" and user.email == "rahmat@example.id"
        assert sponsor.approved_at is None
        assert sponsor.registered_via == "self"
        assert sponsor.nip == NIP  # spaces as printed on the card are dropped
        assert sponsor.phone == "081270001234"
        assert sponsor.capacity == 2
        assert sponsor.nik is None
    # The new sponsor signs in again later with the password they chose.
    client.post("/logout")
    assert sign_in(client, "rahmat@example.id").status_code == 302


def test_citizen_registration_keeps_only_the_nik(app, client, regions):
    data = registration(kind="citizen", nik=NIK, nip="999", agency="Ignored")
    assert "pendaftaran Anda kami terima" in client.post("/register", data=data).text
    with app.app_context():
        sponsor = _sponsor("rahmat@example.id")
        assert (sponsor.kind, sponsor.nik, sponsor.nip, sponsor.agency) == (
            "citizen", NIK, None, None)


def test_bad_nip_is_refused_with_what_is_wrong_and_input_kept(app, client, regions):
    # The appointment month (TMT 2010-13) does not exist.
    response = client.post("/register", data=registration(nip="198503152010131002"))
    assert response.status_code == 200
    assert "Bulan TMT CPNS pada NIP (201013) tidak valid." in response.text
    assert 'value="198503152010131002"' in response.text
    assert 'value="Rahmat Hidayat"' in response.text
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "rahmat@example.id")) is None


def test_bad_nik_names_the_impossible_birth_date(client, regions):
    data = registration(kind="citizen", nik="1971013102850001")  # 31 February
    response = client.post("/register", data=data)
    assert response.status_code == 200
    assert "Tanggal lahir pada NIK (31-02) tidak ada." in response.text
    assert 'value="1971013102850001"' in response.text


def test_all_mistakes_are_reported_at_once(client, regions):
    data = registration(name="", nip="12", phone="021-555-1234", kelurahan_code="",
                        agency="", password="short", confirm_password="short")
    text = client.post("/register", data=data).text
    for message in ("Nama wajib diisi.", "NIP harus 18 digit angka (tertulis 2 digit).",
                    "nomor telepon rumah/kantor", "Kelurahan wajib dipilih.",
                    "Instansi/OPD wajib diisi.", "Kata sandi minimal 10 karakter."):
        assert message in text


def test_duplicate_nip_makes_no_account_and_says_nothing(app, client, regions):
    # Issue 12: registration must not tell whether a NIP is known (it used to).
    with app.app_context():
        factories.sponsor(nip=NIP)
        db.session.commit()
    response = client.post("/register", data=registration())
    assert response.status_code == 200
    assert "pendaftaran Anda kami terima" in response.text
    assert "sudah terdaftar sebagai" not in response.text
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "rahmat@example.id")) is None


def test_email_of_an_existing_login_makes_no_account_and_says_nothing(app, client, users,
                                                                      regions):
    response = client.post("/register", data=registration(email=users["field"][1]))
    assert response.status_code == 200
    assert "pendaftaran Anda kami terima" in response.text
    assert "sudah memiliki akun" not in response.text
    with app.app_context():
        assert _sponsor(users["field"][1]) is None


def test_registration_is_rate_limited_per_address(app, client, regions, monkeypatch):
    monkeypatch.setitem(app.config, "SPONSOR_REGISTRATION_LIMIT", "3 per hour")
    codes = [client.post("/register", data=registration(nip="1")).status_code
             for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert client.get("/register").status_code == 200  # reading the form is not limited


def test_signed_in_user_is_sent_home_from_registration(client, login):
    login("officer")
    assert client.get("/register").status_code == 302


# --- officer registration and the invitation link ------------------------------------

def _officer_registers(client, **overrides):
    data = registration(**overrides)
    for key in ("password", "confirm_password"):
        data.pop(key)
    return client.post("/sponsors/new", data=data)


def _invitation_path(html: str) -> str:
    match = re.search(r'value="http://localhost(/invitation/[^"]+)"', html)
    assert match, "no invitation link on the page"
    return match.group(1)


def test_officer_registration_is_approved_at_once_and_invitation_sets_password_once(
        app, client, login, regions):
    login("officer")
    response = _officer_registers(client)
    assert response.status_code == 302
    detail = client.get(response.headers["Location"]).text
    path = _invitation_path(detail)
    assert "https://wa.me/6281270001234?text=" in detail
    # Shown once: the next visit no longer carries it.
    assert "/invitation/" not in client.get(response.headers["Location"]).text
    with app.app_context():
        sponsor = _sponsor("rahmat@example.id")
        assert sponsor.approved_at is not None and sponsor.registered_via == "officer"
        user = db.session.get(User, sponsor.user_id)
        assert user.role == "sponsor"
        assert invitations.is_pending(user)
    client.post("/logout")

    assert sign_in(client, "rahmat@example.id", "anything-at-all").status_code == 200
    assert "Buat kata sandi" in client.get(path).text
    short = client.post(path, data={"password": "pendek", "confirm_password": "pendek"})
    assert "Kata sandi minimal 10 karakter." in short.text
    done = client.post(path, data={"password": "sandi-baru-rahmat",
                                   "confirm_password": "sandi-baru-rahmat"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert sign_in(client, "rahmat@example.id", "sandi-baru-rahmat").status_code == 302
    client.post("/logout")

    # Second use: the hash changed, so the link is dead.
    again = client.post(path, data={"password": "orang-lain-123",
                                    "confirm_password": "orang-lain-123"})
    assert again.status_code == 410
    assert "tidak berlaku lagi" in again.text
    assert client.get(path).status_code == 410
    assert sign_in(client, "rahmat@example.id", "orang-lain-123").status_code == 200


def test_forged_or_expired_invitation_is_refused(app, client, regions, monkeypatch):
    assert client.get("/invitation/not-a-token").status_code == 404
    with app.app_context():
        sponsor = factories.sponsor()
        db.session.commit()
        token = services.invitation_token(sponsor)
    monkeypatch.setitem(app.config, "SPONSOR_INVITATION_HOURS", -1)
    assert client.get(f"/invitation/{token}").status_code == 410
    monkeypatch.undo()
    assert client.get(f"/invitation/{token}").status_code == 200


def test_reissued_invitation_kills_the_old_link(app, client, login, regions):
    login("officer")
    first = _invitation_path(client.get(_officer_registers(client).headers["Location"]).text)
    with app.app_context():
        sponsor_id = _sponsor("rahmat@example.id").id
    response = client.post(f"/sponsors/{sponsor_id}/invitation")
    second = _invitation_path(client.get(response.headers["Location"]).text)
    assert first != second
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200


def test_no_new_invitation_once_the_password_is_set(app, client, login, regions):
    with app.app_context():
        sponsor = factories.sponsor(approved=False)  # self-registered: has a password
        db.session.commit()
        sponsor_id = sponsor.id
    login("officer")
    assert "Buat tautan undangan baru" not in client.get(f"/sponsors/{sponsor_id}").text
    response = client.post(f"/sponsors/{sponsor_id}/invitation", follow_redirects=True)
    assert "sudah memiliki kata sandi" in response.text


def test_officer_registration_links_an_existing_sponsor_login(app, client, login, runner,
                                                              regions):
    result = runner.invoke(args=["users", "create", "--email", "rahmat@example.id",
                                 "--password", PASSWORD, "--role", "sponsor"])
    assert result.exit_code == 0, result.output
    login("officer")
    response = _officer_registers(client)
    assert response.status_code == 302
    assert "/invitation/" not in client.get(response.headers["Location"]).text
    with app.app_context():
        sponsor = _sponsor("rahmat@example.id")
        user = db.session.scalar(select(User).where(User.email == "rahmat@example.id"))
        assert sponsor.user_id == user.id
        assert not invitations.is_pending(user)


def test_email_of_a_staff_login_cannot_become_a_sponsor(client, login, users, regions):
    login("officer")
    response = _officer_registers(client, email=users["field"][1])
    assert response.status_code == 200
    assert "sudah dipakai akun Petugas Lapangan" in response.text


def test_link_sponsor_account_links_an_unlinked_record(app, regions):
    with app.app_context():
        user = factories.user("sponsor", email="lama@example.id")
        sponsor = factories.sponsor(email="lama@example.id")
        assert sponsor.user_id == user.id
        sponsor.user_id = None  # as a record made before its login existed would be
        db.session.flush()
        assert services.link_sponsor_account(user) is sponsor
        assert sponsor.user_id == user.id
        assert db.session.scalar(select(AuditRecord).where(
            AuditRecord.action == "link_account")).entity_id == str(sponsor.id)
        officer = factories.user("officer")
        assert services.link_sponsor_account(officer) is None
        assert services.link_sponsor_account(factories.user("sponsor")) is None


def test_the_form_guides_one_message_per_field_and_groups_by_kind(client, regions):
    """Issue 18: an empty kelurahan is "wajib dipilih", each error one line (the help that
    follows it is not a second red line), each kind's fields under their own heading for
    the script that shows only the chosen kind's."""
    text = client.post("/register", data=registration(kelurahan_code="", phone="abc")).text
    assert "Kelurahan wajib dipilih." in text and "tidak dikenal" not in text
    # The error right after the field, the help after it: Pico colours the element after
    # an invalid field red ([aria-invalid=true] + small).
    assert text.count('id="phone-error"') == 1
    assert text.index('id="phone-error"') < text.index('id="phone-help"')
    assert 'data-kind-group="asn"' in text and 'data-kind-group="citizen"' in text
    assert "<legend>ASN (PNS atau PPPK)</legend>" in text and "<legend>Masyarakat</legend>" in text
