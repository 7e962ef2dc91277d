"""The children area's measurement rules that other areas call instead of rewriting them.

A measurement is live until someone voids it (a wrong entry, kept on record with the
reason); only live ones count anywhere. A child's current measurement is its latest live
one: growth figures, letters and the dashboard all read that one.
"""

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from asuh.children.models import Measurement


def live_measurement():
    """WHERE clause: measurements that count (not voided)."""
    return Measurement.voided_at.is_(None)


def is_live(measurement: Measurement) -> bool:
    """The same rule for one loaded measurement."""
    return measurement.voided_at is None


def current_measurement(as_of: date | None = None):
    """Each child's latest live measurement (on or before ``as_of`` when given), as an
    entity to join: ``m = current_measurement(day)`` then ``.join(m, m.child_id == Child.id)``.

    One per child: a child has at most one live measurement a day (a unique index).
    """
    latest = select(Measurement.child_id, func.max(Measurement.measured_on).label("day")) \
        .where(live_measurement())
    if as_of is not None:
        latest = latest.where(Measurement.measured_on <= as_of)
    latest = latest.group_by(Measurement.child_id).subquery()
    current = (select(Measurement)
               .join(latest, (Measurement.child_id == latest.c.child_id)
                     & (Measurement.measured_on == latest.c.day))
               .where(live_measurement()).subquery())
    return aliased(Measurement, current)
