"""The rules each area exports (and the others call instead of re-encoding them)."""

import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from asuh import timeutil
from asuh.accounts.models import User
from asuh.children import measuring
from asuh.children.models import Child
from asuh.children.rules import current_measurement, live_measurement
from asuh.contributions import verification
from asuh.contributions.models import Contribution
from asuh.contributions.rules import confirmed_between, confirmed_delivery
from asuh.extensions import db
from asuh.matching import services as matching
from asuh.matching.models import Match
from asuh.matching.rules import active_during, running
from tests import factories

ASUH = Path(__file__).resolve().parent.parent / "asuh"


def _written_in(pattern: str) -> list[str]:
    """Every module (one entry per occurrence) whose code matches ``pattern``."""
    return sorted(str(path.relative_to(ASUH))
                  for path in ASUH.rglob("*.py")
                  for line in path.read_text().splitlines()
                  if re.search(pattern, line))


def test_each_rule_is_written_once_by_its_owner():
    # The SQL expression and its twin for one loaded delivery.
    assert _written_in(r"Contribution\.status [!=]= CONFIRMED|contribution\.status [!=]= "
                       r"CONFIRMED") == ["contributions/rules.py", "contributions/rules.py"]
    assert _written_in(r"Measurement\.voided_at\.is_\(None\)") == ["children/rules.py"]
    assert _written_in(r"Match\.ended_on >= ") == ["matching/rules.py"]


def _ids(stmt) -> set[int]:
    return set(db.session.scalars(stmt))


def test_active_during_includes_both_ends(app_ctx, regions):
    start = timeutil.today() - timedelta(days=90)
    the_match = factories.match(start_on=start)
    ended_on = start + timedelta(days=30)
    matching.end_match(the_match, reason="other", note="Pindah kota", ended_on=ended_on)

    def active(first, last):
        return _ids(select(Match.id).where(active_during(first, last)))

    assert active(ended_on, ended_on + timedelta(days=10)) == {the_match.id}
    assert active(ended_on + timedelta(days=1), timeutil.today()) == set()
    assert active(start - timedelta(days=10), start) == {the_match.id}
    assert active(start - timedelta(days=10), start - timedelta(days=1)) == set()
    assert _ids(select(Match.id).where(running())) == set()


def test_current_measurement_is_the_latest_live_one_as_of_a_day(app_ctx, regions):
    child = factories.child()
    today = timeutil.today()
    older = factories.measurement(child, measured_on=today - timedelta(days=20))
    newer = factories.measurement(child, measured_on=today - timedelta(days=5),
                                  height_cm="73,0", weight_kg="8,7")
    current = current_measurement()
    by_child = dict(db.session.execute(select(Child.id, current.id)
                                       .join(current, current.child_id == Child.id)).all())
    assert by_child == {child.id: newer.id}
    as_of = current_measurement(as_of=today - timedelta(days=10))
    assert db.session.scalar(select(as_of.id)) == older.id
    measuring.void_measurement(newer, child, "Salah ketik")
    assert db.session.scalar(select(current_measurement().id)) == older.id
    assert db.session.scalar(select(db.func.count()).where(live_measurement())
                             .select_from(type(older))) == 1


def test_only_confirmed_deliveries_count(app_ctx, users, regions):
    scene = factories.contribution_scene(users)
    the_match = db.session.get(Match, scene["match"])
    admin = db.session.get(User, users["admin"][0])
    day = timeutil.today() - timedelta(days=3)
    pending = factories.contribution(the_match, actor=admin, delivered_on=day)
    confirmed = factories.contribution(the_match, actor=admin, delivered_on=day)
    verification.confirm_contribution(confirmed, actor=admin)
    assert _ids(select(Contribution.id).where(confirmed_delivery())) == {confirmed.id}
    assert _ids(select(Contribution.id).where(confirmed_between(day, day))) == {confirmed.id}
    assert _ids(select(Contribution.id).where(
        confirmed_between(day + timedelta(days=1), timeutil.today()))) == set()
    assert pending.id not in _ids(select(Contribution.id).where(confirmed_delivery()))
