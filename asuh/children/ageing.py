"""Ageing out: at 60 months a child leaves the balita programme.

Chosen: a stored status written by a daily command, guarded on read.

- ``flask --app app children age-out`` (cron, once a day after midnight, and on demand)
  sets every active child who has completed 60 months to ``aged_out``, with its last
  measurement written into the status reason as the outcome, and audits each one. A status
  is a recorded fact with a date, a reason and an audit record, which a value computed on
  read could not give; lists filter on the stored status with an index.
- Every count and list of balita also tests the birth date (``rules.balita_condition``),
  so a child who turned 60 months since the last run (a missed cron, a restore) is never
  counted or matched meanwhile. The two agree as soon as the command has run.

A match still running when the child ages out is left to the officer (the matching area
warns when one is made past the 60-month day); the child's sponsor still sees the child.
"""

from datetime import date

from sqlalchemy import select

from asuh import timeutil
from asuh.audit import services as audit
from asuh.children.growth import aged_out_born_on_or_before, balita_until
from asuh.children.models import HEIGHT_CATEGORIES, Child, Measurement
from asuh.children.rules import classification, live_measurement
from asuh.extensions import db
from asuh.formatting import format_date_id, format_fixed, format_quantity
from asuh.permissions import Permission, ensure_permitted
from asuh.timeutil import utcnow
from asuh.transactions import use_case

AGED_OUT = "aged_out"


def outcome_text(child: Child, measurements: list[Measurement]) -> str:
    """The status reason: the day the child completed 60 months and the last measurement."""
    reason = f"Berumur 60 bulan pada {format_date_id(balita_until(child.birth_date))}"
    if not measurements:
        return reason + "; belum pernah diukur."
    last = measurements[-1]
    classifying, doubtful = classification(measurements)
    parts = [f"{format_quantity(last.weight_kg)} kg"]
    if last.height_cm is not None:
        parts.insert(0, f"{format_quantity(last.height_cm)} cm")
    outcome = f"; pengukuran terakhir {format_date_id(last.measured_on)}: {', '.join(parts)}"
    if classifying is not None:
        z = format_fixed(classifying.haz, 2)
        outcome += (f"; TB/U {HEIGHT_CATEGORIES[classifying.category]} (z {z}, "
                    f"{format_date_id(classifying.measured_on)})")
    if doubtful:
        outcome += "; perlu diukur ulang"
    return reason + outcome + "."


@use_case
def age_out_children(*, today: date | None = None, actor=None) -> list[Child]:
    """Set every active child of 60 months or more to ``aged_out``; returns them."""
    ensure_permitted(actor, Permission.EDIT_CHILDREN)
    today = today or timeutil.today()
    children = list(db.session.scalars(
        select(Child).where(Child.status == "active",
                            Child.birth_date <= aged_out_born_on_or_before(today))
        .order_by(Child.id).with_for_update(of=Child)))
    by_child: dict[int, list[Measurement]] = {c.id: [] for c in children}
    for start in range(0, len(children), 500):
        chunk = [c.id for c in children[start:start + 500]]
        for m in db.session.scalars(
                select(Measurement).where(Measurement.child_id.in_(chunk), live_measurement())
                .order_by(Measurement.measured_on, Measurement.id)):
            by_child[m.child_id].append(m)
    for child in children:
        reason = outcome_text(child, by_child[child.id])[:500]
        before = {"status": child.status, "status_reason": child.status_reason}
        child.status, child.status_reason = AGED_OUT, reason
        child.status_changed_at = utcnow()
        audit.record("change_status", "child", child.id, user=actor,
                     summary=f"Status {child.name}: lulus usia balita — {reason}",
                     changes=audit.diff(before, {"status": AGED_OUT, "status_reason": reason}))
    db.session.flush()
    return children
