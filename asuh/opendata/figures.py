"""The public figures: the dashboard's own counts, for the province, each kabupaten/kota,
each kecamatan and each kelurahan (``areas.py``), with small groups suppressed
(``suppression.py``).

Every count comes from the dashboard's query functions (``dashboard.services``:
stunted children and their sponsors, active sponsors by kind, confirmed deliveries per
month; ``dashboard.outcomes``: the growth cohort and who improved), summed per region here
over the same kelurahan as the dashboard's levels (``dashboard.levels``); nothing re-reads
the raw rows. The whole installation is protected at once, in one system of sums
(kelurahan to kecamatan, kecamatan to kabupaten/kota, kabupaten/kota to the province), so
a figure hidden on one page is hidden on every page and in every CSV too: combining pages,
or a city's total with its other kecamatan, or the province's with its other cities,
gives nothing away.
"""

from collections import defaultdict
from datetime import date

from asuh.dashboard import outcomes, services
from asuh.dashboard.periods import DashboardFilters, add_months, first_of_month, month_label
from asuh.opendata import areas as area_tree
from asuh.opendata.suppression import protect
from asuh.sponsors.models import SPONSOR_KINDS

CITY, KECAMATAN, KELURAHAN = (area_tree.CITY, area_tree.KECAMATAN_LEVEL,
                              area_tree.KELURAHAN_LEVEL)
CITY_AREA = area_tree.CITY_AREA
PERIOD = "period"
CHILD_MEASURES = ("stunted", "matched", "unmatched")
SPONSOR_MEASURES = (*SPONSOR_KINDS, "total")
GROUPS = ("all", "sponsored", "unsponsored")
# "other" (followed, not improved) is never published; it is an unknown all the same.
OUTCOME_MEASURES = ("followed", "improved", "other")
MONTHS_SHOWN = 12


def public_filters(today: date) -> DashboardFilters:
    """The last twelve whole months, this one included (the dashboard's period type)."""
    end = first_of_month(today)
    return DashboardFilters(add_months(end, 1 - MONTHS_SHOWN), end)


class _Family:
    """Cells tied by sums, protected together."""

    def __init__(self):
        self.values: dict = {}
        self.relations: list = []
        self.shown: set = set()
        self.detail: dict = {}

    def add(self, key, value: int, *, depth: int, shown: bool = True) -> None:
        self.values[key] = int(value)
        self.detail[key] = depth
        if shown:
            self.shown.add(key)

    def sum(self, total, parts) -> None:
        self.relations.append((total, tuple(parts)))

    def published(self, minimum: int) -> dict:
        """``{key: value}`` for the shown cells, None where suppressed."""
        hidden = protect(self.values, self.relations, shown=self.shown, minimum=minimum,
                         detail=self.detail)
        return {key: (None if key in hidden else self.values[key]) for key in self.shown}


def _rollup(areas: dict, by_kelurahan: dict, measures) -> dict:
    """``{(area, measure): n}`` for every area from ``{kelurahan code: {measure: n}}``."""
    totals: dict = defaultdict(int)
    for area in areas["depth"]:
        if area[0] == KELURAHAN:
            for measure in measures:
                totals[(area, measure)] = by_kelurahan.get(area[1], {}).get(measure, 0)

    def fill(area):
        for child in areas["members"].get(area, ()):
            if child[0] != KELURAHAN:
                fill(child)
            for measure in measures:
                totals[(area, measure)] += totals[(child, measure)]

    fill(areas["root"])
    return totals


def _hierarchy(family: _Family, areas: dict, key) -> None:
    """parent = sum of its members, for each cell ``key(area)``."""
    for parent, children in areas["members"].items():
        family.sum(key(parent), [key(child) for child in children])


