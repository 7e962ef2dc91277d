"""Children the field team should visit.

An active child is on the list when either:

- *weight stalled*: their latest weight is not above the weight measured about two months
  (7–13 weeks) before it (see ``growth.py``), or
- *no delivery*: they have an active match that started at least a month ago and no
  confirmed delivery dated within the last month (after the same day last month), or
- *re-measure*: their newest measurement (or newest height) is beyond WHO's plausibility
  limits (``Child.needs_remeasure``): the field team measures the child again.

Only balita count (active, under 60 months: ``children.rules.balita_condition``).

Severely stunted children come first, then stunted, then the rest, by name. The list is
"now", whatever period the dashboard shows; the kecamatan filter applies.
"""

import heapq
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import islice
from math import ceil

from sqlalchemy import and_, case, func, or_, select

from asuh import timeutil
from asuh.children.models import Child
from asuh.children.rules import balita_condition
from asuh.children.visibility import visible_kelurahan
from asuh.contributions.models import Contribution
from asuh.contributions.rules import confirmed_delivery
from asuh.dashboard import cache, incremental, levels
from asuh.dashboard.models import ChildGrowthSummary
from asuh.dashboard.periods import add_months
from asuh.extensions import db
from asuh.matching.models import Match
from asuh.matching.rules import running

WEIGHT_STALLED = "weight_stalled"
NO_DELIVERY = "no_delivery"
REMEASURE = "remeasure"
REASON_LABELS = {WEIGHT_STALLED: "Berat badan tidak naik ± 2 bulan",
                 NO_DELIVERY: "Tidak ada penyaluran terkonfirmasi sebulan terakhir",
                 REMEASURE: "Perlu diukur ulang (di luar batas wajar WHO)"}
SOURCES = ("child", "measurement", "match", "contribution", cache.GROWTH_REBUILT)
_SEVERITY = {"severely_stunted": 0, "stunted": 1}


def month_ago(today: date) -> date:
    """The same day last month (or that month's last day)."""
    first = add_months(today.replace(day=1), -1)
    for day in range(today.day, 27, -1):
        try:
            return first.replace(day=day)
        except ValueError:
            continue
    return first.replace(day=min(today.day, 28))


def _on_list(today: date, kelurahan: list[str] | None = None) -> tuple:
    """The list's order (severity, name, id) and WHERE clauses; ``kelurahan``: only these
    (a few changed ones: the growth summaries, matches and deliveries read are then their
    children's, not the province's)."""
    cutoff = month_ago(today)
    stalled = select(ChildGrowthSummary.child_id).where(
        ChildGrowthSummary.weight_stalled.is_(True))
    delivered = select(Contribution.child_id).where(
        Contribution.delivered_on > cutoff, confirmed_delivery())
    undelivered = select(Match.child_id).where(running(), Match.start_on <= cutoff)
    severity = case(*((Child.latest_category == name, rank) for name, rank in _SEVERITY.items()),
                    else_=len(_SEVERITY))
    order = (severity, Child.name, Child.id)
    if kelurahan is not None:
        # A few changed kelurahan: the three reasons asked per child, each an index lookup
        # (21 ms for a kelurahan of 1,000 children at 1M, against 330 ms building the
        # province's sets of stalled and undelivered children first). The same rows:
        # every child_id is NOT NULL, so NOT IN and NOT EXISTS agree.
        return order, (
            balita_condition(today), Child.kelurahan_code.in_(kelurahan),
            or_(stalled.where(ChildGrowthSummary.child_id == Child.id).exists(),
                and_(undelivered.where(Match.child_id == Child.id).exists(),
                     ~delivered.where(Contribution.child_id == Child.id).exists()),
                Child.needs_remeasure.is_(True)))
    undelivered = undelivered.where(Match.child_id.not_in(delivered))
    return (order,
            (balita_condition(today), or_(Child.id.in_(stalled), Child.id.in_(undelivered),
                                          Child.needs_remeasure.is_(True))))


def followup_query(today: date):
    """``(child id, kelurahan)`` of every child on the list, in the list's order."""
    order, conditions = _on_list(today)
    return select(Child.id, Child.kelurahan_code).where(*conditions).order_by(*order)


def city_followup(today: date) -> list[tuple[int, str]]:
    """The whole city's list, computed once a day and again after any change to it."""
    return cache.cached(("followup", today), SOURCES,
                        lambda: [tuple(row) for row in db.session.execute(followup_query(today))])


class Merged:
    """A region's list held as its kelurahan's parts, each in the list's order: its
    length, and any page merged on demand (a page of 25 costs 25 steps of a merge, not a
    pass over the 160,000 children of a province's list)."""

    def __init__(self, parts: dict[str, list]):
        self.parts = parts
        self.total = sum(len(rows) for rows in parts.values())

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, window: slice) -> list[tuple[int, str]]:
        rows = islice(heapq.merge(*self.parts.values()), window.start, window.stop)
        return [(row[2], row[3]) for row in rows]

    def __iter__(self):
        return iter(self[0:self.total])


