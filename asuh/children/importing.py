"""Importing children and their measurements from posyandu / e-PPGBM files.

``preview_import`` says, row by row, what a file would create, update or leave alone and
which rows it refuses; ``import_children`` writes it only when no row is refused, so a
file is taken whole or not at all, unless the officer chooses ``partial``: then the
accepted rows are written and the refused ones are left for ``import_rejects`` to hand
back. Children are recognised by identity (``import_identity``) and measurements by child
and date, so importing the same file again changes nothing.

Built for files of 10,000 rows: existing children, measurements and regions are read in
a few bulk queries, growth is computed in Python, rows are written by bulk inserts and
the import is audited as one record.
"""

from datetime import date

from sqlalchemy import insert

from asuh import timeutil
from asuh.audit import services as audit
from asuh.children import import_copy, measuring
from asuh.children.import_identity import Decision
from asuh.children.import_outcome import ImportPreview
from asuh.children.import_plan import ImportPlan, plan_import
from asuh.children.importfile import ChildRow
from asuh.children.models import Child, Measurement
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.identifiers import mask_identifier
from asuh.permissions import Permission, ensure_permitted
from asuh.regions.scopes import scope_of
from asuh.timeutil import utcnow
from asuh.transactions import use_case


def _correct(child: Child, changes: dict, reason: str, actor, filename: str) -> None:
    """A NIK conflict the officer resolved as the same child: its data are corrected from
    the file, audited on the child with the officer's reason."""
    fields = sorted(changes)
    before = audit.snapshot(child, fields)
    for name, value in changes.items():
        setattr(child, name, value)
    diff = audit.diff(before, audit.snapshot(child, fields))
    if "nik" in diff:
        diff["nik"] = [mask_identifier(value) for value in diff["nik"]]
    diff["reason"] = [None, reason]
    audit.record("update", "child", child.id, user=actor,
                 summary=f"Data anak {child.name} diperbaiki dari impor "
                         f"{filename or 'berkas'} (NIK sama): {reason}", changes=diff)


class ImportRefused(ValidationFailed):
    """At least one row was refused, so nothing was written; ``preview`` names the rows."""

    def __init__(self, preview: ImportPreview):
        messages = [f"Baris {r.line}: {'; '.join(r.errors)}" for r in preview.rejected]
        if not preview.rows:
            messages = ["Berkas tidak berisi baris data."]
        super().__init__({"file": messages})
        self.preview = preview


def preview_import(rows: list[ChildRow], *, filename: str = "", today: date | None = None,
                   decisions: dict[int, Decision] | None = None, actor=None) -> ImportPreview:
    """What importing ``rows`` would do for ``actor`` (their scope); writes nothing."""
    return plan_import(rows, filename, today or timeutil.today(), decisions,
                       scope=scope_of(actor)).preview


@use_case
def import_children(rows: list[ChildRow], *, filename: str = "", actor=None,
                    today: date | None = None, partial: bool = False,
                    decisions: dict[int, Decision] | None = None) -> ImportPreview:
    """Write the file's children and measurements, or raise ImportRefused and write nothing.

    ``partial`` writes the accepted rows even when others are refused (it still refuses a
    file with no acceptable row). ``decisions`` answer NIK conflicts by row line.
    """
    ensure_permitted(actor, Permission.IMPORT_CHILDREN)
    plan = plan_import(rows, filename, today or timeutil.today(), decisions,
                       scope=scope_of(actor))
    preview = plan.preview
    if not (preview.partly_accepted if partial else preview.accepted):
        raise ImportRefused(preview)
    write_plan(plan, filename=filename, actor=actor)
    return preview


