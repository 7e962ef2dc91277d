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
"""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from asuh import timeutil
from asuh.children.models import Child
from asuh.children.rules import STUNTING_CATEGORIES, stunted_condition
from asuh.contributions.models import Commodity, MonthlyCommodityTotal, MonthlyDeliveryCount
from asuh.dashboard import cache, levels, outcomes
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


def _cached_children_counts(where, region: str | None) -> dict[str, dict]:
    """``children_counts``, reused until a child, measurement or match changes: it reads one
    index entry per stunted child (a million in a province), the rest of the page reads
    aggregates."""
    today = timeutil.today()
    return cache.cached(("children_counts", today, region), outcomes.SOURCES,
                        lambda: {kel: dict(c) for kel, c in children_counts(where, today).items()})


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


def commodity_rows(filters: DashboardFilters, codes) -> dict:
    """``{(month, commodity_id): [canonical quantity, value_idr]}`` summed over kelurahan."""
    # Summed by the database: one row per month and commodity, not one per kelurahan too
    # (a province's thousand kelurahan made that 84,000 rows added up in Python).
    stmt = (select(MonthlyCommodityTotal.month, MonthlyCommodityTotal.commodity_id,
                   func.sum(MonthlyCommodityTotal.canonical_quantity),
                   func.sum(MonthlyCommodityTotal.value_idr))
            .where(MonthlyCommodityTotal.month >= filters.start,
                   MonthlyCommodityTotal.month <= filters.end)
            .group_by(MonthlyCommodityTotal.month, MonthlyCommodityTotal.commodity_id))
    if codes is not None:
        stmt = stmt.where(MonthlyCommodityTotal.kelurahan_code.in_(codes))
    result: dict[tuple, list] = defaultdict(lambda: [Decimal(0), 0])
    for month, commodity_id, quantity, value in db.session.execute(stmt):
        result[(month, commodity_id)][0] += Decimal(quantity)
        result[(month, commodity_id)][1] += int(value)
    return result


def value_split(filters: DashboardFilters, codes) -> dict:
    """``{(month, kelurahan): [goods value_idr, cash value_idr]}`` of confirmed items: the
    cash equivalent is money given instead of food, not a value of goods delivered."""
    stmt = (select(MonthlyCommodityTotal.month, MonthlyCommodityTotal.kelurahan_code,
                   Commodity.is_cash, func.sum(MonthlyCommodityTotal.value_idr))
            .join(Commodity, Commodity.id == MonthlyCommodityTotal.commodity_id)
            .where(MonthlyCommodityTotal.month >= filters.start,
                   MonthlyCommodityTotal.month <= filters.end)
            .group_by(MonthlyCommodityTotal.month, MonthlyCommodityTotal.kelurahan_code,
                      Commodity.is_cash))
    if codes is not None:
        stmt = stmt.where(MonthlyCommodityTotal.kelurahan_code.in_(codes))
    result: dict[tuple, list] = defaultdict(lambda: [0, 0])
    for month, kel, is_cash, value in db.session.execute(stmt):
        result[(month, kel)][1 if is_cash else 0] += int(value or 0)
    return result


# --- figures ---------------------------------------------------------------------------


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _area_figures(children: dict, sponsors: dict, deliveries: dict, outcome_rows: dict,
                  codes, filters: DashboardFilters, values: dict | None = None) -> dict:
    """The headline figures over the kelurahan ``codes`` (an iterable; all when None)."""
    # A set: a province's headline tests ~100,000 rows against its 1,000 kelurahan codes.
    wanted = None if codes is None else set(codes)

    def covered(kel):
        return wanted is None or kel in wanted

    kids = [c for kel, c in children.items() if covered(kel)]
    severely = sum(c["severely_stunted"] for c in kids)
    stunted = sum(c["stunted"] for c in kids) + severely
    matched = sum(c["matched"] for c in kids)
    active = {kind: sum(s.get(kind, 0) for kel, s in sponsors.items() if covered(kel))
              for kind in SPONSOR_KINDS}
    period = [v for (_, kel), v in deliveries.items() if covered(kel)]
    last = [v for (month, kel), v in deliveries.items() if covered(kel) and month == filters.end]
    split = [v for (_, kel), v in (values or {}).items() if covered(kel)]
    split_last = [v for (month, kel), v in (values or {}).items()
                  if covered(kel) and month == filters.end]
    groups = outcomes.summarize(outcome_rows, None if codes is None else set(codes))
    cohort = groups["sponsored"]["children"] + groups["unsponsored"]["children"]
    improved = groups["sponsored"]["improved"] + groups["unsponsored"]["improved"]
    return {
        "stunted_children": stunted,
        "severely_stunted_children": severely,
        "matched_children": matched,
        "unmatched_children": stunted - matched,
        "matched_percent": _percent(matched, stunted),
        "active_sponsors": {**active, "total": sum(active.values())},
        "deliveries_period": sum(v[0] for v in period),
        "value_idr_period": sum(v[1] for v in period),
        "deliveries_last_month": sum(v[0] for v in last),
        "value_idr_last_month": sum(v[1] for v in last),
        # value_idr_* is goods and cash together; these keep them apart (issue 11).
        "goods_value_idr_period": sum(v[0] for v in split),
        "cash_value_idr_period": sum(v[1] for v in split),
        "goods_value_idr_last_month": sum(v[0] for v in split_last),
        "cash_value_idr_last_month": sum(v[1] for v in split_last),
        "outcome_children": cohort,
        "improved_children": improved,
        "improved_percent": _percent(improved, cohort),
    }


def _per_kelurahan(children: dict, sponsors: dict, deliveries: dict, values: dict,
                   outcome_rows: dict) -> dict[str, tuple[dict, ...]]:
    """Each kelurahan's rows of the five inputs of ``_area_figures``, split in one pass."""
    parts: dict[str, tuple[dict, ...]] = defaultdict(lambda: ({}, {}, {}, {}, {}))
    for kel, row in children.items():
        parts[kel][0][kel] = row
    for kel, row in sponsors.items():
        parts[kel][1][kel] = row
    for key, row in deliveries.items():
        parts[key[1]][2][key] = row
    for key, row in values.items():
        parts[key[1]][3][key] = row
    for key, row in outcome_rows.items():
        parts[key[0]][4][key] = row
    return parts


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


