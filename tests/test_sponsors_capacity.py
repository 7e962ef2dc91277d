"""Issue 12: a sponsor's own capacity change waits for an officer; until then the old
capacity applies (matching reads it); the request and the decision are audited."""

from sqlalchemy import select

from asuh.audit.models import AuditRecord
from asuh.extensions import db
from asuh.sponsors.models import CapacityRequest, Sponsor
from tests import factories
from tests.conftest import sign_in


def _sponsor(app) -> int:
    with app.app_context():
        # Self-registered: the login exists with the factories' password.
        sponsor = factories.sponsor("citizen", approved=False, email="maya@example.id",
                                    name="Maya Lestari")
        db.session.commit()
        return sponsor.id


def _capacity(app, sponsor_id) -> int:
    with app.app_context():
        return db.session.get(Sponsor, sponsor_id).capacity


def _actions(app, sponsor_id) -> list[tuple[str, dict]]:
    with app.app_context():
        return [(r.action, r.changes) for r in db.session.scalars(
            select(AuditRecord).where(AuditRecord.entity_type == "sponsor",
                                      AuditRecord.entity_id == str(sponsor_id))
            .order_by(AuditRecord.id))]


def _ask(client, capacity: str):
    return client.post("/me/sponsor", data={"phone": "081399998888", "address": "Jl. Baru",
                                            "capacity": capacity})


def test_a_raised_capacity_waits_and_an_officer_approves_it(app, client, login, regions):
    sponsor_id = _sponsor(app)
    sign_in(client, "maya@example.id")
    assert _ask(client, "20").status_code == 302
    assert _capacity(app, sponsor_id) == 1
    page = client.get("/me/sponsor").text
    assert "menunggu persetujuan petugas" in page and 'value="20"' in page
    # Saving the phone again keeps the request (the form shows what was asked).
    assert _ask(client, "20").status_code == 302
    with app.app_context():
        assert len(db.session.scalars(select(CapacityRequest)).all()) == 1
    client.post("/logout")

    # A sponsor cannot decide their own request.
    login("sponsor")
    assert client.post(f"/sponsors/{sponsor_id}/capacity",
                       data={"decision": "approve"}).status_code == 403
    client.post("/logout")
    login("officer")
    detail = client.get(f"/sponsors/{sponsor_id}").text
    assert "meminta 20 anak" in detail and "Permintaan perubahan kesediaan" in detail
    done = client.post(f"/sponsors/{sponsor_id}/capacity", data={"decision": "approve"},
                       follow_redirects=True)
    assert "kini 20 anak" in done.text
    assert _capacity(app, sponsor_id) == 20
    actions = _actions(app, sponsor_id)
    assert [a for a, _ in actions][-2:] == ["request_capacity", "approve_capacity"]
    assert actions[-1][1]["capacity"] == [1, 20]


def test_a_rejection_needs_a_reason_and_keeps_the_old_capacity(app, client, login, regions):
    sponsor_id = _sponsor(app)
    sign_in(client, "maya@example.id")
    _ask(client, "5")
    client.post("/logout")
    login("officer")
    refused = client.post(f"/sponsors/{sponsor_id}/capacity", data={"decision": "reject"},
                          follow_redirects=True)
    assert "Alasan penolakan wajib diisi" in refused.text
    with app.app_context():
        assert db.session.scalar(select(CapacityRequest.status)) == "pending"
    rejected = client.post(f"/sponsors/{sponsor_id}/capacity",
                           data={"decision": "reject", "reason": "Belum pernah mengasuh"},
                           follow_redirects=True)
    assert "ditolak" in rejected.text
    assert _capacity(app, sponsor_id) == 1
    action, changes = _actions(app, sponsor_id)[-1]
    assert action == "reject_capacity" and changes["reason"] == [None, "Belum pernah mengasuh"]
    # Nothing left to decide.
    again = client.post(f"/sponsors/{sponsor_id}/capacity", data={"decision": "approve"},
                        follow_redirects=True)
    assert "Tidak ada permintaan" in again.text and _capacity(app, sponsor_id) == 1


def test_asking_for_the_current_capacity_again_cancels_the_request(app, client, regions):
    sponsor_id = _sponsor(app)
    sign_in(client, "maya@example.id")
    _ask(client, "3")
    _ask(client, "1")
    with app.app_context():
        assert db.session.scalar(select(CapacityRequest.status)) == "cancelled"
    assert [a for a, _ in _actions(app, sponsor_id)][-2:] == ["request_capacity",
                                                            "cancel_capacity"]
