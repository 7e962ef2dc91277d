"""Issue 11: who waits for a sponsor is the dashboard's "belum diasuh", on the demo city."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from asuh import timeutil
from asuh.accounts.models import User
from asuh.children.growth import MeasurementError, assess
from asuh.children.models import Child
from asuh.dashboard.periods import default_filters
from asuh.dashboard.services import dashboard
from asuh.extensions import db
from asuh.matching import automatch, queries
from tests import factories


def _figures() -> tuple[int, int, int]:
    officer = db.session.scalar(select(User).where(User.role == "officer"))
    listed = db.session.scalar(select(func.count()).select_from(
        queries.unmatched_children_query(officer).subquery()))
    headline = dashboard(default_filters(timeutil.today()))["headline"]
    return headline["unmatched_children"], listed, len(automatch.load_children())


def test_waiting_list_auto_match_and_dashboard_agree_on_the_demo(app, users):
    from asuh.demo import seed_demo

    with app.app_context():
        seed_demo()
        db.session.commit()
        unmatched_active = db.session.scalar(select(func.count(Child.id)).where(
            Child.status == "active", Child.is_matched.is_(False)))
        belum, listed, automatch_children = _figures()
        assert belum == listed == automatch_children > 0
        # The demo has unmatched children who are not stunted: they do not wait.
        assert unmatched_active > belum

        # A stunted waiting child measured beyond WHO's limits leaves all three at once.
        child = db.session.get(Child, automatch.load_children()[0].id)
        height, weight = implausible_height(child)
        factories.measurement(child, height_cm=height, weight_kg=weight,
                              position="lying" if (timeutil.today() - child.birth_date).days < 731
                              else "standing")
        assert child.needs_remeasure
        assert _figures() == (belum - 1, belum - 1, belum - 1)


def implausible_height(child: Child) -> tuple[str, str]:
    """A height beyond WHO's limit (HAZ < -6) yet not impossible (> -10 SD) for the child's
    age today, with a weight the tables accept, found by asking the growth assessment."""
    today = timeutil.today()
    position = "lying" if (today - child.birth_date).days < 731 else "standing"
    for tenths in range(1200, 380, -5):
        height = Decimal(tenths) / 10
        for weight in ("4.0", "6.0", "8.0", "10.0", "12.0"):
            try:
                result = assess(child.sex, child.birth_date, today, height, Decimal(weight),
                                position, today=today)
            except MeasurementError:
                continue
            if "haz" in result.flags:
                return str(height), weight
    raise AssertionError("no implausible height found")


def test_a_setting_may_add_categories_off_by_default(app_ctx, regions, users):
    from asuh.errors import ValidationFailed
    from asuh.settings import services as settings

    stunted = factories.child(name="Tono Pendek")
    factories.measurement(stunted)  # 72 cm at 400 days: stunted
    normal = factories.child(name="Nina Normal")
    factories.measurement(normal, height_cm="77.0")
    assert normal.latest_category == "normal"
    assert [c.id for c in automatch.load_children()] == [stunted.id]

    settings.update({"sponsor_extra_categories": ["normal"]}, actor=None)
    assert [c.id for c in automatch.load_children()] == [stunted.id, normal.id]
    with pytest.raises(ValidationFailed) as refused:
        settings.update({"sponsor_extra_categories": ["perlu_diukur_ulang"]}, actor=None)
    assert "sponsor_extra_categories" in refused.value.errors
