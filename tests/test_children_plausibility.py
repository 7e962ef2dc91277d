"""Issue 11: weight-only weighings, flagged measurements that do not classify, WHO Anthro's
standing-under-9-months flag, and ageing out at 60 months."""

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from asuh.accounts.models import User
from asuh.children import measuring
from asuh.children.ageing import age_out_children
from asuh.children.growth import aged_out_born_on_or_before, assess, balita_until
from asuh.children.models import Child, Measurement
from asuh.children.rules import latest_plausible_measurement
from asuh.dashboard import followup
from asuh.dashboard.periods import default_filters
from asuh.dashboard.services import dashboard
from asuh.extensions import db
from asuh.matching import automatch, queries
from tests import factories
from tests.clock import SUITE_DAY

TODAY = SUITE_DAY
STUNTED = "70.0"  # cm at 12-13 months, a boy: stunted (the default 72.0 is so only at 400 days)


def _officer(users) -> User:
    return db.session.get(User, users["officer"][0])


def _waiting_ids(users) -> set[int]:
    return {c.id for c in db.session.scalars(queries.unmatched_children_query(_officer(users)))}


# --- weight-only weighings -------------------------------------------------------------


def test_a_weight_only_weighing_is_stored_with_its_weight_for_age(app_ctx, regions):
    child = factories.child()
    factories.measurement(child, measured_on=TODAY - timedelta(days=30), height_cm=STUNTED)
    before = (child.latest_category, child.latest_haz)
    weighed = factories.measurement(child, height_cm="", position=None, weight_kg="8,6")
    assert weighed.height_cm is None and weighed.position is None
    assert weighed.haz is None and weighed.category is None and weighed.whz is None
    expected = assess("L", child.birth_date, TODAY, None, Decimal("8.6"), None, today=TODAY)
    assert weighed.waz == Decimal(str(expected.waz)) and weighed.weight_category
    # The child's height-for-age stays that of its last height; "last measured" moves on.
    assert (child.latest_category, child.latest_haz) == before == ("stunted", before[1])
    assert child.latest_measured_on == TODAY


def test_the_form_takes_a_weight_without_a_height(app, client, login, regions):
    with app.app_context():
        child = factories.child()
        db.session.commit()
        child_id = child.id
    login("officer")
    response = client.post(f"/children/{child_id}/measurements", data={
        "measured_on": TODAY.isoformat(), "height_cm": "",
        "weight_kg": "8,75", "position": "lying"}, follow_redirects=True)
    assert response.status_code == 200 and "Penimbangan disimpan" in response.text
    assert "Penimbangan saja" in response.text
    with app.app_context():
        stored = db.session.scalar(select(Measurement).where(Measurement.child_id == child_id))
        assert stored.weight_kg == Decimal("8.75") and stored.height_cm is None


def test_the_follow_up_rule_reads_every_weight(app_ctx, regions):
    child = factories.child()
    factories.measurement(child, measured_on=TODAY - timedelta(days=120), weight_kg="8.4")
    # Two monthly weighings without a height, eight weeks apart, the weight not risen.
    factories.measurement(child, measured_on=TODAY - timedelta(days=56), height_cm=None,
                          position=None, weight_kg="8.5")
    factories.measurement(child, measured_on=TODAY, height_cm=None, position=None,
                          weight_kg="8.5")
    db.session.commit()
    listed = followup.followup_page(today=TODAY).items
    assert [(f.child.id, f.reasons) for f in listed] == [(child.id, [followup.WEIGHT_STALLED])]
    assert listed[0].compared_on == TODAY - timedelta(days=56)


# --- flagged measurements ---------------------------------------------------------------


def _flagged(child, **kw):
    """60 cm at 13 months: HAZ below -6, as in the posyandu file of the issue."""
    measurement = factories.measurement(child, height_cm="60.0", weight_kg="6.0",
                                       confirm_history=True, check_history=True, **kw)
    assert "haz" in measurement.flags and measurement.haz < -6
    return measurement


def test_a_flagged_child_is_kept_out_of_counts_waiting_list_and_auto_match(app_ctx, regions,
                                                                        users):
    flagged = factories.child(name="Rara Flag")
    _flagged(flagged)
    earlier = factories.child(name="Sinta Ulang")
    factories.measurement(earlier, measured_on=TODAY - timedelta(days=40), height_cm=STUNTED)
    _flagged(earlier)
    plain = factories.child(name="Tono Pendek")
    factories.measurement(plain)
    factories.sponsor(capacity=5)
    db.session.commit()

    assert flagged.needs_remeasure and flagged.latest_category is None
    # The earlier, plausible height still says what the child was; it does not count now.
    assert earlier.needs_remeasure and earlier.latest_category == "stunted"
    assert _waiting_ids(users) == {plain.id}
    assert [c.id for c in automatch.load_children()] == [plain.id]
    assert [p[0] for p in automatch.build_proposal().pairs] == [plain.id]
    headline = dashboard(default_filters(TODAY))["headline"]
    assert headline["stunted_children"] == 1 and headline["severely_stunted_children"] == 0
    # The field team's list names both, to measure them again.
    listed = {f.child.id: f.reasons for f in followup.followup_page(today=TODAY).items}
    assert listed == {flagged.id: [followup.REMEASURE], earlier.id: [followup.REMEASURE]}


