"""Keeping ``ChildGrowthSummary`` in step with the live measurements.

The children area announces every change to a child's live measurements
(``measuring.measurements_changed``); the receiver here rewrites those children's
summaries in the same transaction, so the dashboard never reads a stale row. ``rebuild``
recomputes every summary from the raw measurements and ``check`` lists each difference.

Weight follow-up rule (Batang's "weight not risen for two months"): the latest live
measurement is compared with the newest one taken COMPARE_MIN_DAYS–COMPARE_MAX_DAYS
(7–13 weeks, "about two months") before it; the weight has stalled when the latest weight
is not above that one. A child without such an earlier measurement is not flagged.
"""

from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from itertools import groupby

from sqlalchemy import case, delete, insert, select

from asuh.children.models import Measurement
from asuh.children.rules import live_measurement, plausible_height
from asuh.dashboard.models import CATEGORY_CODES, UNKNOWN_CODE, ChildGrowthSummary
from asuh.extensions import db

COMPARE_MIN_DAYS = 49
COMPARE_MAX_DAYS = 91
_CHUNK = 500


def month_number(day: date) -> int:
    return day.year * 12 + day.month - 1


def month_start(number: int) -> date:
    return date(number // 12, number % 12 + 1, 1)


def _grid(points: list[tuple[date, str | None]]) -> tuple[int, str]:
    """``(first month, grid)`` of date-ordered ``(measured_on, category)`` points.

    A point without a category (a weight-only weighing, a flagged measurement: see
    ``_live_rows``) spans the grid's months but does not fill a cell: it does not classify.
    """
    first = month_number(points[0][0])
    cells: list[list] = [["0", "0", 0] for _ in range(month_number(points[-1][0]) - first + 1)]
    for measured_on, category in points:
        if category is None:
            continue
        cell = cells[month_number(measured_on) - first]
        code = CATEGORY_CODES.get(category or "", UNKNOWN_CODE)
        if cell[2] == 0:
            cell[0] = code
        cell[1] = code
        cell[2] += 1
    return first, "".join(f"{a}{b}{min(n, 9)}" if n else "000" for a, b, n in cells)


def summarize(child_id: int, measurements: list[tuple]) -> dict:
    """A summary row from one child's live ``(measured_on, category, weight_kg)``, oldest
    first (ties on a day cannot happen: one live measurement per child per day)."""
    first_month, grid = _grid([(day, category) for day, category, _ in measurements])
    latest_on, _, latest_weight = measurements[-1]
    compared = None
    for day, _, weight in reversed(measurements[:-1]):
        gap = (latest_on - day).days
        if gap > COMPARE_MAX_DAYS:
            break
        if gap >= COMPARE_MIN_DAYS:
            compared = (day, weight)
            break
    return {
        "child_id": child_id, "first_month": first_month, "grid": grid,
        "latest_on": latest_on, "latest_weight_kg": Decimal(latest_weight),
        "compared_on": compared[0] if compared else None,
        "compared_weight_kg": Decimal(compared[1]) if compared else None,
        "weight_stalled": compared is not None and Decimal(latest_weight) <= Decimal(compared[1]),
    }


def summary_rows(rows: Iterable[tuple]) -> Iterator[dict]:
    """Summaries from ``(child_id, measured_on, category, weight_kg)`` rows ordered by
    child, date and id."""
    for child_id, group in groupby(rows, key=lambda row: row[0]):
        yield summarize(child_id, [(row[1], row[2], row[3]) for row in group])


def _live_rows(child_ids: list[int] | None = None):
    # Every live weight feeds the follow-up rule (weight-only weighings too); only a
    # plausible height-for-age classifies (children.rules.plausible_height).
    category = case((plausible_height(), Measurement.category), else_=None)
    stmt = (select(Measurement.child_id, Measurement.measured_on, category,
                   Measurement.weight_kg)
            .where(live_measurement())
            .order_by(Measurement.child_id, Measurement.measured_on, Measurement.id))
    if child_ids is not None:
        stmt = stmt.where(Measurement.child_id.in_(child_ids))
    return db.session.execute(stmt.execution_options(yield_per=5000))


def refresh(child_ids: Iterable[int]) -> None:
    """Rewrite these children's summaries from their live measurements."""
    ids = sorted(set(child_ids))
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        rows = list(summary_rows(_live_rows(chunk)))
        db.session.execute(delete(ChildGrowthSummary)
                           .where(ChildGrowthSummary.child_id.in_(chunk)))
        if rows:
            db.session.execute(insert(ChildGrowthSummary), rows)


def on_measurements_changed(child_ids, **_) -> None:
    """``measuring.measurements_changed`` receiver, connected by ``asuh.dashboard.register``
    (the factory calls it, so every process has it: web, CLI and tests)."""
    refresh(child_ids)


def rebuild() -> int:
    """Recompute every summary; returns how many children have one."""
    db.session.execute(delete(ChildGrowthSummary))
    count, batch = 0, []
    for row in summary_rows(_live_rows()):
        batch.append(row)
        if len(batch) >= 5000:
            db.session.execute(insert(ChildGrowthSummary), batch)
            count += len(batch)
            batch = []
    if batch:
        db.session.execute(insert(ChildGrowthSummary), batch)
        count += len(batch)
    db.session.flush()
    return count


_COMPARED = ("first_month", "grid", "latest_on", "latest_weight_kg", "compared_on",
             "compared_weight_kg", "weight_stalled")


def check() -> list[str]:
    """Every child whose stored summary differs from its recomputation; empty means exact."""
    expected = {row["child_id"]: row for row in summary_rows(_live_rows())}
    columns = [getattr(ChildGrowthSummary, name) for name in ("child_id", *_COMPARED)]
    stored = {row[0]: dict(zip(_COMPARED, row[1:], strict=True))
              for row in db.session.execute(select(*columns))}
    problems = []
    for child_id in sorted(set(expected) | set(stored)):
        want, have = expected.get(child_id), stored.get(child_id)
        if have is None:
            problems.append(f"child_growth_summaries child {child_id}: missing")
        elif want is None:
            problems.append(f"child_growth_summaries child {child_id}: has no live "
                            "measurements but a summary")
        else:
            differing = [name for name in _COMPARED if _norm(want[name]) != _norm(have[name])]
            if differing:
                problems.append(f"child_growth_summaries child {child_id}: "
                                + ", ".join(f"{name} stored {have[name]} expected {want[name]}"
                                            for name in differing))
    return problems


def _norm(value):
    return Decimal(value).quantize(Decimal("0.01")) if isinstance(value, Decimal | float) else value
