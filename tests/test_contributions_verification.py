"""Verification, voiding, the queue, and monthly totals that stay exact."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from asuh import timeutil
from asuh.accounts.models import User
from asuh.audit.models import AuditRecord
from asuh.audit.services import verify_chain
from asuh.contributions import totals, verification
from asuh.contributions.access import load
from asuh.contributions.catalogue import commodity_by_code
from asuh.contributions.models import (
    Contribution,
    MonthlyCommodityTotal,
    MonthlyDeliveryCount,
)
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.matching.models import Match
from tests import factories


@pytest.fixture
def scene(app, users, regions):
    with app.app_context():
        return factories.contribution_scene(users)


def _make(app, scene, which="match", **kwargs) -> int:
    with app.app_context():
        made = factories.contribution(db.session.get(Match, scene[which]), **kwargs)
        db.session.commit()
        return made.id


def _status(app, contribution_id) -> Contribution:
    with app.app_context():
        row = db.session.get(Contribution, contribution_id)
        db.session.expunge(row)
        return row


def test_field_user_confirms_in_their_kelurahan_only(app, client, login, scene):
    home = _make(app, scene)
    away = _make(app, scene, "other_match")
    login("field")
    assert client.post(f"/contributions/{away}/confirm").status_code == 403
    assert client.get(f"/contributions/{away}").status_code == 403
    page = client.get(f"/contributions/{home}").text
    assert "Konfirmasi diterima" in page and "Batalkan penyaluran" not in page
    response = client.post(f"/contributions/{home}/confirm", follow_redirects=True)
    assert "dikonfirmasi diterima keluarga" in response.text
    confirmed = _status(app, home)
    assert confirmed.status == "confirmed" and confirmed.verified_at is not None
    assert _status(app, away).status == "pending"
    # A second press finds it already confirmed and changes nothing.
    again = client.post(f"/contributions/{home}/confirm", follow_redirects=True)
    assert "sudah dikonfirmasi" in again.text
    with app.app_context():
        assert totals.check_monthly_totals() == []
        assert db.session.scalar(select(MonthlyDeliveryCount.contributions)) == 1


def test_rejection_needs_a_reason_and_stays_visible(app, client, login, scene):
    contribution_id = _make(app, scene)
    login("officer")
    response = client.post(f"/contributions/{contribution_id}/reject", data={"reason": " "},
                           follow_redirects=True)
    assert "Alasan penolakan wajib diisi" in response.text
    assert _status(app, contribution_id).status == "pending"
    client.post(f"/contributions/{contribution_id}/reject",
                data={"reason": "Keluarga belum menerima"})
    rejected = _status(app, contribution_id)
    assert (rejected.status, rejected.rejection_reason) == ("rejected",
                                                            "Keluarga belum menerima")
    sponsor = login("sponsor", app.test_client())
    page = sponsor.get(f"/contributions/{contribution_id}").text
    assert "Ditolak" in page and "Keluarga belum menerima" in page
    listing = client.get("/contributions?status=rejected").text
    assert f"/contributions/{contribution_id}" in listing
    with app.app_context():
        assert db.session.scalar(select(MonthlyDeliveryCount)) is None  # not counted


def test_only_officers_void_with_a_reason_and_nothing_is_deleted(app, client, login, users,
                                                                 scene):
    contribution_id = _make(app, scene, status="confirmed")
    field = login("field", app.test_client())
    assert field.post(f"/contributions/{contribution_id}/void",
                      data={"reason": "x"}).status_code == 403
    sponsor = login("sponsor", app.test_client())
    assert sponsor.post(f"/contributions/{contribution_id}/void",
                        data={"reason": "x"}).status_code == 403
    login("officer")
    response = client.post(f"/contributions/{contribution_id}/void", data={"reason": ""},
                           follow_redirects=True)
    assert "Alasan pembatalan wajib diisi" in response.text
    client.post(f"/contributions/{contribution_id}/void", data={"reason": "Tercatat ganda"})
    voided = _status(app, contribution_id)
    assert voided.status == "voided" and voided.void_reason == "Tercatat ganda"
    with app.app_context():
        assert db.session.scalar(select(MonthlyDeliveryCount)) is None
        assert totals.check_monthly_totals() == []
        actions = db.session.scalars(select(AuditRecord.action).where(
            AuditRecord.entity_type == "contribution",
            AuditRecord.entity_id == str(contribution_id)).order_by(AuditRecord.id)).all()
        assert actions == ["create", "confirm", "void"]
        with pytest.raises(ValidationFailed, match="sudah dibatalkan"):
            verification.void_contribution(load(contribution_id), "lagi",
                                           actor=db.session.get(User, users["officer"][0]))


def test_queue_shows_pending_in_the_users_area_oldest_first(app, client, login, scene):
    start = scene["start"]
    newer = _make(app, scene, delivered_on=start + timedelta(days=20))
    older = _make(app, scene, delivered_on=start + timedelta(days=2))
    _make(app, scene, delivered_on=start + timedelta(days=1), status="confirmed")
    away = _make(app, scene, "other_match")
    login("field")
    page = client.get("/contributions/queue").text
    assert f"/contributions/{older}\"" in page and f"/contributions/{newer}\"" in page
    assert page.index(f"/contributions/{older}\"") < page.index(f"/contributions/{newer}\"")
    assert f"/contributions/{away}\"" not in page
    assert page.count('<a href="/contributions/') == 2
    officer = login("officer", app.test_client())
    assert f"/contributions/{away}\"" in officer.get("/contributions/queue").text
    sponsor = login("sponsor", app.test_client())
    assert sponsor.get("/contributions/queue").status_code == 403


def test_lists_are_scoped_and_filtered(app, client, login, scene):
    home = _make(app, scene, status="confirmed")
    away = _make(app, scene, "other_match")
    login("field")
    page = client.get("/contributions").text
    assert f"/contributions/{home}\"" in page and f"/contributions/{away}\"" not in page
    auditor = login("auditor", app.test_client())
    page = auditor.get("/contributions").text
    assert f"/contributions/{home}\"" in page and f"/contributions/{away}\"" in page
    pending = auditor.get("/contributions?status=pending").text
    assert f"/contributions/{home}\"" not in pending and f"/contributions/{away}\"" in pending
    by_match = auditor.get(f"/contributions?match_id={scene['other_match']}").text
    assert f"/contributions/{home}\"" not in by_match
    month = scene["start"].strftime("%Y-%m")
    assert f"/contributions/{home}\"" in auditor.get(f"/contributions?month={month}").text
    assert "Tidak ada penyaluran" in auditor.get("/contributions?month=2001-01").text


def test_totals_stay_equal_to_a_recomputation_through_confirm_and_void(app, users, scene):
    start = scene["start"]
    next_month = (start.replace(day=1) + timedelta(days=32)).replace(day=1)
    days = [start, start + timedelta(days=1), min(next_month, timeutil.today())]
    eggs_and_milk = [{"commodity": "eggs", "quantity": "1", "unit": "tray",
                      "value_idr": 60000},
                     {"commodity": "milk", "quantity": "3", "unit": "kotak 200 ml",
                      "value_idr": 15000},
                     {"commodity": "honey", "quantity": "0.333", "unit": "botol 250 ml",
                      "value_idr": 1}]
    with app.app_context():
        officer = db.session.get(User, users["officer"][0])
        made = []
        for index, day in enumerate(days * 3):
            which = "match" if index % 2 else "other_match"
            items = eggs_and_milk if index % 3 else [dict(factories.RICE_2_KARUNG)]
            made.append(factories.contribution(db.session.get(Match, scene[which]),
                                               delivered_on=day, items=items).id)
        db.session.commit()
        steps = [("confirm", 0), ("confirm", 1), ("confirm", 2), ("void", 1),
                 ("confirm", 3), ("confirm", 4), ("void", 4), ("void", 0), ("confirm", 5),
                 ("void", 6), ("confirm", 7), ("confirm", 8), ("void", 8)]
        for action, index in steps:
            contribution = load(made[index])
            if action == "confirm":
                verification.confirm_contribution(contribution, actor=officer)
            else:
                verification.void_contribution(contribution, "Koreksi", actor=officer)
            db.session.commit()
            assert totals.check_monthly_totals() == [], (action, index)
        live = {made[i] for i in (2, 3, 5, 7)}
        confirmed = set(db.session.scalars(select(Contribution.id).where(
            Contribution.status == "confirmed")))
        assert confirmed == live
        expected_value = sum(db.session.get(Contribution, i).total_value_idr for i in live)
        stored_value = sum(db.session.scalars(select(MonthlyDeliveryCount.value_idr)))
        assert stored_value == expected_value
        # Confirmed 2, 5 and 7 hold 0.333 botol 250 ml of honey each (index % 3 != 0).
        honey = sum(db.session.scalars(select(MonthlyCommodityTotal.canonical_quantity).where(
            MonthlyCommodityTotal.commodity_id == commodity_by_code("honey").id)))
        assert honey == Decimal("249.750")
        assert verify_chain() == []


def test_check_reports_drift_and_rebuild_repairs_it(app, runner, scene):
    _make(app, scene, status="confirmed")
    _make(app, scene, "other_match", status="confirmed")
    result = runner.invoke(args=["contributions", "check-totals"])
    assert result.exit_code == 0, result.output
    assert "match" in result.output
    with app.app_context():
        row = db.session.scalar(select(MonthlyCommodityTotal))
        row.canonical_quantity += 1
        db.session.delete(db.session.scalar(select(MonthlyDeliveryCount)))
        db.session.commit()
        problems = totals.check_monthly_totals()
        assert len(problems) == 2
        assert any("canonical_quantity stored 11.000 expected 10.000" in p for p in problems)
    result = runner.invoke(args=["contributions", "check-totals"])
    assert result.exit_code == 1 and "rebuild-totals" in result.output
    result = runner.invoke(args=["contributions", "rebuild-totals"])
    assert result.exit_code == 0 and "Rebuilt: 2 commodity" in result.output
    result = runner.invoke(args=["contributions", "check-totals"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(AuditRecord.action).order_by(
            AuditRecord.id.desc())) == "rebuild_totals"


def test_api_verification_and_void(app, client, api_token, scene):
    contribution_id = _make(app, scene)
    officer = api_token("officer")
    url = f"/api/v1/contributions/{contribution_id}"
    response = client.post(f"{url}/verification", json={"decision": "maybe"}, headers=officer)
    assert response.status_code == 422 and "decision" in response.json["errors"]
    response = client.post(f"{url}/verification", json={"decision": "rejected"},
                           headers=officer)
    assert response.status_code == 422 and "reason" in response.json["errors"]
    response = client.post(f"{url}/verification", json={"decision": "confirmed"},
                           headers=officer)
    assert response.status_code == 200 and response.json["status"] == "confirmed"
    assert response.json["verified_at"].endswith("Z")
    again = client.post(f"{url}/verification", json={"decision": "confirmed"},
                        headers=officer)
    assert again.status_code == 409
    field = api_token("field")
    assert client.post(f"{url}/void", json={"reason": "x"}, headers=field).status_code == 403
    assert client.post(f"{url}/void", json={}, headers=officer).status_code == 422
    voided = client.post(f"{url}/void", json={"reason": "Ganda"}, headers=officer)
    assert voided.status_code == 200 and voided.json["status"] == "voided"
    assert voided.json["void_reason"] == "Ganda"
    away = _make(app, scene, "other_match")
    response = client.post(f"/api/v1/contributions/{away}/verification",
                           json={"decision": "confirmed"}, headers=field)
    assert response.status_code == 403
    with app.app_context():
        assert totals.check_monthly_totals() == []
