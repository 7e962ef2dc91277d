"""Every kind of change writes an audit record, with the values before and after, in the
same transaction as the change (a rolled-back change leaves no record)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from asuh import timeutil
from asuh.accounts import services as accounts
from asuh.accounts.models import User
from asuh.audit.models import AuditRecord
from asuh.children import measuring
from asuh.children import services as children
from asuh.contributions import catalogue, verification
from asuh.contributions import services as contributions
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.matching import services as matching
from asuh.regions.services import assign_kelurahan
from asuh.settings import services as settings
from asuh.sponsors import services as sponsors
from asuh.transactions import unit_of_work
from tests import factories
from tests.conftest import PASSWORD


def newest(entity_type: str, entity_id=None, action: str | None = None) -> AuditRecord:
    stmt = select(AuditRecord).where(AuditRecord.entity_type == entity_type)
    if entity_id is not None:
        stmt = stmt.where(AuditRecord.entity_id == str(entity_id))
    if action is not None:
        stmt = stmt.where(AuditRecord.action == action)
    record = db.session.scalar(stmt.order_by(AuditRecord.id.desc()).limit(1))
    assert record is not None, (entity_type, entity_id, action)
    return record


@pytest.fixture
def admin(app_ctx, users, regions):
    return db.session.get(User, users["admin"][0])


def test_users(admin):
    user = accounts.create_user("kader@example.id", PASSWORD, "field", "Kader", actor=admin)
    created = newest("user", user.id, "create")
    assert created.changes["role"] == [None, "field"] and created.user_id == admin.id
    accounts.change_role(user, "officer", actor=admin)
    assert newest("user", user.id, "change_role").changes == {"role": ["field", "officer"]}
    accounts.set_active(user, False, "Pindah tugas", actor=admin)
    assert newest("user", user.id, "deactivate").changes == {"active": [True, False]}
    accounts.set_active(user, True, actor=admin)
    assert newest("user", user.id, "activate").changes == {"active": [False, True]}
    accounts.change_password(user, PASSWORD, "another-long-password")
    record = newest("user", user.id, "change_password")
    assert "password" not in str(record.changes) and PASSWORD not in record.summary
    assign_kelurahan(user, [factories.KELURAHAN], actor=admin)
    assert newest("user", user.id, "assign_kelurahan").user_id == admin.id


def test_sign_in_failure_and_sign_out_over_http(app, client, users):
    officer_id, email = users["officer"]
    client.post("/login", data={"email": email, "password": "wrong"})
    client.post("/login", data={"email": email, "password": PASSWORD})
    client.post("/logout")
    with app.app_context():
        _check_sign_in_records(officer_id)


def _check_sign_in_records(officer_id: int) -> None:
    actions = db.session.scalars(
        select(AuditRecord.action).where(AuditRecord.entity_type == "user",
                                         AuditRecord.entity_id == str(officer_id))
        .order_by(AuditRecord.id)).all()
    assert actions[-3:] == ["login_failed", "login", "logout"]
    logout = newest("user", officer_id, "logout")
    assert logout.user_id == officer_id and logout.ip_address == "127.0.0.1"


def test_sponsors(admin):
    sponsor = factories.sponsor(actor=admin)
    assert newest("sponsor", sponsor.id, "create").changes["name"] == [None, sponsor.name]
    fields = {k: getattr(sponsor, k) for k in sponsors.AUDITED_FIELDS if k != "email"}
    sponsors.update_sponsor(sponsor, actor=admin, **{**fields, "phone": "081299998888"})
    record = newest("sponsor", sponsor.id, "update")
    assert record.changes["phone"][1] == "081299998888"
    waiting = factories.sponsor(approved=False)
    sponsors.approve_sponsor(waiting, actor=admin)
    assert newest("sponsor", waiting.id, "approve").changes["approved_at"][0] is None
    sponsors.withdraw_sponsor(waiting, "Sibuk", actor=admin)
    assert newest("sponsor", waiting.id, "withdraw").changes["withdrawal_reason"] == [
        None, "Sibuk"]
    # Only the sponsor's own login may change its own profile (the use case checks).
    own_login = db.session.get(User, sponsor.user_id)
    sponsors.update_own_profile(sponsor, phone="081277776666", address=sponsor.address,
                                capacity=2, actor=own_login)
    assert newest("sponsor", sponsor.id, "update_own").changes["phone"][1] == "081277776666"
    # Issue 12: the capacity is asked for, and waits for an officer.
    assert newest("sponsor", sponsor.id, "request_capacity").changes["requested"] == [1, 2]


def test_children_and_measurements(admin):
    child = factories.child(actor=admin)
    assert newest("child", child.id, "create").changes["name"] == [None, child.name]
    values = {f: getattr(child, f) for f in children.CHILD_FIELDS}
    children.update_child(child, {**values, "name": "Nama Baru"}, actor=admin)
    assert newest("child", child.id, "update").changes["name"] == [values["name"], "Nama Baru"]
    children.change_status(child, "moved", "Pindah ke Bangka", actor=admin)
    assert newest("child", child.id, "change_status").changes["status"] == ["active", "moved"]
    measurement = factories.measurement(child, actor=admin)
    record = newest("measurement", measurement.id, "create")
    assert record.changes["height_cm"] == [None, "72.0"]
    measuring.void_measurement(measurement, child, "Salah", actor=admin)
    assert newest("measurement", measurement.id, "void").changes["voided"] == [False, True]


def test_matches(admin):
    match = factories.match(actor=admin, start_on=timeutil.today() - timedelta(days=10))
    assert newest("match", match.id, "create").changes["child_id"] == [None, match.child_id]
    matching.end_match(match, reason="moved", ended_on=timeutil.today(), actor=admin)
    assert newest("match", match.id, "end").changes["ended_on"] == [
        None, timeutil.today().isoformat()]


def test_contributions(admin):
    made = factories.contribution(actor=admin)
    assert newest("contribution", made.id, "create").user_id == admin.id
    contributions.update_contribution(
        made, delivered_on=made.delivered_on, items=[dict(factories.EGGS_TRAY)], note="Telur",
        actor=admin)
    changed = newest("contribution", made.id, "update").changes
    assert changed["note"] == [None, "Telur"]
    verification.confirm_contribution(made, actor=admin)
    assert newest("contribution", made.id, "confirm").changes == {
        "status": ["pending", "confirmed"]}
    verification.void_contribution(made, "Dobel", actor=admin)
    assert newest("contribution", made.id, "void").changes["status"] == ["confirmed", "voided"]
    other = factories.contribution(actor=admin)
    verification.reject_contribution(other, "Foto buram", actor=admin)
    assert newest("contribution", other.id, "reject").changes["rejection_reason"] == [
        None, "Foto buram"]


def test_catalogue_and_settings(admin):
    catalogue.install_default_catalogue(actor=admin)
    commodity = catalogue.add_commodity(code="fish", name="Ikan", canonical_unit="kg",
                                        actor=admin)
    assert newest("commodity", commodity.id, "create").user_id == admin.id
    catalogue.update_commodity(commodity, name="Ikan segar", sort_order=5, actor=admin)
    assert newest("commodity", commodity.id, "update").changes["name"] == ["Ikan", "Ikan segar"]
    settings.update({"commitment_months": 3}, actor=admin)
    assert newest("settings", None, "update").changes == {"commitment_months": [6, 3]}


def test_letters(admin):
    from asuh.letters import services as letters

    scene = factories.letter_scene(actor=admin)
    letter = letters.issue_letter("handover_receipt", contribution_id=scene["confirmed"][0],
                                  actor=admin)
    assert newest("letter", letter.id, "issue").user_id == admin.id
    letters.record_download(letter, actor=admin)
    assert newest("letter", letter.id, "download").user_id == admin.id


def test_a_refused_change_leaves_no_record(admin):
    child = factories.child(actor=admin)
    db.session.commit()
    count = db.session.scalar(select(db.func.count(AuditRecord.id)))
    with pytest.raises(ValidationFailed):
        children.change_status(child, "flying", "?", actor=admin)
    db.session.rollback()
    assert db.session.scalar(select(db.func.count(AuditRecord.id))) == count


def test_a_rolled_back_change_takes_its_record_with_it(admin):
    child = factories.child(actor=admin)
    db.session.commit()
    count = db.session.scalar(select(db.func.count(AuditRecord.id)))
    # The use case now commits itself: an outer unit of work that fails after it undoes
    # the change, and the record goes with it.
    with pytest.raises(LookupError), unit_of_work():
        children.change_status(child, "moved", "Pindah", actor=admin)
        assert db.session.scalar(select(db.func.count(AuditRecord.id))) == count + 1
        raise LookupError("a later step of the same act failed")
    assert db.session.scalar(select(db.func.count(AuditRecord.id))) == count
    assert db.session.get(type(child), child.id).status == "active"


def test_changes_over_http_are_recorded_with_the_actor(app, client, login, users, regions):
    login("officer")
    response = client.post("/children/new", data={
        **{k: v for k, v in factories.child_values().items() if v is not None},
        "birth_date": (timeutil.today() - timedelta(days=400)).isoformat()})
    assert response.status_code == 302, response.text
    with app.app_context():
        record = newest("child", action="create")
        assert record.user_id == users["officer"][0]
        assert record.ip_address == "127.0.0.1"
