"""Outcomes: did stunted children grow into a better height-for-age category?

Definition (shown on the dashboard as well):

- The cohort of a period (whole months) is every child whose FIRST live measurement in the
  period is ``severely_stunted`` or ``stunted`` and who has at least two live measurements
  in it (with one, nothing can be compared). Status does not matter: a child who has since
  graduated or moved still counts for the months they were measured.
- The child *improved* when the category of their LAST live measurement in the period is
  better (severely stunted → stunted, normal or tall; stunted → normal or tall),
  *worsened* when it is worse (stunted → severely stunted), otherwise *unchanged*.
- *Sponsored* means the child had a match active at some time in the period
  (started on or before its last day, not ended before its first day); the others are
  the comparison group.

Read from ``ChildGrowthSummary.grid`` (see ``models.py``): one row per child, so the
answer costs one pass over the children, never over their measurements.
"""

from collections import defaultdict

from sqlalchemy import case, func, literal, or_, select

from asuh.children.models import Child
from asuh.dashboard import cache
from asuh.dashboard.growth import month_number
from asuh.dashboard.models import CODE_CATEGORIES, ChildGrowthSummary
from asuh.dashboard.periods import DashboardFilters
from asuh.extensions import db
from asuh.matching.models import Match
from asuh.matching.rules import active_during
from asuh.regions.models import Region

IMPROVED, UNCHANGED, WORSENED, UNKNOWN = "improved", "unchanged", "worsened", "unknown"
OUTCOME_LABELS = {IMPROVED: "Membaik", UNCHANGED: "Tetap", WORSENED: "Memburuk",
                  UNKNOWN: "Tidak dapat dinilai"}
_STUNTED_CODES = ("1", "2")
_JUDGED_CODES = "1234"


def _period_window(start_month: int, end_month: int):
    """The grid's characters for the period's months, leading empty months removed."""
    first = ChildGrowthSummary.first_month
    offset = case((first < start_month, 3 * (start_month - first) + 1), else_=1)
    length = case((first < start_month, 3 * (end_month - start_month + 1)),
                  else_=3 * (end_month - first + 1))
    window = case((first <= end_month, func.substr(ChildGrowthSummary.grid, offset, length)),
                  else_=literal(""))
    return func.ltrim(window, "0")


def sponsored_children(filters: DashboardFilters):
    """Ids of the children with a match active at some time in the period."""
    return (select(Match.child_id).distinct()
            .where(active_during(filters.start, filters.last_day)))


def outcome_rows(filters: DashboardFilters, where=None) -> dict:
    """``{(kelurahan, sponsored, first category code, last category code): children}``
    over the kelurahan ``where`` selects (all when None); a smaller area is a selection
    of its kelurahan: see ``summarize``."""
    return grouped_outcome_rows(
        filters, None, [] if where is None else [Child.kelurahan_code.in_(where)])