def _children_family(areas: dict, today: date) -> _Family:
    counts = {kel: {"stunted": c["stunted"] + c["severely_stunted"], "matched": c["matched"],
                    "unmatched": c["stunted"] + c["severely_stunted"] - c["matched"]}
              for kel, c in services.children_counts(None, today).items()}
    totals = _rollup(areas, counts, CHILD_MEASURES)
    family = _Family()
    for area, depth in areas["depth"].items():
        for measure in CHILD_MEASURES:
            family.add(("children", area, measure), totals[(area, measure)], depth=depth)
        family.sum(("children", area, "stunted"),
                   [("children", area, "matched"), ("children", area, "unmatched")])
    for measure in CHILD_MEASURES:
        _hierarchy(family, areas, lambda a, m=measure: ("children", a, m))
    return family


def _sponsor_family(areas: dict) -> _Family:
    counts = {kel: {**kinds, "total": sum(kinds.values())}
              for kel, kinds in services.sponsor_counts(None).items()}
    totals = _rollup(areas, counts, SPONSOR_MEASURES)
    family = _Family()
    for area, depth in areas["depth"].items():
        for measure in SPONSOR_MEASURES:
            family.add(("sponsors", area, measure), totals[(area, measure)], depth=depth)
        family.sum(("sponsors", area, "total"), [("sponsors", area, k) for k in SPONSOR_KINDS])
    for measure in SPONSOR_MEASURES:
        _hierarchy(family, areas, lambda a, m=measure: ("sponsors", a, m))
    return family


def _delivery_families(areas: dict, filters: DashboardFilters) -> tuple[_Family, dict]:
    """Deliveries (counts, protected) and their value (hidden where the count is)."""
    by_kel: dict = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for (month, kel), (count, value) in services.delivery_counts(filters, None).items():
        by_kel[kel][month][0] += count
        by_kel[kel][month][1] += value
    months = filters.months
    counts = {kel: {m: v[0] for m, v in per.items()} for kel, per in by_kel.items()}
    values = {kel: {m: v[1] for m, v in per.items()} for kel, per in by_kel.items()}
    for table in (counts, values):
        for per in table.values():
            per[PERIOD] = sum(per.get(m, 0) for m in months)
    count_totals = _rollup(areas, counts, (*months, PERIOD))
    value_totals = _rollup(areas, values, (*months, PERIOD))
    family, money = _Family(), {}
    for area, depth in areas["depth"].items():
        # Months are published for the city and each kecamatan, the period for all.
        monthly = area[0] != KELURAHAN
        for month in (*months, PERIOD) if monthly else (PERIOD,):
            family.add(("deliveries", area, month), count_totals[(area, month)], depth=depth)
            money[("deliveries", area, month)] = value_totals[(area, month)]
        if monthly:
            family.sum(("deliveries", area, PERIOD), [("deliveries", area, m) for m in months])
    _hierarchy(family, areas, lambda a: ("deliveries", a, PERIOD))
    # An area's month is its members' months summed where those are cells (the
    # province's of its cities, a city's of its kecamatan); a kecamatan's kelurahan have
    # no months, and an area with a kelurahan hanging on it directly has no such sum (a
    # sum missing a part is no sum).
    for area, members in areas["members"].items():
        if all(member[0] != KELURAHAN for member in members):
            for month in months:
                family.sum(("deliveries", area, month),
                           [("deliveries", member, month) for member in members])
    return family, money


