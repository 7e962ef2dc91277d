"""Which column of an e-PPGBM / posyandu export holds what: header names and their variants.

Headers are compared after lower-casing and dropping everything but letters and digits
("JK (L/P)" → "jklp"); a second try also drops parenthesized parts ("jk").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from asuh.children.import_cells import squashed

# Header aliases, compared after lower-casing and dropping everything but letters and
# digits ("JK (L/P)" → "jklp"); a second try also drops parenthesized parts ("jk").
_ALIASES: dict[str, tuple[str, ...]] = {
    "nik": ("nik", "nikanak", "nikbalita", "nonik", "nomornik"),
    "name": ("nama", "namaanak", "namabalita"),
    "sex": ("jk", "jklp", "jeniskelamin", "lp", "kelamin"),
    "birth_date": ("tgllahir", "tanggallahir", "tgllhr", "tanggallahiranak"),
    "guardian_name": (
        "namaortu", "namaorangtua", "namaibu", "namaortuwali", "namaibukandung",
        "namaayah", "orangtua", "ortu",
    ),
    "province": ("prov", "provinsi", "namaprovinsi", "kodeprov", "kodeprovinsi"),
    "regency": ("kabkota", "kabkot", "kab", "kota", "kabupaten", "kabupatenkota",
                "namakabkota", "kodekabkota", "kodekab"),
    "kecamatan_name": ("kec", "kecamatan", "namakecamatan"),
    "kelurahan_name": (
        "desakel", "kelurahan", "desa", "desakelurahan", "kelurahandesa", "keldesa", "kel",
        "namakelurahan", "namadesa",
    ),
    "kelurahan_code": (
        "kodekel", "kodewilayah", "kodekelurahan", "kodedesa", "kodedesakel",
        "kodekeldesa", "kodekemendagri",
    ),
    "posyandu": ("posyandu", "namaposyandu"),
    "rt": ("rt",),
    "rw": ("rw",),
    "address": ("alamat", "alamatlengkap"),
    "measured_on": (
        "tanggalpengukuran", "tglpengukuran", "tglukur", "tanggalukur", "tglpengukur",
        "tanggalpenimbangan", "tglpenimbangan",
    ),
    "weight": ("berat", "bb", "beratkg", "beratbadan", "beratbadankg", "bbkg"),
    "height": (
        "tinggi", "tb", "tinggicm", "tinggibadan", "tinggibadancm", "tbcm", "pbtb", "tbpb",
        "panjangtinggi", "tinggipanjang",
    ),
    "position": ("caraukur", "carapengukuran", "posisiukur", "posisipengukuran"),
    "file_waz": ("zsbbu", "zscorebbu", "zbbu"),
    "file_haz": ("zstbu", "zspbu", "zspbtbu", "zstbpbu", "zscoretbu", "ztbu", "zspbtb"),
    "file_whz": ("zsbbtb", "zsbbpb", "zsbbpbtb", "zsbbtbpb", "zscorebbtb", "zbbtb"),
}
_ALIAS_TO_FIELD = {alias: name for name, aliases in _ALIASES.items() for alias in aliases}
_PARENS = re.compile(r"\([^)]*\)")


def map_header(cells: Iterable[Any]) -> dict[str, tuple[int, str]]:
    """Field → (column index, header text as written) for the recognized columns."""
    found: dict[str, tuple[int, str]] = {}
    for index, cell in enumerate(cells):
        if cell is None:
            continue
        text = " ".join(str(cell).split())
        lowered = text.lower()
        name = _ALIAS_TO_FIELD.get(squashed(lowered)) or _ALIAS_TO_FIELD.get(
            squashed(_PARENS.sub("", lowered))
        )
        if name and name not in found:  # first matching column wins
            found[name] = (index, text)
    return found


def grouped_header(above: list[Any], below: list[Any]) -> list[str]:
    """One header from a two-row grouped header.

    Group titles ("Identitas Anak", "Pengukuran") are merged across the columns below
    them, and a column outside any group is merged down both rows, so its name is in the
    upper row only. A column's name is the lower cell, else group + lower cell
    ("Tanggal" under "Pengukuran"), else the upper cell.
    """
    texts, group = [], ""
    for index in range(max(len(above), len(below))):
        top = " ".join(str(above[index]).split()) if index < len(above) and above[index] else ""
        low = " ".join(str(below[index]).split()) if index < len(below) and below[index] else ""
        group = top or group  # a merged title is in its first column only
        if not low:
            texts.append(top)
        elif map_header([low]) or not map_header([f"{group} {low}"]):
            texts.append(low)
        else:
            texts.append(f"{group} {low}")
    return texts
