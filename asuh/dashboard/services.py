"""Dashboard figures: pure query functions returning plain dicts.

Every figure reads an aggregate or an index, never the millions of raw rows:

- *stunted children* and *matched %*: balita (active, under 60 months) classified stunted
  or severely stunted on a plausible measurement (``children.rules.stunted_condition``: a
  child to be re-measured is left out, as WHO leaves flagged values out of prevalence),
  and how many of them have a sponsor now (``Child.is_matched``). "Belum diasuh" is the
  rest: the same children matching's waiting list shows. These describe the registry
  NOW: the registry keeps each child's latest category, not its category on past dates,
  so the period does not change them (the kecamatan filter does).
- *active sponsors*: approved, not withdrawn, with at least one active match
  (``Sponsor.active_matches`` > 0), by kind (ASN / citizens), placed in the kecamatan of
  their own address. Also "now".
- *deliveries*: confirmed contributions dated in the period (and in its last month), from
  ``MonthlyDeliveryCount``.
- *commodities*: confirmed canonical quantities and values per commodity, in the period
  and its last month, from ``MonthlyCommodityTotal``; the cash equivalent apart from goods.
- *outcomes*: see ``outcomes.py``; *follow-up*: see ``followup.py``.

At 1,000,000 children (issue 16) the page stays cheap three ways: every input is summed
per area by the database (``rollup.py``), never per kelurahan in Python; the whole figure
set is cached per region, period and day under the audit stamp (``cache.py``); and after
a change the per-child inputs are recomputed for the changed kelurahan only
(``incremental.py``).
"""

from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from asuh import timeutil
from asuh.children.models import Child
from asuh.children.rules import STUNTING_CATEGORIES, stunted_condition
from asuh.contributions.models import Commodity, MonthlyDeliveryCount
from asuh.dashboard import cache, levels, outcomes, rollup
from asuh.dashboard.periods import DashboardFilters, short_month_label
from asuh.extensions import db
from asuh.regions.models import KECAMATAN, KELURAHAN, Region
from asuh.sponsors.models import SPONSOR_KINDS, Sponsor

STUNTING = STUNTING_CATEGORIES


# --- regions ---------------------------------------------------------------------------


def region_names() -> dict:
    """``{"kecamatan": {code: name}, "kelurahan": {code: (name, kecamatan code)}}``."""
    kecamatan, kelurahan = {}, {}
    for code, name, level, parent in db.session.execute(
            select(Region.code, Region.name, Region.level, Region.parent_code)
            .order_by(Region.name)):
        if level == KECAMATAN:
            kecamatan[code] = name
        elif level == KELURAHAN:
            kelurahan[code] = (name, parent)
    return {"kecamatan": kecamatan, "kelurahan": kelurahan}


# --- raw grouped counts ----------------------------------------------------------------


def children_counts(codes,
                    today: date | None = None) -> dict[str, dict]:
    """``{kelurahan: {"severely_stunted": n, "stunted": n, "matched": n}}`` (balita)."""
    stmt = (select(Child.kelurahan_code, Child.latest_category, Child.is_matched,
                   func.count())
            .where(stunted_condition(today or timeutil.today(), STUNTING))
            .group_by(Child.kelurahan_code, Child.latest_category, Child.is_matched))
    if codes is not None:
        stmt = stmt.where(Child.kelurahan_code.in_(codes))
    result: dict[str, dict] = defaultdict(lambda: dict.fromkeys((*STUNTING, "matched"), 0))
    for kel, category, matched, count in db.session.execute(stmt):
        result[kel][category] += count
        if matched:
            result[kel]["matched"] += count
    return result


def sponsor_counts(codes) -> dict[str, dict]:
    """``{kelurahan: {"asn": n, "citizen": n}}`` of active sponsors living there."""
    stmt = (select(Sponsor.kelurahan_code, Sponsor.kind, func.count())
            .where(Sponsor.active_matches > 0, Sponsor.approved_at.is_not(None),
                   Sponsor.withdrawn_at.is_(None))
            .group_by(Sponsor.kelurahan_code, Sponsor.kind))
    if codes is not None:
        stmt = stmt.where(Sponsor.kelurahan_code.in_(codes))
    result: dict[str, dict] = defaultdict(lambda: dict.fromkeys(SPONSOR_KINDS, 0))
    for kel, kind, count in db.session.execute(stmt):
        result[kel][kind] = result[kel].get(kind, 0) + count
    return result


def delivery_counts(filters: DashboardFilters, codes) -> dict:
    """``{(month, kelurahan): [deliveries, value_idr]}`` of confirmed deliveries."""
    stmt = (select(MonthlyDeliveryCount.month, MonthlyDeliveryCount.kelurahan_code,
                   MonthlyDeliveryCount.contributions, MonthlyDeliveryCount.value_idr)
            .where(MonthlyDeliveryCount.month >= filters.start,
                   MonthlyDeliveryCount.month <= filters.end))
    if codes is not None:
        stmt = stmt.where(MonthlyDeliveryCount.kelurahan_code.in_(codes))
    result: dict[tuple, list] = defaultdict(lambda: [0, 0])
    for month, kel, count, value in db.session.execute(stmt):
        result[(month, kel)][0] += count
        result[(month, kel)][1] += value
    return result