def _outcome_family(areas: dict, filters: DashboardFilters) -> _Family:
    by_kel: dict = defaultdict(lambda: defaultdict(int))
    for (kel, sponsored, first, last), count in outcomes.city_outcome_rows(filters).items():
        improved = outcomes.judge(first, last) == outcomes.IMPROVED
        for group in ("all", "sponsored" if sponsored else "unsponsored"):
            by_kel[kel][(group, "followed")] += count
            by_kel[kel][(group, "improved" if improved else "other")] += count
    measures = [(g, m) for g in GROUPS for m in OUTCOME_MEASURES]
    totals = _rollup(areas, by_kel, measures)
    family = _Family()
    for area, depth in areas["depth"].items():
        for group, measure in measures:
            # Each area's cohort and its improved; the split by sponsorship down to the
            # kecamatan (a kelurahan's would be mostly suppressed).
            shown = measure != "other" and (group == "all" or area[0] != KELURAHAN)
            family.add(("outcomes", area, group, measure), totals[(area, (group, measure))],
                       depth=depth, shown=shown)
        for group in GROUPS:
            family.sum(("outcomes", area, group, "followed"),
                       [("outcomes", area, group, "improved"),
                        ("outcomes", area, group, "other")])
        for measure in OUTCOME_MEASURES:
            family.sum(("outcomes", area, "all", measure),
                       [("outcomes", area, "sponsored", measure),
                        ("outcomes", area, "unsponsored", measure)])
    for group, measure in measures:
        _hierarchy(family, areas, lambda a, g=group, m=measure: ("outcomes", a, g, m))
    return family


def city_figures(today: date, minimum: int) -> dict:
    """Every published figure of the installation, each of its regions down to the
    kelurahan: ``cells`` maps a cell's key to its value, or None where it is suppressed."""
    filters = public_filters(today)
    areas = area_tree.build()
    cells: dict = {}
    for family in (_children_family(areas, today), _sponsor_family(areas),
                   _outcome_family(areas, filters)):
        cells.update(family.published(minimum))
    deliveries, money = _delivery_families(areas, filters)
    counts = deliveries.published(minimum)
    cells.update(counts)
    cells.update({("value", *key[1:]): (None if count is None else money[key])
                  for key, count in counts.items()})
    return {"cells": cells, "areas": areas, "months": filters.months,
            "period_label": filters.label, "minimum": minimum,
            "month_labels": {m: month_label(m) for m in filters.months}}


# --- one page's view -------------------------------------------------------------------


def _percent(part, whole):
    if part is None or whole is None or not whole:
        return None
    return round(100 * part / whole, 1)


def area_row(figures: dict, area) -> dict:
    cells = figures["cells"]

    def get(*key):
        return cells.get(key)

    stunted, matched = get("children", area, "stunted"), get("children", area, "matched")
    followed = get("outcomes", area, "all", "followed")
    improved = get("outcomes", area, "all", "improved")
    return {
        "level": area[0], "code": area[1], "name": figures["areas"]["names"][area],
        "stunted": stunted, "matched": matched,
        "unmatched": get("children", area, "unmatched"),
        "matched_percent": _percent(matched, stunted),
        "sponsors": {m: get("sponsors", area, m) for m in SPONSOR_MEASURES},
        "deliveries": get("deliveries", area, PERIOD),
        "value_idr": get("value", area, PERIOD),
        "followed": followed, "improved": improved,
        "improved_percent": _percent(improved, followed),
        "groups": {g: {"followed": get("outcomes", area, g, "followed"),
                       "improved": get("outcomes", area, g, "improved"),
                       "improved_percent": _percent(get("outcomes", area, g, "improved"),
                                                    get("outcomes", area, g, "followed"))}
                   for g in GROUPS},
    }


def page(figures: dict, area) -> dict:
    """What the page (and its CSV) for ``area`` shows: its own figures, its members'
    rows, and its deliveries per month."""
    cells = figures["cells"]
    return {
        "area": area_row(figures, area),
        "rows": [area_row(figures, member)
                 for member in figures["areas"]["members"].get(area, ())
                 # Kelurahan are a kecamatan's rows; one hanging on a city directly
                 # counts in its totals but has no row of its own there.
                 if member[0] != KELURAHAN or area[0] == KECAMATAN],
        "months": [{"month": m, "label": figures["month_labels"][m],
                    "deliveries": cells.get(("deliveries", area, m)),
                    "value_idr": cells.get(("value", area, m))}
                   for m in figures["months"]],
        "period_label": figures["period_label"],
        "minimum": figures["minimum"],
    }
