"""The dashboard's inputs rolled up to the areas shown, each kept as long as it is true.

Every figure is a sum over kelurahan, so a region's page needs each input summed per
area one level below it (``levels.area_column``):

- deliveries, their goods and cash value (``MonthlyDeliveryCount``,
  ``MonthlyCommodityTotal``) and active sponsors: one GROUP BY on the area's ``regions``
  column each, cached until a delivery, catalogue, region or sponsor change;
- stunted children and outcome cohorts, which read one row per child: kept per
  kelurahan (``incremental.py``), so a change recomputes its kelurahan only, then
  added up per area.
"""

from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from asuh.children.models import Child
from asuh.children.rules import STUNTING_CATEGORIES, stunted_condition
from asuh.contributions.models import Commodity, MonthlyCommodityTotal, MonthlyDeliveryCount
from asuh.dashboard import cache, incremental, outcomes
from asuh.dashboard.periods import DashboardFilters
from asuh.extensions import db
from asuh.regions.models import Region
from asuh.sponsors.models import Sponsor

DELIVERY_SOURCES = ("contribution", "commodity", "commodity_unit", "region", "monthly_totals")
SPONSOR_SOURCES = ("sponsor", "match", "region")
SOURCES = (*DELIVERY_SOURCES, "sponsor", "match")


class Part:
    """One area's inputs: stunted children by category and ``matched``; active sponsors
    by kind; ``(month, 0|1)`` deliveries and their value, goods and cash value;
    ``(area, sponsored, first, last)`` outcome cohorts."""

    def __init__(self) -> None:
        self.kids, self.sponsors = Counter(), Counter()
        self.deliveries, self.values, self.outcomes = Counter(), Counter(), Counter()

    def add(self, other: "Part") -> None:
        for name in ("kids", "sponsors", "deliveries", "values", "outcomes"):
            getattr(self, name).update(getattr(other, name))


def area_parts(filters: DashboardFilters, region: str | None, area, conditions, where,
               today: date, version: tuple) -> tuple[dict[str, Part], dict]:
    """``({area code: Part}, commodity rows)`` over the kelurahan the ``regions``
    ``conditions`` keep (the region's, ``where`` as a subquery), ``area`` being the
    ``regions`` column that names a kelurahan's area; ``version``: the stamp of
    ``SOURCES`` just read."""
    parts: dict[str, Part] = defaultdict(Part)
    period = (region, area.key, filters.start, filters.end)
    deliveries, values, rows = cache.cached(
        ("deliveries", *period), DELIVERY_SOURCES,
        lambda: (*_deliveries(filters, area, conditions), commodity_rows(filters, where)),
        cache.narrowed(version, SOURCES, DELIVERY_SOURCES))
    for (code, month, index), amount in deliveries.items():
        parts[code].deliveries[(month, index)] += amount
    for (code, month, index), amount in values.items():
        parts[code].values[(month, index)] += amount
    sponsors = cache.cached(("sponsors", region, area.key), SPONSOR_SOURCES,
                            lambda: _sponsors(area, conditions),
                            cache.narrowed(version, SOURCES, SPONSOR_SOURCES))
    for (code, kind), count in sponsors.items():
        parts[code].sponsors[kind] += count
    area_of = dict(db.session.execute(select(Region.code, area).where(*conditions)).all())
    newest = incremental.newest_record()
    for kel, counts in stunted_by_kelurahan(region, conditions, today, newest).items():
        parts[area_of[kel]].kids.update(counts)
    for kel, cohorts in outcomes_by_kelurahan(filters, region, conditions, newest).items():
        code = area_of[kel]
        for (sponsored, first, last), count in cohorts.items():
            parts[code].outcomes[(code, sponsored, first, last)] += count
    return parts, rows


def commodity_rows(filters: DashboardFilters, where) -> dict:
    """``{(month, commodity_id): [canonical quantity, value_idr]}`` summed over the
    kelurahan ``where`` selects (all when None)."""
    stmt = (select(MonthlyCommodityTotal.month, MonthlyCommodityTotal.commodity_id,
                   func.sum(MonthlyCommodityTotal.canonical_quantity),
                   func.sum(MonthlyCommodityTotal.value_idr))
            .where(MonthlyCommodityTotal.month >= filters.start,
                   MonthlyCommodityTotal.month <= filters.end)
            .group_by(MonthlyCommodityTotal.month, MonthlyCommodityTotal.commodity_id))
    if where is not None:
        stmt = stmt.where(MonthlyCommodityTotal.kelurahan_code.in_(where))
    result: dict[tuple, list] = defaultdict(lambda: [Decimal(0), 0])
    for month, commodity_id, quantity, value in db.session.execute(stmt):
        result[(month, commodity_id)][0] += Decimal(quantity)
        result[(month, commodity_id)][1] += int(value)
    return dict(result)