def grouped_outcome_rows(filters: DashboardFilters, area=None, conditions=(),
                         kelurahan: list[str] | None = None) -> dict:
    """``outcome_rows`` counted per area by the database: ``area`` is the ``regions``
    column naming a kelurahan's area (``levels.area_column``; None: the kelurahan code
    itself) and ``conditions`` keep the region's children (on ``Child`` or on their
    kelurahan's ``Region`` row, ``levels.region_condition``); ``kelurahan``: only these
    (a few changed ones: then the matches read are theirs too, not the province's)."""
    start, end = month_number(filters.start), month_number(filters.end)
    sponsored = sponsored_children(filters)
    if kelurahan is not None:
        conditions = [*conditions, Child.kelurahan_code.in_(kelurahan)]
        sponsored = sponsored.where(Match.child_id.in_(
            select(Child.id).where(Child.kelurahan_code.in_(kelurahan))))
    in_region = []
    if conditions:
        # Only the region's children are cut: a city's pass reads the city, not the
        # province around it.
        in_region = [ChildGrowthSummary.child_id.in_(
            select(Child.id).join(Region, Region.code == Child.kelurahan_code)
            .where(*conditions))]
    # Materialised so the window is cut once per child, not once per use below.
    window = (select(ChildGrowthSummary.child_id.label("child_id"),
                     _period_window(start, end).label("x"))
              .where(ChildGrowthSummary.first_month <= end, *in_region)
              .cte("growth_window").prefix_with("MATERIALIZED"))
    # A join, not "IN (…)" per row: on SQLite that is a third faster here.
    sponsored = sponsored.cte("sponsored").prefix_with("MATERIALIZED")
    trimmed = func.rtrim(window.c.x, "0")
    first = func.substr(window.c.x, 1, 1)
    last = func.substr(trimmed, func.length(trimmed) - 1, 1)
    # Grouped in an outer query over labelled columns: PostgreSQL cannot match a GROUP BY
    # expression to its SELECT twin when each carries its own bound parameters.
    cohort = (select((Child.kelurahan_code if area is None else area).label("kel"),
                     sponsored.c.child_id.is_not(None).label("sponsored"),
                     first.label("first"), last.label("last"))
              .select_from(window).join(Child, Child.id == window.c.child_id)
              .outerjoin(sponsored, sponsored.c.child_id == window.c.child_id)
              .where(first.in_(_STUNTED_CODES),
                     or_(func.length(trimmed) > 3, func.substr(window.c.x, 3, 1) > "1")))
    if area is not None:
        cohort = cohort.join(Region, Region.code == Child.kelurahan_code)
    labelled = cohort.subquery()
    columns = (labelled.c.kel, labelled.c.sponsored, labelled.c.first, labelled.c.last)
    stmt = select(*columns, func.count()).group_by(*columns)
    return {(kel, bool(sp), f, la): n for kel, sp, f, la, n in db.session.execute(stmt)}


# Everything the rows depend on is audited under these kinds (see cache.py).
SOURCES = ("child", "measurement", "match", cache.GROWTH_REBUILT)


def city_outcome_rows(filters: DashboardFilters) -> dict:
    """``outcome_rows`` of the whole installation, computed once per period until a
    child, measurement or match changes."""
    return region_outcome_rows(filters, None, None)


def region_outcome_rows(filters: DashboardFilters, region: str | None, where) -> dict:
    """``outcome_rows`` over a region's kelurahan (``where``), cached per region and
    period: a kota's officer never waits for the whole province's pass."""
    return cache.cached(("outcomes", region, filters.start, filters.end), SOURCES,
                        lambda: outcome_rows(filters, where))


def judge(first_code: str, last_code: str) -> str:
    if last_code not in _JUDGED_CODES:
        return UNKNOWN
    if last_code > first_code:
        return IMPROVED
    if last_code < first_code:
        return WORSENED
    return UNCHANGED


def _empty_group() -> dict:
    return {"children": 0, IMPROVED: 0, UNCHANGED: 0, WORSENED: 0, UNKNOWN: 0,
            "improved_percent": None, "transitions": {}}


def summarize(rows: dict, kelurahan_codes=None) -> dict:
    """``{"sponsored": group, "unsponsored": group}`` over the given kelurahan (all if None);
    a group holds the cohort size, each outcome's count, the share improved and the
    ``transitions`` ``{"stunted→normal": n}``."""
    groups = {"sponsored": _empty_group(), "unsponsored": _empty_group()}
    for (kel, sponsored, first, last), count in rows.items():
        if kelurahan_codes is not None and kel not in kelurahan_codes:
            continue
        group = groups["sponsored" if sponsored else "unsponsored"]
        group["children"] += count
        group[judge(first, last)] += count
        key = f"{CODE_CATEGORIES[first]}→{CODE_CATEGORIES.get(last, 'unknown')}"
        group["transitions"][key] = group["transitions"].get(key, 0) + count
    for group in groups.values():
        if group["children"]:
            group["improved_percent"] = round(100 * group[IMPROVED] / group["children"], 1)
        group["transitions"] = dict(sorted(group["transitions"].items()))
    return groups


def per_kelurahan(rows: dict) -> dict[str, dict]:
    """``{kelurahan: {"children": n, "improved": n}}`` over both groups."""
    result: dict[str, dict] = defaultdict(lambda: {"children": 0, IMPROVED: 0})
    for (kel, _sponsored, first, last), count in rows.items():
        result[kel]["children"] += count
        if judge(first, last) == IMPROVED:
            result[kel][IMPROVED] += count
    return result
