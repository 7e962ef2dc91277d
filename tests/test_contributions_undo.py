"""Confirming a delivery asks once, and the one who confirmed may undo it for 5 minutes."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from asuh import timeutil
from asuh.accounts.models import User
from asuh.audit.models import AuditRecord
from asuh.contributions import totals, verification
from asuh.contributions.models import Contribution, MonthlyDeliveryCount
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.matching.models import Match
from tests import factories


@pytest.fixture
def delivery(app, users, regions):
    with app.app_context():
        scene = factories.contribution_scene(users)
        made = factories.contribution(db.session.get(Match, scene["match"]))
        db.session.commit()
        return made.id


def _row(app, contribution_id) -> Contribution:
    with app.app_context():
        row = db.session.get(Contribution, contribution_id)
        db.session.expunge(row)
        return row


def _counted(app) -> int:
    with app.app_context():
        return db.session.scalar(select(MonthlyDeliveryCount.contributions)) or 0


def test_confirming_asks_once_then_confirms(app, client, login, delivery):
    login("field")
    page = client.get(f"/contributions/{delivery}").text
    assert f'href="/contributions/{delivery}/confirm"' in page
    asked = client.get(f"/contributions/{delivery}/confirm")
    assert asked.status_code == 200
    assert "Sudah diterima keluarga?" in asked.text and "Ya, sudah diterima" in asked.text
    assert _row(app, delivery).status == "pending"  # asking changes nothing
    client.post(f"/contributions/{delivery}/confirm")
    assert _row(app, delivery).status == "confirmed"
    # Asked again once confirmed: back to the delivery, nothing to confirm.
    again = client.get(f"/contributions/{delivery}/confirm", follow_redirects=True)
    assert "sudah dikonfirmasi" in again.text


def test_the_confirmer_undoes_within_five_minutes(app, client, login, delivery):
    login("field")
    client.post(f"/contributions/{delivery}/confirm")
    assert _counted(app) == 1
    page = client.get(f"/contributions/{delivery}").text
    assert "Urungkan konfirmasi" in page
    response = client.post(f"/contributions/{delivery}/undo-confirm", follow_redirects=True)
    assert "diurungkan" in response.text
    row = _row(app, delivery)
    assert (row.status, row.verified_by_id, row.verified_at) == ("pending", None, None)
    assert _counted(app) == 0
    with app.app_context():
        assert totals.check_monthly_totals() == []
        actions = list(db.session.scalars(
            select(AuditRecord.action).where(AuditRecord.entity_type == "contribution",
                                             AuditRecord.entity_id == str(delivery))
            .order_by(AuditRecord.id)))
    assert actions[-2:] == ["confirm", "undo_confirm"]


def test_after_five_minutes_or_for_someone_else_only_void(app, users, delivery):
    with app.app_context():
        field = db.session.get(User, users["field"][0])
        officer = db.session.get(User, users["officer"][0])
        contribution = db.session.get(Contribution, delivery)
        verification.confirm_contribution(contribution, actor=field)
        contribution = db.session.get(Contribution, delivery)
        assert verification.may_undo_confirmation(field, contribution)
        assert not verification.may_undo_confirmation(officer, contribution)
        with pytest.raises(ValidationFailed):
            verification.undo_confirmation(contribution, actor=officer)
        contribution.verified_at = (timeutil.utcnow() - verification.UNDO_WINDOW
                                    - timedelta(seconds=1))
        db.session.commit()
        assert not verification.may_undo_confirmation(field, contribution)
        with pytest.raises(ValidationFailed) as refused:
            verification.undo_confirmation(contribution, actor=field)
        assert refused.value.status == 409 and "5 menit" in str(refused.value)
        assert db.session.get(Contribution, delivery).status == "confirmed"


def test_the_page_offers_no_undo_after_the_window(app, client, login, users, delivery):
    login("field")
    client.post(f"/contributions/{delivery}/confirm")
    with app.app_context():
        row = db.session.get(Contribution, delivery)
        row.verified_at = timeutil.utcnow() - timedelta(minutes=6)
        db.session.commit()
    assert "Urungkan konfirmasi" not in client.get(f"/contributions/{delivery}").text
    client.post(f"/contributions/{delivery}/undo-confirm")
    assert _row(app, delivery).status == "confirmed"
