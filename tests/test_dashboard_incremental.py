"""After a change the dashboard recomputes only the kelurahan it touched (issue 16), and
what it shows (figures, areas, outcomes, the follow-up list in its order) is exactly what a
recomputation from scratch shows."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from asuh import timeutil
from asuh.children import moving
from asuh.children import services as children
from asuh.children.models import Child
from asuh.dashboard import cache, followup, incremental, services
from asuh.dashboard.periods import DashboardFilters, add_months, first_of_month
from asuh.extensions import db
from asuh.matching import services as matching
from asuh.matching.models import END_REASONS, Match
from tests import factories
from tests.provcity import (
    KAB_KEL,
    KOTA,
    KOTA_KEL,
    KOTA_KEL_2,
    PROVINCE,
)
from tests.test_dashboard_levels import province  # noqa: F401 (the shared scene)


def _filters(region):
    this_month = first_of_month(timeutil.today())
    return DashboardFilters(add_months(this_month, -2), this_month, None, {}, region)


def _shown(region):
    data = services.dashboard(_filters(region))
    return {"headline": data["headline"], "areas": data["areas"],
            "outcomes": data["outcomes"],
            "followup": list(followup.region_followup(timeutil.today(), region))}


def _fresh(region):
    cache.clear()
    return _shown(region)


@pytest.fixture
def touched(monkeypatch):
    """The kelurahan each incremental update placed its changes in."""
    seen = []
    real = incremental.touched_kelurahan

    def spy(*args, **kwargs):
        result = real(*args, **kwargs)
        seen.append(None if result is None else set(result))
        return result

    monkeypatch.setattr(incremental, "touched_kelurahan", spy)
    return seen


def _child_in(kelurahan):
    return db.session.scalars(select(Child).where(Child.kelurahan_code == kelurahan)
                              .order_by(Child.id)).first()


def test_a_measurement_recomputes_its_kelurahan_only(app_ctx, province, touched):  # noqa: F811
    for region in (PROVINCE, KOTA):
        _shown(region)
    child = _child_in(KOTA_KEL)
    # Severely stunted now: the stunted counts and, measured twice in the period, the
    # outcome cohort of its kelurahan change.
    factories.measurement(child, measured_on=timeutil.today() - timedelta(days=1),
                          height_cm="60.0", weight_kg="7.0")
    db.session.commit()
    after = {region: _shown(region) for region in (PROVINCE, KOTA)}
    assert touched and all(found == {KOTA_KEL} for found in touched)
    for region in (PROVINCE, KOTA):
        assert after[region] == _fresh(region), region


def test_a_child_moving_recomputes_both_kelurahan(app_ctx, province, touched):  # noqa: F811
    _shown(PROVINCE)
    child = _child_in(KOTA_KEL)
    values = {column: getattr(child, column) for column in children.CHILD_FIELDS}
    children.update_child(child, {**values, "kelurahan_code": KOTA_KEL_2},
                          confirm_nik_warnings=True)
    db.session.commit()
    after = _shown(PROVINCE)
    assert touched[-1] == {KOTA_KEL, KOTA_KEL_2}
    assert after == _fresh(PROVINCE)
    # Handed over to another kabupaten/kota: both cities' figures follow.
    _shown(PROVINCE)
    moving.move_child(_child_in(KAB_KEL), KOTA_KEL, "ikut orang tua", actor=None)
    db.session.commit()
    after = _shown(PROVINCE)
    assert touched[-1] == {KAB_KEL, KOTA_KEL}
    assert after == _fresh(PROVINCE)


def test_a_match_ending_and_an_unplaceable_record_stay_exact(app_ctx, province,  # noqa: F811
                                                             touched):
    _shown(KOTA)
    match = db.session.scalars(select(Match).join(Child, Child.id == Match.child_id)
                               .where(Child.kelurahan_code == KOTA_KEL)).first()
    matching.end_match(match, reason=next(iter(END_REASONS)), ended_on=timeutil.today())
    db.session.commit()
    assert _shown(KOTA) == _fresh(KOTA)
    _shown(KOTA)
    # A record the dashboard cannot place (an import names no child): everything again.
    from asuh.audit import services as audit

    audit.record("import", "child", None, summary="impor")
    factories.child(kelurahan_code=KOTA_KEL_2, confirm_nik_warnings=True)
    db.session.commit()
    assert _shown(KOTA) == _fresh(KOTA)
    assert touched[-1] is None
