"""Each action is one use case: it checks who may act on THIS object, and it owns the
transaction (views, forms and CLI commands never commit or roll back themselves)."""

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from asuh import timeutil
from asuh.accounts import resets
from asuh.accounts import services as accounts
from asuh.accounts.models import User
from asuh.audit.models import AuditRecord
from asuh.children import measuring
from asuh.children import services as children
from asuh.children.models import Child, Measurement
from asuh.contributions import catalogue, photos, totals, verification
from asuh.contributions import services as contributions
from asuh.errors import NotPermitted
from asuh.extensions import db
from asuh.letters import services as letters
from asuh.matching import automatch
from asuh.matching import services as matching
from asuh.matching.models import Match
from asuh.regions import services as regions
from asuh.settings import services as settings
from asuh.sponsors import invitations, signup
from asuh.sponsors import services as sponsors
from asuh.sponsors.capacity import decide_capacity, pending_request
from asuh.sponsors.models import Sponsor
from tests import factories

ASUH = Path(__file__).resolve().parent.parent / "asuh"

USE_CASES = [
    sponsors.register_self, sponsors.register_by_officer, signup.sign_up,
    sponsors.update_sponsor, sponsors.update_own_profile, sponsors.approve_sponsor,
    sponsors.withdraw_sponsor, sponsors.reissue_invitation, invitations.accept,
    decide_capacity,
    children.create_child, children.update_child, children.change_status,
    measuring.record_measurement, measuring.void_measurement,
    matching.create_match, matching.end_match, automatch.confirm_assignments,
    automatch.confirm_proposal,
    contributions.log_contribution, contributions.update_contribution,
    verification.confirm_contribution, verification.reject_contribution,
    verification.verify_contribution, verification.void_contribution, photos.add_photos,
    totals.rebuild_monthly_totals, letters.issue_letter, letters.record_download,
    accounts.create_user, accounts.add_user, accounts.sign_in, accounts.authenticate,
    accounts.open_session, accounts.sign_out, accounts.change_password,
    accounts.set_active, accounts.change_role, accounts.revoke_token,
    resets.issue_reset_link, resets.reset_password,
    catalogue.add_commodity, catalogue.update_commodity, catalogue.set_commodity_active,
    catalogue.add_unit, catalogue.update_unit, catalogue.set_unit_active,
    catalogue.update_monthly_package, settings.update, regions.import_regions,
    regions.assign_kelurahan,
]


@pytest.mark.parametrize("service", USE_CASES, ids=lambda f: f"{f.__module__}.{f.__name__}")
def test_every_action_is_a_use_case(service):
    assert getattr(service, "is_use_case", False)


def test_no_view_form_or_command_commits_or_rolls_back():
    # The API (asuh/api/) is being rewritten on its own branch; the unit of work is the
    # only other place allowed to end a transaction.
    allowed = {ASUH / "transactions.py"}
    offenders = [
        f"{path.relative_to(ASUH)}:{n}"
        for path in ASUH.rglob("*.py")
        if path not in allowed and "api" not in path.relative_to(ASUH).parts[:1]
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if re.search(r"session\.(commit|rollback)\(", line)]
    assert offenders == []


@pytest.fixture
def people(app_ctx, users, regions):
    scene = factories.contribution_scene(users)
    return {"scene": scene,
            **{role: db.session.get(User, uid) for role, (uid, _) in users.items()}}


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(db.func.count()).select_from(model))


def test_field_staff_act_only_on_children_of_their_kelurahan(people):
    away = db.session.get(Child, db.session.get(Match, people["scene"]["other_match"]).child_id)
    home = db.session.get(Child, db.session.get(Match, people["scene"]["match"]).child_id)
    before = _count(Measurement)
    with pytest.raises(NotPermitted):
        factories.measurement(away, actor=people["field"])
    assert _count(Measurement) == before
    factories.measurement(home, actor=people["field"])
    assert _count(Measurement) == before + 1


def test_only_the_matchs_sponsor_or_an_admin_logs_a_delivery(people):
    other = db.session.get(Match, people["scene"]["other_match"])
    mine = db.session.get(Match, people["scene"]["match"])
    for role in ("sponsor", "officer"):
        with pytest.raises(NotPermitted):
            factories.contribution(other, actor=people[role])
    assert factories.contribution(mine, actor=people["sponsor"]).sponsor_id == mine.sponsor_id
    assert factories.contribution(other, actor=people["admin"]).sponsor_id == other.sponsor_id


def test_a_verifier_outside_the_kelurahan_is_refused_and_nothing_changes(people):
    away = factories.contribution(db.session.get(Match, people["scene"]["other_match"]),
                                  actor=people["admin"])
    records = _count(AuditRecord)
    with pytest.raises(NotPermitted):
        verification.confirm_contribution(away, actor=people["field"])
    assert _count(AuditRecord) == records
    verification.confirm_contribution(away, actor=people["officer"])
    db.session.expire_all()
    assert away.status == "confirmed"


def test_a_sponsor_changes_only_their_own_profile(people):
    mine = db.session.get(Sponsor, people["scene"]["sponsor"])
    other = db.session.get(Sponsor, people["scene"]["other_sponsor"])
    with pytest.raises(NotPermitted):
        sponsors.update_own_profile(other, phone="081211112222", address="Jl. Lain",
                                    capacity=1, actor=people["sponsor"])
    sponsors.update_own_profile(mine, phone="081211112222", address=mine.address,
                                capacity=3, actor=people["sponsor"])
    db.session.expire_all()
    # Issue 12: their capacity change waits for an officer; the old one applies.
    assert (mine.capacity, other.capacity) == (1, 1)
    assert pending_request(mine.id).requested == 3


def test_role_checks_live_in_the_use_case_for_every_caller(people):
    officer = people["officer"]
    with pytest.raises(NotPermitted):
        accounts.create_user("baru@contoh.id", "kata-sandi-panjang", "officer", actor=officer)
    with pytest.raises(NotPermitted):
        settings.update({"head_name": "Siapa Saja"}, actor=officer)
    with pytest.raises(NotPermitted):
        matching.end_match(db.session.get(Match, people["scene"]["match"]), reason="other",
                           note="x", ended_on=timeutil.today(), actor=people["field"])
    # The system itself (CLI, installer) acts as nobody and may.
    assert accounts.create_user("cli@contoh.id", "kata-sandi-panjang", "auditor").id


def test_a_refused_page_action_answers_403_and_changes_nothing(app, client, login, people):
    child_id = db.session.get(Match, people["scene"]["other_match"]).child_id
    login("field")
    response = client.post(f"/children/{child_id}/measurements", data={
        "measured_on": timeutil.today().isoformat(), "height_cm": "72,0", "weight_kg": "8,5",
        "position": "lying"})
    # The page refuses first; the use case would refuse the same act from any caller.
    assert response.status_code == 403
    assert _count(Measurement) == 0


def test_the_api_answers_a_use_case_refusal_as_403(app, client, api_token, users, regions):
    # Only the use case decides who may download a letter; its NotPermitted is the same
    # 403 JSON answer the API gave when the route aborted itself.
    with app.app_context():
        scene = factories.letter_scene()
        letter_id = letters.issue_letter("sponsor_statement", sponsor_id=scene["sponsor"],
                                         period=scene["period"]).id
    response = client.get(f"/api/v1/letters/{letter_id}/pdf", headers=api_token("sponsor"))
    assert response.status_code == 403
    assert response.json["error"] == "forbidden"
    response = client.get(f"/api/v1/letters/{letter_id + 1}/pdf", headers=api_token("officer"))
    assert response.status_code == 404
    assert response.json["error"] == "not_found"
