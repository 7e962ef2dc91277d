"""A large import's plan cut into batches of whole children, each written on its own.

A batch holds every row of the file children in it (a child and its measurements are
never split), so each batch is a whole act: written and audited in one unit of work,
and a stop between batches (a cancel, a killed worker) leaves whole children only.
What a batch writes is exactly its part of the whole file's plan, so a file written in
batches ends as it would have written at once.
"""

from dataclasses import dataclass

from sqlalchemy import inspect, select

from asuh.children.import_outcome import ImportPreview
from asuh.children.import_plan import ImportPlan
from asuh.children.models import Child
from asuh.extensions import db

REFUSED = ("reject", "conflict")
_CHUNK = 500


@dataclass
class Batch:
    number: int
    plan: ImportPlan
    lines: list[int]  # every line of the batch, in file order
    stored: list[int]  # the lines it stores (the accepted ones)


def split_plan(plan: ImportPlan, rows_per_batch: int) -> list[Batch]:
    """``plan`` as batches of about ``rows_per_batch`` rows (more if one child has more)."""
    outcomes = {row.line: row for row in plan.preview.rows}
    key_of = {id(child): key for key, child in plan.targets.items()}
    batches: list[list[int]] = [[]]
    size = 0
    for key, lines in enumerate(plan.group_lines):
        if size >= rows_per_batch:
            batches.append([])
            size = 0
        batches[-1].append(key)
        size += len(lines)
    result = []
    for number, keys in enumerate(batches, start=1):
        if not keys:
            continue
        wanted = set(keys)
        lines = sorted(line for key in keys for line in plan.group_lines[key])
        part = ImportPlan(
            preview=ImportPreview(filename=plan.preview.filename,
                                  rows=[outcomes[line] for line in lines]),
            creates={k: v for k, v in plan.creates.items() if k in wanted},
            updates=[u for u in plan.updates if key_of[id(u[0])] in wanted],
            corrections=[c for c in plan.corrections if key_of[id(c[0])] in wanted],
            reassess=[c for c in plan.reassess if key_of[id(c)] in wanted],
            measurements=[m for m in plan.measurements if m[0] in wanted],
            targets={k: c for k, c in plan.targets.items() if k in wanted})
        _count(part)
        result.append(Batch(number, part, lines,
                            [line for line in lines if outcomes[line].action not in REFUSED]))
    return result


def _count(part: ImportPlan) -> None:
    """The batch's own figures, from what it writes."""
    preview = part.preview
    changed = {id(c) for c, _ in part.updates} | {id(c) for c, _, _ in part.corrections}
    preview.children_created = len(part.creates)
    preview.children_updated = len(changed)
    preview.children_unchanged = sum(1 for c in part.targets.values() if id(c) not in changed)
    preview.measurements_created = len(part.measurements)
    preview.measurements_unchanged = sum(1 for r in preview.rows if r.measurement == "unchanged")


def reload_targets(part: ImportPlan) -> None:
    """The batch's registered children, read again in its own transaction (the earlier
    batches' commits expired them): a few queries instead of one per child."""
    ids = [inspect(child).identity[0] for child in part.targets.values()]
    for start in range(0, len(ids), _CHUNK):
        db.session.scalars(select(Child).where(Child.id.in_(ids[start:start + _CHUNK]))
                           .execution_options(populate_existing=True)).all()


def line_ranges(lines: list[int]) -> str:
    """``[2, 3, 4, 7]`` → ``"2–4, 7"``: which rows, short enough to read."""
    spans: list[list[int]] = []
    for line in sorted(lines):
        if spans and line == spans[-1][1] + 1:
            spans[-1][1] = line
        else:
            spans.append([line, line])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in spans)
