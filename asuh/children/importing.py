"""Importing children and their measurements from posyandu / e-PPGBM files.

``preview_import`` says, row by row, what a file would create, update or leave alone and
which rows it refuses; ``import_children`` writes it only when no row is refused, so a
file is taken whole or not at all. Children are matched by NIK and measurements by child
and date, so importing the same file again changes nothing.

Built for files of 10,000 rows: existing children, measurements and regions are read in
a few bulk queries, growth is computed in Python, rows are written by bulk inserts and
the import is audited as one record.
"""

from datetime import date

from sqlalchemy import insert

from asuh import timeutil
from asuh.audit import services as audit
from asuh.children import measuring
from asuh.children.import_plan import ImportPreview, plan_import
from asuh.children.importfile import ChildRow
from asuh.children.models import Child, Measurement
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.permissions import Permission, ensure_permitted
from asuh.timeutil import utcnow
from asuh.transactions import use_case


class ImportRefused(ValidationFailed):
    """At least one row was refused, so nothing was written; ``preview`` names the rows."""

    def __init__(self, preview: ImportPreview):
        messages = [f"Baris {r.line}: {'; '.join(r.errors)}" for r in preview.rejected]
        if not preview.rows:
            messages = ["Berkas tidak berisi baris data."]
        super().__init__({"file": messages})
        self.preview = preview


def preview_import(rows: list[ChildRow], *, filename: str = "",
                   today: date | None = None) -> ImportPreview:
    """What importing ``rows`` would do; writes nothing."""
    return plan_import(rows, filename, today or timeutil.today()).preview


@use_case
def import_children(rows: list[ChildRow], *, filename: str = "", actor=None,
                    today: date | None = None) -> ImportPreview:
    """Write the file's children and measurements, or raise ImportRefused and write nothing."""
    ensure_permitted(actor, Permission.IMPORT_CHILDREN)
    plan = plan_import(rows, filename, today or timeutil.today())
    preview = plan.preview
    if not preview.accepted:
        raise ImportRefused(preview)
    actor_id = actor.id if actor else None
    # The newest new measurement per child becomes its latest unless it has a newer one.
    newest: dict[str, dict] = {}
    for nik, values in plan.measurements:
        if nik not in newest or values["measured_on"] > newest[nik]["measured_on"]:
            newest[nik] = values

    def latest(nik: str, current: date | None) -> dict:
        values = newest.get(nik)
        if values is None or (current is not None and values["measured_on"] < current):
            return {}
        return {"latest_measured_on": values["measured_on"], "latest_haz": values["haz"],
                "latest_category": values["category"]}

    unmeasured = {"latest_measured_on": None, "latest_haz": None, "latest_category": None}

    # Core bulk inserts: building 20,000 ORM objects would take most of the time budget.
    ids = {nik: child.id for nik, child in plan.existing.items()}
    if plan.creates:
        inserted = db.session.execute(
            insert(Child).returning(Child.nik, Child.id),
            [{**values, "status": "active", "created_by_id": actor_id, "created_at": utcnow(),
              **(latest(nik, None) or unmeasured)} for nik, values in plan.creates.items()])
        ids.update(dict(inserted.all()))
    for child, changes in plan.updates:
        for name, value in changes.items():
            setattr(child, name, value)
    for nik, child in plan.existing.items():
        for name, value in latest(nik, child.latest_measured_on).items():
            setattr(child, name, value)
    if plan.measurements:
        db.session.execute(insert(Measurement), [
            {**values, "child_id": ids[nik], "recorded_by_id": actor_id,
             "measured_by": "Impor berkas", "created_at": utcnow()}
            for nik, values in plan.measurements])
    db.session.flush()
    if plan.measurements:
        # The classifying figures follow rules.classification (flagged values do not count).
        measuring.refresh_latest_many({ids[nik] for nik, _ in plan.measurements})
        measuring.measurements_changed.send(sorted({ids[nik] for nik, _ in plan.measurements}))
    for child in plan.reassess:
        measuring.reassess_child(child)
    if not (plan.creates or plan.updates or plan.measurements):
        return preview  # the same file again: nothing changed, nothing to audit
    updated = [[c.id, sorted(changes)] for c, changes in plan.updates]
    audit.record(
        "import", "child", None, user=actor,
        summary=f"Impor anak dari {filename or 'berkas'}: {preview.summary()}",
        changes={"file": [None, filename], "rows": [None, len(preview.rows)],
                 "children_created": [None, preview.children_created],
                 "children_updated": [None, preview.children_updated],
                 "measurements_created": [None, preview.measurements_created],
                 "updated_children": [None, updated]})
    return preview
