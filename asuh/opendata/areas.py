"""The public figures' areas (issue 15): the installation's tree of regions as the public
pages walk it.

One kabupaten/kota: the city (its figures under the settings' city name, code "" as
always), its kecamatan, their kelurahan. Several: the province (or, with several
provinces, the whole installation over them), each kabupaten/kota, its kecamatan, their
kelurahan. The tree is the dashboard's (``dashboard.levels.Tree``), so a region's figures
are over the same kelurahan as its dashboard's.

An area is ``(level, code)``; levels are the names the CSV publishes.
"""

from __future__ import annotations

from collections import defaultdict

from asuh.dashboard import levels
from asuh.regions.models import KABUPATEN, KECAMATAN, KELURAHAN, PROVINSI
from asuh.regions.scopes import city_code_of

# Published level names (the CSV's ``tingkat_wilayah``). "kota" is the one city of a
# single-city installation, as it has always been published.
CITY = "kota"
INSTALLATION = "instalasi"
PROVINCE = "provinsi"
CITIES = "kabupaten_kota"
KECAMATAN_LEVEL = "kecamatan"
KELURAHAN_LEVEL = "kelurahan"
CITY_AREA = (CITY, "")
# What a page about an area of this level lists, per row.
MEMBER_LEVEL = {INSTALLATION: PROVINCE, PROVINCE: CITIES, CITY: KECAMATAN_LEVEL,
                CITIES: KECAMATAN_LEVEL, KECAMATAN_LEVEL: KELURAHAN_LEVEL}


def build() -> dict:
    """``{"root", "names", "members", "depth", "parent", "codes"}``: the root area, each
    area's name, its members (by name), depth (root 0), parent, and ``codes``, the area a
    typed ``?wilayah=`` code names (kelurahan are rows, never pages, so not there)."""
    tree = levels.Tree()
    by_level: dict[str, list] = defaultdict(list)
    for node in tree.nodes.values():  # by name
        by_level[node.level].append(node)
    names: dict = {}
    parent: dict = {}
    codes: dict = {}
    if len(by_level[KABUPATEN]) <= 1:
        root = CITY_AREA
        names[root] = ""
        # The one city and its province name the root too (a link made for a province
        # keeps working while it holds one city).
        for node in (*by_level[PROVINSI], *by_level[KABUPATEN]):
            codes[node.code] = root
        city_of = {node.code: root for node in by_level[KABUPATEN]}
    else:
        provinces = by_level[PROVINSI]
        if len(provinces) == 1:
            root = (PROVINCE, provinces[0].code)
            names[root] = provinces[0].name
            province_of = {provinces[0].code: root}
        else:
            root = (INSTALLATION, "")
            names[root] = ""
            province_of = {}
            for node in provinces:
                area = (PROVINCE, node.code)
                names[area], parent[area], codes[node.code] = node.name, root, area
                province_of[node.code] = area
        codes[root[1]] = root
        city_of = {}
        for node in by_level[KABUPATEN]:
            area = (CITIES, node.code)
            names[area], codes[node.code] = node.name, area
            parent[area] = province_of.get(node.parent_code or node.code[:2], root)
            city_of[node.code] = area
    codes[""] = root
    kecamatan_of = {}
    for node in by_level[KECAMATAN]:
        area = (KECAMATAN_LEVEL, node.code)
        names[area], codes[node.code] = node.name, area
        parent[area] = city_of.get(node.parent_code) or city_of.get(city_code_of(node.code),
                                                                    root)
        kecamatan_of[node.code] = area
    for node in by_level[KELURAHAN]:
        area = (KELURAHAN_LEVEL, node.code)
        names[area] = node.name
        # A kelurahan whose kecamatan is unknown still adds up to the whole.
        parent[area] = kecamatan_of.get(node.parent_code, root)
    members: dict = defaultdict(list)
    for area, above in parent.items():
        members[above].append(area)
    depth = {root: 0}

    def depth_of(area):
        if area not in depth:
            depth[area] = depth_of(parent[area]) + 1
        return depth[area]

    for area in parent:
        depth_of(area)
    return {"root": root, "names": names, "members": dict(members), "depth": depth,
            "parent": parent, "codes": codes}


def ancestors(areas: dict, area) -> list:
    """The areas above ``area``, the root first."""
    found = []
    while area in areas["parent"]:
        area = areas["parent"][area]
        found.append(area)
    return found[::-1]