def dashboard(filters: DashboardFilters, scope: str | None = None) -> dict:
    """Everything the dashboard shows except the follow-up list, as plain data, for the
    filters' region of any level (``filters.region``), else the viewer's ``scope`` (a
    kabupaten/kota, a province; None: the whole installation). The same queries at every
    level, filtered to the region's kelurahan (``levels``)."""
    tree = levels.Tree()
    region = filters.region or scope
    where = levels.kelurahan_codes_under(region, tree)
    codes = None if region is None else tree.kelurahan_under(region)
    children = _cached_children_counts(where, region)
    sponsors = sponsor_counts(where)
    deliveries = delivery_counts(filters, where)
    outcome_rows = outcomes.region_outcome_rows(filters, region, where)
    commodities = commodity_figures(filters, commodity_rows(filters, where))
    values = value_split(filters, where)

    def figures(area_codes):
        return _area_figures(children, sponsors, deliveries, outcome_rows, area_codes, filters,
                             values)

    level, nodes = tree.areas(region)
    areas = [(n.code, n.name, tree.kelurahan_under(n.code)) for n in nodes]
    node = tree.get(region)
    parts = _per_kelurahan(children, sponsors, deliveries, values, outcome_rows)

    def area_figures(members):
        # Only the area's own rows: scanning every row for every area made the page
        # O(areas x rows), seconds for a province's hundred kecamatan.
        own: tuple[dict, ...] = ({}, {}, {}, {}, {})
        for kel in members:
            for mine, part in zip(own, parts.get(kel, ()), strict=False):
                mine.update(part)
        kids, active, delivered, split, outcome = own
        return _area_figures(kids, active, delivered, outcome, None, filters, split)

    return {
        "period": {"start": filters.start, "end": filters.end, "last_day": filters.last_day,
                   "label": filters.label, "months": filters.months,
                   "month_labels": [short_month_label(m) for m in filters.months]},
        "kelurahan_codes": codes,
        "kecamatan": ({"code": filters.kecamatan_code,
                       "name": node.name if node else None}
                      if filters.kecamatan_code else None),
        "region": ({"code": node.code, "name": node.name, "level": node.level}
                   if node else None),
        "headline": figures(codes),
        "commodities": [c for c in commodities if not c["is_cash"]],
        "cash": [c for c in commodities if c["is_cash"]],
        "area_level": level,
        "areas": [{"code": code, "name": name, **area_figures(members)}
                  for code, name, members in areas],
        "outcomes": outcomes.summarize(outcome_rows, None if codes is None else set(codes)),
    }
