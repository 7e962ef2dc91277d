"""The children area's measurement rules that other areas call instead of rewriting them.

A measurement is live until someone voids it (a wrong entry, kept on record with the
reason); only live ones count anywhere. A child's current measurement is its latest live
one (the follow-up rule's weights, "last measured"); its latest PLAUSIBLE one with a height
is what classifies it (stunted or not): see the section below.
"""

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from asuh.children.growth import aged_out_born_on_or_before
from asuh.children.models import Child, Measurement

# Height-for-age categories that need a sponsor (Permenkes 2/2020: pendek, sangat pendek).
STUNTING_CATEGORIES = ("severely_stunted", "stunted")


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
    return _latest_per_child(live_measurement(), as_of)


def _latest_per_child(condition, as_of: date | None):
    """Each child's latest live measurement meeting ``condition``, as an entity to join.

    One per child: a child has at most one live measurement a day (a unique index).
    """
    latest = select(Measurement.child_id, func.max(Measurement.measured_on).label("day")) \
        .where(condition)
    if as_of is not None:
        latest = latest.where(Measurement.measured_on <= as_of)
    latest = latest.group_by(Measurement.child_id).subquery()
    current = (select(Measurement)
               .join(latest, (Measurement.child_id == latest.c.child_id)
                     & (Measurement.measured_on == latest.c.day))
               .where(live_measurement()).subquery())
    return aliased(Measurement, current)


# --- plausibility: what classifies a child -------------------------------------------
#
# A measurement beyond WHO's plausibility limits (``Measurement.flags``) is kept and shown
# "perlu diukur ulang", but it does not classify: WHO leaves flagged values out of
# prevalence. A weight-only weighing has no height-for-age at all. So the child's
# height-for-age category is that of its latest PLAUSIBLE measurement WITH A HEIGHT; and
# while its newest measurement (or newest height) is flagged the child needs re-measuring
# and is left out of the stunting figures, the priority list and auto-match.


def plausible_height():
    """WHERE clause: live measurements that classify height-for-age (a height, no flag)."""
    return live_measurement() & Measurement.haz.is_not(None) & (Measurement.flags == "")


def is_plausible(measurement: Measurement) -> bool:
    """No z-score beyond WHO's limits (a weight-only weighing may be plausible too)."""
    return not measurement.flags


def classifies(measurement: Measurement) -> bool:
    """The same rule as :func:`plausible_height` for one loaded measurement."""
    return is_live(measurement) and measurement.haz is not None and is_plausible(measurement)


def latest_plausible_measurement(as_of: date | None = None):
    """Each child's latest live measurement with a plausible height-for-age (on or before
    ``as_of`` when given): :func:`current_measurement`'s sibling for classification, joined
    the same way."""
    return _latest_per_child(plausible_height(), as_of)


def classification(measurements: list[Measurement]) -> tuple[Measurement | None, bool]:
    """``(the measurement that classifies, needs re-measuring)`` from one child's
    measurements, oldest first.

    Needs re-measuring: its newest live measurement is flagged, or its newest live
    measurement with a height is (a later plausible weighing does not settle a doubtful
    height).
    """
    live = [m for m in measurements if is_live(m)]
    heights = [m for m in live if m.height_cm is not None]
    classifying = next((m for m in reversed(live) if classifies(m)), None)
    doubtful = bool((live and not is_plausible(live[-1]))
                    or (heights and not is_plausible(heights[-1])))
    return classifying, doubtful


# --- who counts as a balita, who is stunted, who needs a sponsor ----------------------


def balita_condition(today: date):
    """WHERE clause: active children under 60 months ``today``. The daily ``children
    age-out`` command sets the others to ``aged_out``; the birth-date test keeps a child who
    turned 60 months since its last run out of every count and list meanwhile."""
    return (Child.status == "active") & (Child.birth_date > aged_out_born_on_or_before(today))


def classified_condition():
    """WHERE clause: children whose height-for-age category counts (measured, plausible)."""
    return Child.latest_category.is_not(None) & Child.needs_remeasure.is_(False)


def stunted_condition(today: date, categories=STUNTING_CATEGORIES):
    """WHERE clause: balita currently stunted or severely stunted (or ``categories``) on a
    plausible measurement: the dashboard's stunted children and matching's candidates."""
    return (balita_condition(today) & classified_condition()
            & Child.latest_category.in_(tuple(categories)))


# --- who is due for measuring ---------------------------------------------------------


def measured_between(start: date, end: date):
    """WHERE clause on ``Child``: it has a live, plausible measurement (a weighing or a
    full measurement, no WHO flag) dated ``start`` to ``end`` (both days included)."""
    return (select(Measurement.id)
            .where(Measurement.child_id == Child.id, live_measurement(),
                   Measurement.flags == "",
                   Measurement.measured_on.between(start, end))
            .exists())


def due_for_measurement(month_start: date, month_end: date, today: date):
    """WHERE clause: the children to measure in the month ``month_start``–``month_end``.

    A child is due when it is in the programme (status ``active``) and still a balita on
    the month's reference day — ``today`` while the month runs, its first day for a month
    to come, its last day for a month gone — and has no live, plausible measurement in the
    month yet. A voided one does not count (it was a wrong entry); nor does a flagged one
    (WHO: measure again), so a child to be re-measured stays on the list. Posyandu weigh
    every balita monthly (a weighing alone is a measurement here), so every child in the
    programme is due once a month.
    """
    reference = min(max(today, month_start), month_end)
    return balita_condition(reference) & ~measured_between(month_start, month_end)