# --- figures ---------------------------------------------------------------------------


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def commodity_figures(filters: DashboardFilters, rows: dict) -> list[dict]:
    """Per commodity (catalogue order): quantity and value in the last month and period,
    plus the per-month series for the chart."""
    figures = []
    for commodity in db.session.scalars(
            select(Commodity).order_by(Commodity.sort_order, Commodity.name)):
        series = [rows.get((month, commodity.id), [Decimal(0), 0]) for month in filters.months]
        # A kabupaten/kota's own addition (issue 15) shows where it was given: another
        # city's figures do not name it.
        if (not commodity.active or commodity.city_code) and not any(q or v for q, v in series):
            continue
        last = rows.get((filters.end, commodity.id), [Decimal(0), 0])
        figures.append({
            "id": commodity.id, "code": commodity.code, "name": commodity.name,
            "unit": commodity.canonical_unit, "is_cash": commodity.is_cash,
            "quantity_last_month": last[0], "value_idr_last_month": last[1],
            "quantity_period": sum((q for q, _ in series), Decimal(0)),
            "value_idr_period": sum(v for _, v in series),
            "monthly_quantity": [q for q, _ in series],
            "monthly_value_idr": [v for _, v in series],
        })
    return figures


# Everything the page's figures are made from is audited under these kinds (cache.py): a
# child, measurement, match, delivery, sponsor, catalogue or region change, and the
# aggregates' rebuilds.
SOURCES = tuple(dict.fromkeys((*outcomes.SOURCES, *rollup.SOURCES)))


def dashboard(filters: DashboardFilters, scope: str | None = None) -> dict:
    """Everything the dashboard shows except the follow-up list, as plain data, for the
    filters' region of any level (``filters.region``), else the viewer's ``scope`` (a
    kabupaten/kota, a province; None: the whole installation).

    Computed once per region, period and day, and again after any change to what it is
    made from (``SOURCES``; the stamp is read from the shared database on every request,
    so a change made through another server is seen at once). The result is shared:
    callers copy before they change it."""
    region = filters.region or scope
    key = ("dashboard", timeutil.today(), region, filters.kecamatan_code, filters.start,
           filters.end)
    version = cache.stamp(SOURCES)
    return cache.cached(key, SOURCES, lambda: _dashboard(filters, region, version), version)


def _figures(part: rollup.Part, filters: DashboardFilters) -> dict:
    """The headline figures of one area's (or the region's) summed inputs."""
    kids = part.kids
    severely = kids["severely_stunted"]
    stunted = kids["stunted"] + severely
    matched = kids["matched"]
    active = {kind: part.sponsors[kind] for kind in SPONSOR_KINDS}

    def total(counter: Counter, index: int, last_only: bool = False) -> int:
        return sum(v for (month, i), v in counter.items()
                   if i == index and (not last_only or month == filters.end))

    groups = outcomes.summarize(dict(part.outcomes))
    cohort = groups["sponsored"]["children"] + groups["unsponsored"]["children"]
    improved = groups["sponsored"]["improved"] + groups["unsponsored"]["improved"]
    return {
        "stunted_children": stunted,
        "severely_stunted_children": severely,
        "matched_children": matched,
        "unmatched_children": stunted - matched,
        "matched_percent": _percent(matched, stunted),
        "active_sponsors": {**active, "total": sum(active.values())},
        "deliveries_period": total(part.deliveries, 0),
        "value_idr_period": total(part.deliveries, 1),
        "deliveries_last_month": total(part.deliveries, 0, True),
        "value_idr_last_month": total(part.deliveries, 1, True),
        # value_idr_* is goods and cash together; these keep them apart (issue 11).
        "goods_value_idr_period": total(part.values, 0),
        "cash_value_idr_period": total(part.values, 1),
        "goods_value_idr_last_month": total(part.values, 0, True),
        "cash_value_idr_last_month": total(part.values, 1, True),
        "outcome_children": cohort,
        "improved_children": improved,
        "improved_percent": _percent(improved, cohort),
    }


def _dashboard(filters: DashboardFilters, region: str | None, version: tuple) -> dict:
    """The same queries at every level: the region's kelurahan (``levels``), each figure
    rolled up by the database to the areas one level below; the headline is their sum
    (with any kelurahan outside the areas, as a whole-installation view keeps them)."""
    tree = levels.Tree()
    node = tree.get(region)
    level, nodes = tree.areas(region)
    where = levels.kelurahan_codes_under(region, tree)
    parts, rows = rollup.area_parts(filters, region, levels.area_column(level),
                                    levels.region_condition(node), where, timeutil.today(),
                                    cache.narrowed(version, SOURCES, rollup.SOURCES))
    whole = rollup.Part()
    for part in parts.values():
        whole.add(part)
    commodities = commodity_figures(filters, rows)
    return {
        "period": {"start": filters.start, "end": filters.end, "last_day": filters.last_day,
                   "label": filters.label, "months": filters.months,
                   "month_labels": [short_month_label(m) for m in filters.months]},
        "kelurahan_codes": None if region is None else tree.kelurahan_under(region),
        "kecamatan": ({"code": filters.kecamatan_code,
                       "name": node.name if node else None}
                      if filters.kecamatan_code else None),
        "region": ({"code": node.code, "name": node.name, "level": node.level}
                   if node else None),
        "headline": _figures(whole, filters),
        "commodities": [c for c in commodities if not c["is_cash"]],
        "cash": [c for c in commodities if c["is_cash"]],
        "area_level": level,
        "areas": [{"code": n.code, "name": n.name, **_figures(parts.get(n.code, rollup.Part()),
                                                              filters)}
                  for n in nodes],
        "outcomes": outcomes.summarize(dict(whole.outcomes)),
    }
