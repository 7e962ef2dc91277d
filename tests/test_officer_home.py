"""The officer's day: to-do counts on the home page, and refusing a registration."""

import re

from sqlalchemy import select

from asuh.accounts.models import User
from asuh.audit.models import AuditRecord
from asuh.children.models import Child
from asuh.extensions import db
from asuh.matching.models import Match
from asuh.sponsors.models import Sponsor
from asuh.sponsors.registrations import reject_registration
from tests import factories
from tests.conftest import sign_in


def _todo_counts(html: str) -> dict[str, tuple[int, str]]:
    """``{label: (count, link)}`` from the home page's to-do cards."""
    found = re.findall(r'<h3><a href="([^"]+)">([^<]+)</a>\s*<span class="badge[^"]*">(\d+)',
                       html)
    return {label: (int(count), link.replace("&amp;", "&")) for link, label, count in found}


def test_officer_lands_on_the_to_do_counts_each_linking_to_its_list(client, login, users,
                                                                     regions, app):
    with app.app_context():
        scene = factories.contribution_scene(users)
        admin = db.session.get(User, users["admin"][0])
        factories.contribution(db.session.get(Match, scene["match"]), actor=admin)
        for _ in range(2):
            factories.sponsor(approved=False)
        child = db.session.get(Child, scene["child"])
        child.needs_remeasure = True
        db.session.commit()
    login("officer")
    landing = client.get("/")
    assert landing.headers["Location"].endswith("/home")
    counts = _todo_counts(client.get("/home").text)
    assert counts == {
        "Pendaftaran menunggu persetujuan": (2, "/sponsors?approved=no"),
        "Penyaluran menunggu konfirmasi": (1, "/contributions?status=pending"),
        "Pengukuran perlu diperiksa": (1, "/children?category=remeasure"),
        # Both running matches have no confirmed delivery this month.
        "Bapak/Bunda Asuh tertinggal bulan ini": (2, "/contributions/behind"),
    }
    # Each count is what its list shows.
    pending = client.get("/sponsors?approved=no").text
    assert pending.count('href="/sponsors/') - pending.count('href="/sponsors/new') == 2


def test_field_sponsor_and_auditor_homes_show_no_officer_counts(client, login, users, app):
    for role in ("sponsor", "auditor", "field"):
        login(role)
        assert "Perlu ditindaklanjuti" not in client.get("/home").text


def _pending_sponsor(app) -> int:
    with app.app_context():
        sponsor = factories.sponsor(approved=False)
        db.session.commit()
        return sponsor.id


def test_officer_rejects_a_registration_with_a_reason(client, login, users, regions, app):
    sponsor_id = _pending_sponsor(app)
    login("officer")
    page = client.get(f"/sponsors/{sponsor_id}").text
    assert "Tolak pendaftaran" in page
    response = client.post(f"/sponsors/{sponsor_id}/reject",
                           data={"reason": "  NIP bukan milik  pendaftar "})
    assert response.status_code == 302
    with app.app_context():
        sponsor = db.session.get(Sponsor, sponsor_id)
        assert sponsor is not None and sponsor.is_rejected and not sponsor.is_pending
        assert sponsor.rejection_reason == "NIP bukan milik pendaftar"
        assert sponsor.rejected_by_id == users["officer"][0]
        record = db.session.scalar(select(AuditRecord).where(
            AuditRecord.action == "reject_registration"))
        assert record.entity_id == str(sponsor_id)
        assert record.changes["rejection_reason"] == [None, "NIP bukan milik pendaftar"]
    shown = client.get(f"/sponsors/{sponsor_id}").text
    assert "Pendaftaran ditolak" in shown and "NIP bukan milik pendaftar" in shown
    assert "Setujui</button>" not in shown
    # Out of the waiting list, in the rejected one.
    assert f"/sponsors/{sponsor_id}\"" not in client.get("/sponsors?approved=no").text
    assert f"/sponsors/{sponsor_id}\"" in client.get("/sponsors?approved=rejected").text
    # Refused registrations cannot be approved afterwards.
    client.post(f"/sponsors/{sponsor_id}/approve", data={})
    with app.app_context():
        assert db.session.get(Sponsor, sponsor_id).approved_at is None
    # A second click changes nothing.
    client.post(f"/sponsors/{sponsor_id}/reject", data={"reason": "lain"})
    with app.app_context():
        assert db.session.get(Sponsor, sponsor_id).rejection_reason == \
            "NIP bukan milik pendaftar"


def test_a_rejection_needs_a_reason_and_a_waiting_registration(client, login, users,
                                                               regions, app):
    sponsor_id = _pending_sponsor(app)
    login("officer")
    response = client.post(f"/sponsors/{sponsor_id}/reject", data={"reason": " "},
                           follow_redirects=True)
    assert "Alasan penolakan wajib diisi." in response.text
    with app.app_context():
        assert db.session.get(Sponsor, sponsor_id).rejected_at is None
        approved = factories.sponsor(actor=db.session.get(User, users["admin"][0]))
        db.session.commit()
        approved_id = approved.id
    response = client.post(f"/sponsors/{approved_id}/reject", data={"reason": "salah"},
                           follow_redirects=True)
    assert "sudah disetujui" in response.text
    with app.app_context():
        assert db.session.get(Sponsor, approved_id).rejected_at is None


def test_the_rejected_sponsor_reads_why(client, users, regions, app):
    with app.app_context():
        sponsor = factories.sponsor(approved=False)
        reject_registration(sponsor, "Data KTP tidak terbaca",
                            actor=db.session.get(User, users["officer"][0]))
        email = sponsor.email
    assert sign_in(client, email).status_code == 302
    page = client.get("/me/sponsor").text
    assert "Pendaftaran Anda ditolak" in page and "Data KTP tidak terbaca" in page