def region_followup(today: date, region: str | None):
    """A region's list of ``(child id, kelurahan)`` (any level; None: the whole
    installation), kept per kelurahan: a city's officer never waits for the province's
    list, and a change recomputes its kelurahan's part only (``incremental.py``)."""
    if region is None:
        return city_followup(today)
    where = levels.kelurahan_codes_under(region)

    def compute(codes):
        # Each kelurahan's part, kept apart so a change recomputes its kelurahan only
        # (incremental.py), in Python's order: the parts are merged by Python.
        parts: dict[str, list] = defaultdict(list)
        order, conditions = _on_list(today, codes)
        stmt = select(*order, Child.kelurahan_code).where(
            *conditions, Child.kelurahan_code.in_(where),
            *([] if codes is None else [Child.kelurahan_code.in_(codes)]))
        for severity, name, child_id, kel in db.session.execute(stmt):
            parts[kel].append((severity, name, child_id, kel))
        return {kel: sorted(rows) for kel, rows in parts.items()}

    return Merged(incremental.per_kelurahan(("followup", today, region), SOURCES, compute))


@dataclass
class FollowUp:
    child: Child
    reasons: list[str]
    latest_on: date | None = None
    latest_weight_kg: Decimal | None = None
    compared_on: date | None = None
    compared_weight_kg: Decimal | None = None
    last_delivery_on: date | None = None
    match_start_on: date | None = None


@dataclass
class Page:
    """What the templates read from ``db.paginate`` results, for a list held in memory."""
    items: list
    page: int
    per_page: int
    total: int
    cutoff: date

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def _details(children: list[Child], cutoff: date) -> list[FollowUp]:
    """Each child's reasons and the dates behind them, in three queries for the page."""
    ids = [child.id for child in children]
    if not ids:
        return []
    growth = {row.child_id: row for row in db.session.scalars(
        select(ChildGrowthSummary).where(ChildGrowthSummary.child_id.in_(ids)))}
    last_delivery = dict(db.session.execute(
        select(Contribution.child_id, func.max(Contribution.delivered_on))
        .where(Contribution.child_id.in_(ids), confirmed_delivery())
        .group_by(Contribution.child_id)).all())
    matches = dict(db.session.execute(
        select(Match.child_id, Match.start_on)
        .where(Match.child_id.in_(ids), running())).all())
    entries = []
    for child in children:
        summary = growth.get(child.id)
        start, delivered = matches.get(child.id), last_delivery.get(child.id)
        reasons = [REMEASURE] if child.needs_remeasure else []
        if summary is not None and summary.weight_stalled:
            reasons.append(WEIGHT_STALLED)
        if start is not None and start <= cutoff and (delivered is None or delivered <= cutoff):
            reasons.append(NO_DELIVERY)
        entries.append(FollowUp(
            child=child, reasons=reasons, latest_on=summary.latest_on if summary else None,
            latest_weight_kg=summary.latest_weight_kg if summary else None,
            compared_on=summary.compared_on if summary else None,
            compared_weight_kg=summary.compared_weight_kg if summary else None,
            last_delivery_on=delivered, match_start_on=start))
    return entries


def followup_page(kelurahan_codes=None, *, page: int = 1, per_page: int = 25,
                  today: date | None = None, region: str | None = None) -> Page:
    """One page of the list, over the given kelurahan (the whole city when None), or over
    a ``region`` of any level (the dashboard's)."""
    today = today or timeutil.today()
    listed = city_followup(today) if region is None else region_followup(today, region)
    if kelurahan_codes is not None:
        wanted = set(kelurahan_codes)
        listed = [row for row in listed if row[1] in wanted]
    pages = max(1, ceil(len(listed) / per_page))
    page = min(max(page, 1), pages)
    ids = [child_id for child_id, _ in listed[(page - 1) * per_page:page * per_page]]
    loaded = {c.id: c for c in db.session.scalars(select(Child).where(Child.id.in_(ids)))}
    children = [loaded[i] for i in ids if i in loaded]
    return Page(items=_details(children, month_ago(today)), page=page, per_page=per_page,
                total=len(listed), cutoff=month_ago(today))


def visits_for(user, *, page: int = 1, per_page: int = 25, today: date | None = None) -> Page:
    """The list over the kelurahan ``user`` works in (a kader's home page): the children of
    their kelurahan only; an officer's is the whole city's."""
    return followup_page(visible_kelurahan(user), page=page, per_page=per_page, today=today)
