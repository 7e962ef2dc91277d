"""Figures at every level (issue 15): the province, a kabupaten/kota, a kecamatan, a
kelurahan. One definition for all: a region is the set of kelurahan under it, and every
figure is the same grouped query filtered to that set; a region's areas are the regions
one level below it. Kemendagri codes carry their ancestors (``19.71.01.1004`` lies in
kecamatan ``19.71.01``, kota ``19.71``, province ``19``), so the tree is read from the
small regions table once and the big tables are filtered with a subquery.
"""

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, select

from asuh.dashboard.periods import parse_filters
from asuh.extensions import db
from asuh.regions import scopes
from asuh.regions.models import KABUPATEN, KECAMATAN, KELURAHAN, PROVINSI, Region
from asuh.regions.services import kecamatan_list

LEVELS = (PROVINSI, KABUPATEN, KECAMATAN, KELURAHAN)
BELOW = {PROVINSI: KABUPATEN, KABUPATEN: KECAMATAN, KECAMATAN: KELURAHAN}
LEVEL_LABELS = {PROVINSI: "Provinsi", KABUPATEN: "Kabupaten/kota", KECAMATAN: "Kecamatan",
                KELURAHAN: "Kelurahan/desa"}


@dataclass(frozen=True)
class Node:
    code: str
    name: str
    level: str
    parent_code: str | None


class Tree:
    """Every region by code, with each kelurahan's ancestors (one read of ``regions``)."""

    def __init__(self) -> None:
        self.nodes = {code: Node(code, name, level, parent) for code, name, level, parent in
                      db.session.execute(select(Region.code, Region.name, Region.level,
                                                Region.parent_code).order_by(Region.name))}

    def get(self, code: str | None) -> Node | None:
        return self.nodes.get(code) if code else None

    def contains(self, region_code: str | None, code: str) -> bool:
        """``code`` lies in the region (``None``: the whole installation)."""
        if region_code is None:
            return True
        node = self.nodes.get(code)
        while node is not None:
            if node.code == region_code:
                return True
            node = self.nodes.get(node.parent_code) if node.parent_code else None
        return False

    def kelurahan_under(self, region_code: str | None) -> list[str]:
        return [n.code for n in self.nodes.values()
                if n.level == KELURAHAN and self.contains(region_code, n.code)]

    def areas(self, region_code: str | None) -> tuple[str, list[Node]]:
        """``(level, regions)`` one level below the region; for the whole installation its
        provinces when it holds several, else its cities when several, else the one
        city's kecamatan (as a single-city installation always showed)."""
        node = self.get(region_code)
        if node is not None:
            level = BELOW.get(node.level)
            if level is None:
                return KELURAHAN, [node]
            return level, [n for n in self.nodes.values()
                           if n.level == level and n.parent_code == node.code]
        for level in (PROVINSI, KABUPATEN):
            found = [n for n in self.nodes.values() if n.level == level]
            if len(found) > 1:
                return level, found
        return KECAMATAN, [n for n in self.nodes.values() if n.level == KECAMATAN]


def kelurahan_codes_under(region_code: str | None, tree: Tree | None = None) -> Select | None:
    """The kelurahan of a region of any level, as a subquery for the big tables; None is
    the whole installation (no filter)."""
    if region_code is None:
        return None
    if len(region_code) <= scopes.CITY_SCOPE_LENGTH:
        return scopes.kelurahan_codes_in(region_code)
    node = (tree or Tree()).get(region_code)
    if node is not None and node.level == KELURAHAN:
        return select(Region.code).where(Region.code == region_code)
    return select(Region.code).where(Region.level == KELURAHAN,
                                     Region.parent_code == region_code)


# The column of a kelurahan's ``regions`` row that names its area at each level: the big
# tables join ``regions`` once and GROUP BY this column, so the database rolls the rows up
# to the areas shown (ten kabupaten/kota, a city's kecamatan), never Python.
AREA_COLUMNS = {PROVINSI: Region.province_code, KABUPATEN: Region.city_code,
                KECAMATAN: Region.parent_code, KELURAHAN: Region.code}


def area_column(level: str):
    """The ``regions`` column naming a kelurahan's area of ``level``."""
    return AREA_COLUMNS[level]


def region_condition(node: Node | None) -> list[ColumnElement]:
    """WHERE clauses on a kelurahan's ``regions`` row keeping those under ``node`` (the
    same set as ``Tree.kelurahan_under``); none for the whole installation."""
    if node is None:
        return []
    if node.level == KELURAHAN:
        return [Region.code == node.code]
    column = {PROVINSI: Region.province_code, KABUPATEN: Region.city_code,
              KECAMATAN: Region.parent_code}[node.level]
    return [Region.level == KELURAHAN, column == node.code]


def default_region(scope: str | None) -> str | None:
    """What a viewer sees first: their scope (the installation's one city or province
    when it holds only one and the viewer has no scope is the same as everything)."""
    return scope


def region_in_scope(scope: str | None, region_code: str | None) -> bool:
    return region_code is None and scope is None or (
        region_code is not None and scopes.within(scope, region_code))


def scoped_filters(args, user, *, strict: bool):
    """The dashboard's filters, limited to ``user``'s scope: a kecamatan or region outside
    it is unknown (as one that does not exist). Returns ``(filters, scope, kecamatan,
    regions)`` for the page's pickers."""
    scope = scopes.scope_of(user)
    cities = scopes.cities_in(scope)
    city_codes = {c.code for c in cities}
    kecamatan = [k for k in kecamatan_list() if scope is None or k.code[:5] in city_codes]
    provinces = {c.parent.code: c.parent for c in cities if c.parent is not None}
    regions = [p for p in provinces.values() if scopes.within(scope, p.code)] + cities
    known = {r.code for r in regions} | {k.code for k in kecamatan}
    if (args.get("region_code") or "").count(".") >= 2:
        # A kecamatan or kelurahan code names a region too (figures at every level).
        known |= set(map(str, db.session.scalars(
            kelurahan_codes_under(scope) if scope else select(Region.code))))
    filters = parse_filters(args, strict=strict, known_kecamatan={k.code for k in kecamatan},
                            known_regions=known)
    return filters, scope, kecamatan, regions