def test_a_plausible_measurement_after_a_flagged_one_classifies_again(app_ctx, regions, users):
    child = factories.child()
    _flagged(child, measured_on=TODAY - timedelta(days=7))
    assert child.needs_remeasure and child.id not in _waiting_ids(users)
    # A later weighing alone does not settle a doubtful height ...
    factories.measurement(child, measured_on=TODAY - timedelta(days=3), height_cm=None,
                          position=None)
    assert child.needs_remeasure
    # ... a plausible height does.
    factories.measurement(child, measured_on=TODAY)
    assert not child.needs_remeasure and child.latest_category == "stunted"
    assert child.id in _waiting_ids(users)
    current = latest_plausible_measurement()
    assert db.session.scalar(select(current.measured_on).where(current.child_id == child.id)) \
        == TODAY


def test_voiding_the_flagged_measurement_restores_the_classification(app_ctx, regions):
    child = factories.child()
    factories.measurement(child, measured_on=TODAY - timedelta(days=10), height_cm=STUNTED)
    flagged = _flagged(child)
    measuring.void_measurement(flagged, child, "Salah ketik")
    assert not child.needs_remeasure and child.latest_category == "stunted"


def test_the_stunting_filter_agrees_with_the_dashboard(app, client, login, regions):
    with app.app_context():
        _flagged(factories.child(name="Rara Flag"))
        factories.measurement(factories.child(name="Tono Pendek"))
        db.session.commit()
    login("officer")
    stunting = client.get("/children?category=stunting").text
    assert "Tono Pendek" in stunting and "Rara Flag" not in stunting
    again = client.get("/children?category=remeasure").text
    assert "Rara Flag" in again and "Tono Pendek" not in again
    assert "Perlu diukur ulang" in client.get("/children").text


def test_standing_under_nine_months_is_flagged_and_shown(app, client, login, regions):
    with app.app_context():
        baby = factories.child(birth_date=TODAY - timedelta(days=200))
        measurement = factories.measurement(baby, height_cm="65.0", weight_kg="7.5",
                                            position="standing")
        older = factories.measurement(factories.child(birth_date=TODAY - timedelta(days=400)),
                                      position="standing")
        assert measurement.standing_under_9m is True and older.standing_under_9m is False
        db.session.commit()
        baby_id = baby.id
    login("officer")
    assert "berdiri &lt; 9 bulan" in client.get(f"/children/{baby_id}").text


# --- ageing out --------------------------------------------------------------------------


def test_the_sql_cutoff_agrees_with_sixty_completed_months():
    # Every day of four years, leap days and month ends included.
    for offset in range(4 * 366):
        today = date(2027, 1, 1) + timedelta(days=offset)
        cutoff = aged_out_born_on_or_before(today)
        for birth in (cutoff - timedelta(days=1), cutoff, cutoff + timedelta(days=1)):
            assert (balita_until(birth) <= today) == (birth <= cutoff), (today, birth)


def _turning_five(days_after: int, **kw) -> Child:
    """A child registered young, whose birth date is then set so that it completes 60
    months ``days_after`` days from today (negative: already has)."""
    child = factories.child(**kw)
    factories.measurement(child, measured_on=TODAY - timedelta(days=20), height_cm=STUNTED)
    target = TODAY + timedelta(days=days_after)
    child.birth_date = date(target.year - 5, target.month, min(target.day, 28))
    db.session.flush()
    return child


def test_ageing_out_writes_the_status_and_the_last_measurement(app_ctx, regions, users,
                                                              runner):
    old = _turning_five(-1, name="Umar Lima")
    young = _turning_five(30, name="Vina Muda")
    db.session.commit()
    # Before the daily run the birth date already keeps the old child out of every count.
    assert _waiting_ids(users) == {young.id}
    assert dashboard(default_filters(TODAY))["headline"]["stunted_children"] == 1

    result = runner.invoke(args=["children", "age-out"])
    assert result.exit_code == 0, result.output
    assert "1 anak" in result.output
    db.session.expire_all()
    old = db.session.get(Child, old.id)
    assert old.status == "aged_out"
    assert "Berumur 60 bulan" in old.status_reason
    assert "pengukuran terakhir" in old.status_reason and "Pendek" in old.status_reason
    assert db.session.get(Child, young.id).status == "active"
    # Running again changes nothing.
    assert age_out_children() == []
    assert db.session.scalar(select(func.count()).select_from(Child)
                             .where(Child.status == "aged_out")) == 1


def test_matching_warns_when_a_commitment_runs_past_sixty_months(app, client, login, regions):
    with app.app_context():
        child = _turning_five(60, name="Wati Hampir")
        factories.sponsor()
        db.session.commit()
        child_id = child.id
        proposal = automatch.build_proposal()
        assert proposal.past_balita == 1 and proposal.rows[0]["past_balita"]
    login("officer")
    assert "berumur 60 bulan pada" in client.get(f"/matching/children/{child_id}").text
    assert "melewati umur 60 bulan" in client.get("/matching/auto").text
