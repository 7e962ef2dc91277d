"""Match rules: who may be paired, for how long, ending a match, and the counters."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from asuh.audit.models import AuditRecord
from asuh.audit.services import verify_chain
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.matching import queries, services
from asuh.matching.models import Match
from asuh.settings import services as settings
from tests import factories
from tests.clock import SUITE_DAY

TODAY = SUITE_DAY


@pytest.fixture
def ctx(app_ctx, regions):
    yield


def officer():
    return factories.user("officer")


def refused(call, status: int) -> dict:
    with pytest.raises(ValidationFailed) as caught:
        call()
    db.session.rollback()
    assert caught.value.status == status, caught.value.errors
    return caught.value.errors


def test_match_sets_counters_period_and_audit(ctx):
    actor = officer()
    sponsor, child = factories.sponsor(capacity=2), factories.child()
    match = services.create_match(sponsor, child, start_on=date(2026, 1, 15),
                                  note="  Diantar ke   posyandu ", actor=actor,
                                  today=date(2026, 2, 1))
    db.session.commit()
    assert match.is_active and match.created_by_id == actor.id
    assert match.planned_end_on == date(2026, 7, 15)  # six months, the default commitment
    assert match.note == "Diantar ke posyandu"
    assert child.is_matched is True and sponsor.active_matches == 1
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.entity_type == "match"))
    assert (record.action, record.entity_id, record.user_id) == ("create", str(match.id),
                                                                  actor.id)
    assert record.changes["child_id"] == [None, child.id]
    assert record.changes["planned_end_on"] == [None, "2026-07-15"]
    assert verify_chain() == []


def test_planned_end_follows_the_commitment_setting(ctx):
    settings.update({"commitment_months": 3}, actor=None)
    child = factories.child(birth_date=date(2025, 3, 1))
    match = factories.match(the_child=child, start_on=date(2025, 8, 31),
                            today=date(2026, 1, 1))
    assert match.planned_end_on == date(2025, 11, 30)  # no 31 November: the month's last day


@pytest.mark.parametrize(("start", "months", "end"), [
    (date(2025, 8, 31), 6, date(2026, 2, 28)),
    (date(2027, 8, 31), 6, date(2028, 2, 29)),
    (date(2026, 1, 15), 12, date(2027, 1, 15)),
    (date(2026, 7, 1), 6, date(2027, 1, 1)),
])
def test_add_months_keeps_the_day_or_takes_the_months_last(start, months, end):
    assert services.add_months(start, months) == end


def test_an_explicit_planned_end_is_kept(ctx):
    match = factories.match(start_on=TODAY - timedelta(days=10),
                            end_on=TODAY + timedelta(days=80))
    assert match.planned_end_on == TODAY + timedelta(days=80)


def test_a_child_has_at_most_one_active_match(ctx):
    child = factories.child()
    factories.match(the_child=child)
    db.session.commit()
    errors = refused(lambda: factories.match(factories.sponsor(), child), 409)
    assert errors == {"child_id": [services.CHILD_TAKEN]}


def test_the_database_index_backs_the_one_active_match_rule(ctx):
    child = factories.child()
    factories.match(the_child=child)
    db.session.commit()
    # A stale counter (written by hand, not by the service) must not let a second match in.
    child.is_matched = False
    errors = refused(lambda: factories.match(factories.sponsor(), child), 409)
    assert errors == {"child_id": [services.CHILD_TAKEN]}
    assert db.session.scalar(select(func.count(Match.id))) == 1


def test_a_sponsor_takes_at_most_capacity_children(ctx):
    sponsor = factories.sponsor(capacity=2)
    factories.match(sponsor)
    factories.match(sponsor)
    db.session.commit()
    errors = refused(lambda: factories.match(sponsor), 409)
    assert errors == {"sponsor_id": [services.SPONSOR_FULL]}
    assert sponsor.active_matches == 2


def test_a_capacity_lowered_below_the_active_matches_counts_as_full(ctx):
    sponsor = factories.sponsor(capacity=2)
    factories.match(sponsor)
    factories.match(sponsor)
    sponsor.capacity = 1
    db.session.commit()
    assert refused(lambda: factories.match(sponsor), 409) == {
        "sponsor_id": [services.SPONSOR_FULL]}


def test_only_approved_sponsors_still_in_the_programme(ctx):
    waiting = factories.sponsor(approved=False)
    db.session.commit()
    assert refused(lambda: factories.match(waiting), 409) == {
        "sponsor_id": [services.SPONSOR_NOT_APPROVED]}
    from asuh.sponsors.services import withdraw_sponsor

    gone = factories.sponsor()
    withdraw_sponsor(gone, "Pindah tugas ke luar kota", actor=None)
    db.session.commit()
    assert refused(lambda: factories.match(gone), 409) == {
        "sponsor_id": [services.SPONSOR_WITHDRAWN]}


def test_only_active_children(ctx):
    from asuh.children.services import change_status

    child = factories.child()
    change_status(child, "moved", "Pindah ke Sungailiat")
    db.session.commit()
    assert refused(lambda: factories.match(the_child=child), 409) == {
        "child_id": [services.CHILD_NOT_ACTIVE]}


@pytest.mark.parametrize(("start", "end", "field"), [
    (TODAY + timedelta(days=1), None, "start_date"),
    (TODAY - timedelta(days=500), None, "start_date"),       # before the child was born
    (None, None, "start_date"),
    (TODAY, TODAY, "end_date"),
    (TODAY, TODAY - timedelta(days=1), "end_date"),
    (TODAY - timedelta(days=5), TODAY + timedelta(days=37 * 31), "end_date"),
])
def test_period_rules(ctx, start, end, field):
    child = factories.child()  # born 400 days ago
    sponsor = factories.sponsor()
    errors = refused(lambda: services.create_match(sponsor, child, start_on=start,
                                                   end_on=end), 422)
    assert list(errors) == [field]
    assert child.is_matched is False


def test_note_is_limited(ctx):
    errors = refused(lambda: factories.match(note="x" * 501), 422)
    assert list(errors) == ["note"]


# --- ending ----------------------------------------------------------------------------


def test_ending_frees_child_and_place_and_keeps_history(ctx):
    actor = officer()
    sponsor, child = factories.sponsor(), factories.child()
    match = factories.match(sponsor, child, start_on=TODAY - timedelta(days=30))
    db.session.commit()
    services.end_match(match, reason="period_over", ended_on=TODAY, actor=actor)
    db.session.commit()
    assert (match.ended_on, match.end_reason, match.ended_by_id) == (TODAY, "period_over",
                                                                      actor.id)
    assert child.is_matched is False and sponsor.active_matches == 0
    assert queries.matches_for_child(child) == [match]
    assert queries.matches_for_sponsor(sponsor, active=False) == [match]
    assert queries.matches_for_sponsor(sponsor, active=True) == []
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "end"))
    assert record.entity_id == str(match.id) and record.user_id == actor.id
    assert record.changes["end_reason"] == [None, "period_over"]
    # Both are free again: the child may get a new sponsor, the sponsor a new child.
    again = factories.match(factories.sponsor(), child)
    factories.match(sponsor)
    db.session.commit()
    assert [m.id for m in queries.matches_for_child(child)] == [again.id, match.id]


@pytest.mark.parametrize(("reason", "ended_on", "note", "field"), [
    (None, TODAY, None, "reason"),
    ("bored", TODAY, None, "reason"),
    ("other", TODAY, None, "note"),
    ("other", TODAY, "   ", "note"),
    ("moved", None, None, "ended_on"),
    ("moved", TODAY + timedelta(days=1), None, "ended_on"),
    ("moved", TODAY - timedelta(days=11), None, "ended_on"),  # before the start
    ("moved", TODAY, "x" * 501, "note"),
])
def test_end_rules(ctx, reason, ended_on, note, field):
    match = factories.match(start_on=TODAY - timedelta(days=10))
    db.session.commit()
    errors = refused(lambda: services.end_match(match, reason=reason, ended_on=ended_on,
                                                note=note), 422)
    assert list(errors) == [field]
    assert match.ended_on is None


def test_other_reason_with_a_note_and_ending_on_the_start_day(ctx):
    match = factories.match(start_on=TODAY - timedelta(days=10))
    services.end_match(match, reason="other", ended_on=TODAY - timedelta(days=10),
                       note="Keluarga menolak bantuan")
    assert match.end_note == "Keluarga menolak bantuan"
    assert match.end_reason_label == "Lainnya"


def test_a_match_ends_once(ctx):
    match = factories.match()
    services.end_match(match, reason="moved", ended_on=TODAY)
    db.session.commit()
    errors = refused(lambda: services.end_match(match, reason="moved", ended_on=TODAY), 409)
    assert errors == {"match": [services.ALREADY_ENDED]}


# --- reading ---------------------------------------------------------------------------


def test_active_match_for_and_sponsor_visibility(ctx):
    sponsor, other = factories.sponsor(), factories.sponsor()
    child, other_child = factories.child(), factories.child()
    match = factories.match(sponsor, child)
    factories.match(other, other_child)
    db.session.commit()
    assert queries.active_match_for(sponsor, child) == match
    assert queries.active_match_for(sponsor, other_child) is None
    sponsor_user = db.session.get(type(officer()), sponsor.user_id)
    assert queries.sponsor_can_see_child(sponsor_user, child) is True
    assert queries.sponsor_can_see_child(sponsor_user, other_child) is False
    assert queries.sponsor_can_see_child(officer(), child) is False  # not a sponsor login
    services.end_match(match, reason="child_graduated", ended_on=TODAY)
    db.session.commit()
    assert queries.active_match_for(sponsor, child) is None
    assert queries.sponsor_can_see_child(sponsor_user, child) is False