def _deliveries(filters: DashboardFilters, area, conditions) -> tuple[dict, dict]:
    """``({(area, month, 0|1): deliveries | value}, {(area, month, 0|1): goods | cash})``."""
    label = area.label("area")
    deliveries, values = Counter(), Counter()
    for code, month, count, value in db.session.execute(
            select(label, MonthlyDeliveryCount.month,
                   func.sum(MonthlyDeliveryCount.contributions),
                   func.sum(MonthlyDeliveryCount.value_idr))
            .join(Region, Region.code == MonthlyDeliveryCount.kelurahan_code)
            .where(MonthlyDeliveryCount.month >= filters.start,
                   MonthlyDeliveryCount.month <= filters.end, *conditions)
            .group_by(area, MonthlyDeliveryCount.month)):
        deliveries[(code, month, 0)] += int(count)
        deliveries[(code, month, 1)] += int(value)
    for code, month, is_cash, value in db.session.execute(
            select(label, MonthlyCommodityTotal.month, Commodity.is_cash,
                   func.sum(MonthlyCommodityTotal.value_idr))
            .join(Region, Region.code == MonthlyCommodityTotal.kelurahan_code)
            .join(Commodity, Commodity.id == MonthlyCommodityTotal.commodity_id)
            .where(MonthlyCommodityTotal.month >= filters.start,
                   MonthlyCommodityTotal.month <= filters.end, *conditions)
            .group_by(area, MonthlyCommodityTotal.month, Commodity.is_cash)):
        values[(code, month, 1 if is_cash else 0)] += int(value or 0)
    return dict(deliveries), dict(values)


def _sponsors(area, conditions) -> dict:
    """``{(area, kind): active sponsors living there}``."""
    return {(code, kind): count for code, kind, count in db.session.execute(
        select(area.label("area"), Sponsor.kind, func.count())
        .join(Region, Region.code == Sponsor.kelurahan_code)
        .where(Sponsor.active_matches > 0, Sponsor.approved_at.is_not(None),
               Sponsor.withdrawn_at.is_(None), *conditions)
        .group_by(area, Sponsor.kind))}


def _only(codes: list[str] | None) -> list:
    return [] if codes is None else [Child.kelurahan_code.in_(codes)]


def stunted_by_kelurahan(region: str | None, conditions, today: date,
                         newest=None) -> dict[str, Counter]:
    """``{kelurahan: Counter(severely_stunted=n, stunted=n, matched=n)}`` of the region's
    balita stunted today (``children.rules.stunted_condition``)."""
    def compute(codes):
        result: dict[str, Counter] = defaultdict(Counter)
        for kel, category, matched, count in db.session.execute(
                select(Child.kelurahan_code, Child.latest_category, Child.is_matched,
                       func.count())
                .join(Region, Region.code == Child.kelurahan_code)
                .where(stunted_condition(today, STUNTING_CATEGORIES), *conditions,
                       *_only(codes))
                .group_by(Child.kelurahan_code, Child.latest_category, Child.is_matched)):
            result[kel][category] += count
            if matched:
                result[kel]["matched"] += count
        return dict(result)

    return incremental.per_kelurahan(("stunted", today, region), outcomes.SOURCES, compute,
                                     newest)


def outcomes_by_kelurahan(filters: DashboardFilters, region: str | None, conditions,
                          newest=None) -> dict[str, dict]:
    """``{kelurahan: {(sponsored, first code, last code): children}}`` of the period."""
    def compute(codes):
        result: dict[str, dict] = defaultdict(dict)
        for (kel, sponsored, first, last), count in outcomes.grouped_outcome_rows(
                filters, None, conditions, codes).items():
            result[kel][(sponsored, first, last)] = count
        return dict(result)

    return incremental.per_kelurahan(("outcomes", region, filters.start, filters.end),
                                     outcomes.SOURCES, compute, newest)