def write_plan(plan: ImportPlan, *, filename: str, actor, part: dict | None = None) -> bool:
    """Write what ``plan`` says (the whole file's plan, or one batch of it) and audit it
    as one record; ``part`` (the batch's lines and number) goes into that record. False
    when there was nothing to write (the same file again)."""
    preview = plan.preview
    actor_id = actor.id if actor else None
    # The newest new measurement per child becomes its latest unless it has a newer one.
    newest: dict[int, dict] = {}
    for key, values in plan.measurements:
        if key not in newest or values["measured_on"] > newest[key]["measured_on"]:
            newest[key] = values

    def latest(key: int, current: date | None) -> dict:
        values = newest.get(key)
        if values is None or (current is not None and values["measured_on"] < current):
            return {}
        return {"latest_measured_on": values["measured_on"], "latest_haz": values["haz"],
                "latest_category": values["category"]}

    unmeasured = {"latest_measured_on": None, "latest_haz": None, "latest_category": None}

    # Core bulk inserts: building 20,000 ORM objects would take most of the time budget.
    ids = {key: child.id for key, child in plan.targets.items()}
    if plan.creates and import_copy.copies():
        # PostgreSQL: COPY with ids from the sequence (import_copy says why).
        now = utcnow()
        keys = list(plan.creates)
        ids.update(zip(keys, import_copy.copy_rows(Child, [
            {**plan.creates[key], "status": "active", "created_by_id": actor_id,
             "created_at": now, **(latest(key, None) or unmeasured)} for key in keys]),
            strict=True))
    elif plan.creates:
        # Siblings under one NIK and children without one cannot be told apart by NIK, but
        # two file children never share all of these (the plan would have made them one).
        # Cheaper than ``sort_by_parameter_order``, which batches SQLite's inserts less.
        identity = (Child.nik, Child.name, Child.birth_date, Child.sex, Child.kelurahan_code)
        by_identity = {tuple(values[c.key] for c in identity): key
                       for key, values in plan.creates.items()}
        inserted = db.session.execute(
            insert(Child).returning(Child.id, *identity),
            [{**values, "status": "active", "created_by_id": actor_id, "created_at": utcnow(),
              **(latest(key, None) or unmeasured)} for key, values in plan.creates.items()])
        ids.update((by_identity[tuple(found[1:])], found[0]) for found in inserted.all())
    for child, changes in plan.updates:
        for name, value in changes.items():
            setattr(child, name, value)
    for child, changes, reason in plan.corrections:
        _correct(child, changes, reason, actor, filename)
    for key, child in plan.targets.items():
        for name, value in latest(key, child.latest_measured_on).items():
            setattr(child, name, value)
    if plan.measurements:
        rows = [{**values, "child_id": ids[key], "recorded_by_id": actor_id,
                 "measured_by": "Impor berkas", "created_at": utcnow()}
                for key, values in plan.measurements]
        if import_copy.copies():
            import_copy.copy_rows(Measurement, rows)
        else:
            db.session.execute(insert(Measurement), rows)
    db.session.flush()
    if plan.measurements:
        # The classifying figures follow rules.classification (flagged values do not count).
        measuring.refresh_latest_many({ids[key] for key, _ in plan.measurements})
        measuring.measurements_changed.send(sorted({ids[key] for key, _ in plan.measurements}))
    for child in plan.reassess:
        measuring.reassess_child(child)
    if not (plan.creates or plan.updates or plan.corrections or plan.measurements):
        return False  # the same file again: nothing changed, nothing to audit
    updated = [[c.id, sorted(changes)] for c, changes in plan.updates]
    updated += [[c.id, sorted(changes)] for c, changes, _ in plan.corrections]
    audit.record(
        "import", "child", None, user=actor,
        summary=f"Impor anak dari {filename or 'berkas'}"
                f"{' (' + part['batch_label'] + ')' if part else ''}: {preview.summary()}",
        changes={"file": [None, filename], "rows": [None, len(preview.rows)],
                 "children_created": [None, preview.children_created],
                 "children_updated": [None, preview.children_updated],
                 "measurements_created": [None, preview.measurements_created],
                 "rows_refused": [None, len(preview.rejected)],
                 "updated_children": [None, updated],
                 **{name: [None, value] for name, value in (part or {}).items()}})
    return True
