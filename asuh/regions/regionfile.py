"""Read a list of regions (province, kabupaten/kota, kecamatan, kelurahan/desa) from CSV.

The file has the columns ``code,name,level,parent_code`` (Indonesian headers ``kode,
nama,tingkat,kode_induk`` are accepted too). ``level`` is ``provinsi``, ``kabupaten``
(also ``kota`` or ``kabupaten/kota``: one tier), ``kecamatan`` or ``kelurahan``; villages
are all ``kelurahan`` so the app treats a *desa* like a *kelurahan*, and their kind comes
from the first digit of the village part of the code (1 kelurahan, 2 desa, 3 desa adat).
``parent_code`` may be left empty: a code names its parent (``19.71.01`` lies in
``19.71``, which lies in ``19``), so a written parent must be that one. A file may hold
any number of kabupaten/kota; a village's kecamatan must be in the same file, while the
province and kabupaten/kota rows may be left out (a file of only kecamatan and villages,
as older installations kept, still loads: the importer adds the missing rows).

The packaged ``data/pangkalpinang.csv`` (Kota Pangkalpinang, 19.71: its province row,
its kota row, 7 kecamatan, 42 kelurahan) follows Kepmendagri No. 300.2.2-2138 Tahun 2025
on the codes and names of administrative regions, as transcribed in the open-source
``cahyadsn/wilayah`` data set (``db/wilayah.sql``); it was not checked against the
decree's PDF itself. All 49 kecamatan and kelurahan
codes equal those of the same set's 2022 list (Kepmendagri 050-145/2022), but seven
names were spelled differently there, so files from other systems may use them:
19.71.01 Bukitintan, 19.71.03.1008 Rejo Sari, 19.71.05.1002 Bukitmerapin,
19.71.05.1004 Bukitsari, 19.71.05.1005 Tua Tunu, 19.71.07.1002 Bukitintan (2025:
Batu Intan) and 19.71.07.1003 Bukitbesar. Village numbers have gaps: Bukit Intan's
start at 1004, and there is no 19.71.01.1001. The kota row is named "Kota Pangkalpinang"
(as the city writes itself, and as letters print it) where ``wilayah.sql`` writes "Kota
Pangkal Pinang".

``data/bangka_belitung.csv`` holds the whole province (19, Kepulauan Bangka Belitung):
its six kabupaten and Kota Pangkalpinang, with every kecamatan and kelurahan/desa, from
the same data set (commit 00d2159, Kepmendagri No. 300.2.2-2138 Tahun 2025); its 19.71
rows are those of ``pangkalpinang.csv``, so loading one after the other renames nothing.
Names are as the set writes them ("Kurau  (Timur)" with its double space collapsed).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from asuh.identifiers import PROVINCE_CODES

__all__ = [
    "LEVEL_KABUPATEN",
    "LEVEL_KECAMATAN",
    "LEVEL_KELURAHAN",
    "LEVEL_PROVINSI",
    "VILLAGE_TYPES",
    "RegionFileError",
    "RegionRow",
    "default_region_file",
    "parse_region_csv",
    "province_region_file",
]

LEVEL_PROVINSI = "provinsi"
LEVEL_KABUPATEN = "kabupaten"
LEVEL_KECAMATAN = "kecamatan"
LEVEL_KELURAHAN = "kelurahan"

# First digit of the village part of a Kemendagri code.
VILLAGE_TYPES: dict[str, str] = {"1": "kelurahan", "2": "desa", "3": "desa_adat"}

_HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("code", "kode"),
    "name": ("name", "nama"),
    "level": ("level", "tingkat"),
    "parent_code": ("parent_code", "parent", "kode_induk", "induk"),
}

_LEVEL_WORDS = {
    "provinsi": LEVEL_PROVINSI,
    "kabupaten": LEVEL_KABUPATEN,
    "kota": LEVEL_KABUPATEN,
    "kabupaten/kota": LEVEL_KABUPATEN,
    "kecamatan": LEVEL_KECAMATAN,
    "kelurahan": LEVEL_KELURAHAN,
    "desa": LEVEL_KELURAHAN,
    "kelurahan/desa": LEVEL_KELURAHAN,
    "desa/kelurahan": LEVEL_KELURAHAN,
}

_PROVINCE_RE = re.compile(r"^(\d{2})$")
_KABUPATEN_RE = re.compile(r"^(\d{2})\.(\d{2})$")
_KECAMATAN_RE = re.compile(r"^(\d{2})\.(\d{2})\.(\d{2})$")
_VILLAGE_RE = re.compile(r"^(\d{2})\.(\d{2})\.(\d{2})\.(\d{4})$")
_MAX_NAME_LENGTH = 100


@dataclass(frozen=True)
class RegionRow:
    """One region from a region file."""

    line: int
    code: str
    name: str
    level: str  # one of the LEVEL_* constants
    # The code of the tier above (always the code's own prefix); None for a province.
    parent_code: str | None
    village_type: str | None  # "kelurahan", "desa" or "desa_adat"; None above villages


class RegionFileError(ValueError):
    """The file has problems; ``errors`` lists ``(line_number, message)`` for all of them.

    Line 0 stands for the file as a whole.
    """

    def __init__(self, errors: list[tuple[int, str]]):
        self.errors = errors
        first = "; ".join(f"baris {line}: {msg}" if line else msg for line, msg in errors[:3])
        more = f" (dan {len(errors) - 3} lainnya)" if len(errors) > 3 else ""
        super().__init__(f"Berkas wilayah berisi {len(errors)} kesalahan: {first}{more}")


def default_region_file() -> Path:
    """Path of the packaged Kota Pangkalpinang list."""
    return Path(__file__).resolve().parent / "data" / "pangkalpinang.csv"


def province_region_file() -> Path:
    """Path of the packaged list of the whole province of Kepulauan Bangka Belitung."""
    return Path(__file__).resolve().parent / "data" / "bangka_belitung.csv"


def parent_of(code: str) -> str | None:
    """The code of the tier above ``code`` (its prefix), None for a province."""
    return {2: None, 5: code[:2], 8: code[:5], 13: code[:8]}.get(len(code))


def _read_text(source: str | bytes | IO[str] | IO[bytes]) -> str:
    data = source.read() if hasattr(source, "read") else source
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            # Excel on Windows saves "CSV" in the ANSI code page.
            data = data.decode("cp1252", errors="replace")
    return data.removeprefix("\ufeff")


def _code_problem(code: str, level: str) -> str | None:
    """Why ``code`` is not a valid Kemendagri code at ``level``, or None."""
    if level == LEVEL_PROVINSI:
        if not _PROVINCE_RE.match(code):
            return f"Kode '{code}' tidak sesuai format provinsi PP (contoh 19)."
        if code not in PROVINCE_CODES:
            return f"Kode provinsi {code} tidak dikenal."
        return None
    if level == LEVEL_KABUPATEN:
        match = _KABUPATEN_RE.match(code)
        if not match:
            return f"Kode '{code}' tidak sesuai format kabupaten/kota PP.KK (contoh 19.71)."
        if match.group(1) not in PROVINCE_CODES:
            return f"Kode provinsi {match.group(1)} pada kode {code} tidak dikenal."
        if match.group(2) in ("00", "70"):
            return (f"Kode kabupaten/kota {match.group(2)} pada kode {code} tidak valid "
                    "(kabupaten 01–69, kota 71–99).")
        return None
    if level == LEVEL_KECAMATAN:
        match = _KECAMATAN_RE.match(code)
        if not match:
            return f"Kode '{code}' tidak sesuai format kecamatan PP.KK.CC (contoh 19.71.01)."
    else:
        match = _VILLAGE_RE.match(code)
        if not match:
            return (
                f"Kode '{code}' tidak sesuai format kelurahan/desa PP.KK.CC.VVVV "
                "(contoh 19.71.01.1004)."
            )
    province, regency, kecamatan = match.group(1, 2, 3)
    if province not in PROVINCE_CODES:
        return f"Kode provinsi {province} pada kode {code} tidak dikenal."
    if regency in ("00", "70"):
        return (
            f"Kode kabupaten/kota {regency} pada kode {code} tidak valid "
            "(kabupaten 01–69, kota 71–99)."
        )
    if kecamatan == "00":
        return f"Kode kecamatan 00 pada kode {code} tidak valid."
    if level == LEVEL_KELURAHAN:
        village = match.group(4)
        if village[0] not in VILLAGE_TYPES:
            return (
                f"Digit pertama nomor desa/kelurahan pada kode {code} harus 1 (kelurahan), "
                f"2 (desa) atau 3 (desa adat), tertulis {village[0]}."
            )
        if village[1:] == "000":
            return f"Nomor desa/kelurahan pada kode {code} tidak boleh {village[0]}000."
    return None


def _header_positions(header: list[str]) -> tuple[dict[str, int], list[str]]:
    cleaned = [h.strip().lower().replace(" ", "_") for h in header]
    positions: dict[str, int] = {}
    missing: list[str] = []
    for field, aliases in _HEADER_ALIASES.items():
        index = next((i for i, h in enumerate(cleaned) if h in aliases), None)
        if index is None:
            missing.append(field)
        else:
            positions[field] = index
    return positions, missing


def parse_region_csv(source: str | bytes | IO[str] | IO[bytes]) -> list[RegionRow]:
    """Parse and check a region CSV; all rows or none.

    Raises :class:`RegionFileError` listing every bad row.
    """
    text = _read_text(source)
    reader = csv.reader(io.StringIO(text, newline=""))
    errors: list[tuple[int, str]] = []

    header: list[str] | None = None
    for record in reader:
        if any(cell.strip() for cell in record):
            header = record
            break
    if header is None:
        raise RegionFileError([(0, "Berkas wilayah kosong.")])
    header_line = reader.line_num
    positions, missing = _header_positions(header)
    if missing:
        raise RegionFileError(
            [(header_line, "Kolom wajib tidak ada: " + ", ".join(missing)
              + ". Baris pertama harus berisi code,name,level,parent_code.")]
        )

    # First pass: each row on its own.
    candidates: list[tuple[int, str, str, str, str]] = []  # line, code, name, level, parent
    width = len(header)
    for record in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > width and any(cell.strip() for cell in record[width:]):
            errors.append((line, "Jumlah kolom melebihi judul kolom; nama yang memuat koma "
                                 "harus diapit tanda kutip."))
            continue

        def cell(field: str, record: list[str] = record) -> str:
            index = positions[field]
            return record[index].strip() if index < len(record) else ""

        code = cell("code")
        name = " ".join(cell("name").split())
        level_word = cell("level").lower()
        parent = cell("parent_code")

        row_errors: list[str] = []
        level = _LEVEL_WORDS.get(level_word)
        if level is None:
            row_errors.append(
                f"Tingkat '{level_word}' tidak dikenal (gunakan provinsi, kabupaten, kota, "
                "kecamatan, kelurahan atau desa)."
                if level_word else "Tingkat (level) kosong."
            )
        elif problem := _code_problem(code, level):
            row_errors.append(problem)
        elif level_word == "desa" and VILLAGE_TYPES[code[9]] == "kelurahan":
            row_errors.append(f"Kode {code} adalah kode kelurahan (diawali 1), bukan desa.")
        if not name:
            row_errors.append("Nama wilayah kosong.")
        elif len(name) > _MAX_NAME_LENGTH:
            row_errors.append(f"Nama wilayah lebih dari {_MAX_NAME_LENGTH} karakter.")
        if row_errors:
            errors.extend((line, msg) for msg in row_errors)
        if level is not None and code:
            candidates.append((line, code, name, level, parent))

    if not candidates and not errors:
        raise RegionFileError([(0, "Berkas wilayah tidak berisi satu pun wilayah.")])

    # Second pass: duplicates and parents.
    kecamatan_codes = {code for _, code, _, level, _ in candidates if level == LEVEL_KECAMATAN}
    first_line: dict[str, int] = {}
    rows: list[RegionRow] = []
    bad_lines = {line for line, _ in errors}
    for line, code, name, level, parent in candidates:
        if code in first_line:
            errors.append((line, f"Kode {code} sudah dipakai di baris {first_line[code]}."))
            continue
        first_line[code] = line
        if line in bad_lines:
            continue  # its format is already reported; checks below would only echo it

        expected = parent_of(code)
        if level == LEVEL_PROVINSI:
            if parent:
                errors.append((line, f"Provinsi tidak punya kode induk, tertulis '{parent}'."))
                continue
        elif level in (LEVEL_KABUPATEN, LEVEL_KECAMATAN):
            if parent and parent != expected:
                what = "kabupaten/kota" if level == LEVEL_KABUPATEN else "kecamatan"
                errors.append((line, f"Kode induk {what} harus kosong atau {expected}, "
                                     f"tertulis '{parent}'."))
                continue
        else:
            if parent and parent != expected:
                errors.append((line, f"Kode induk {parent} tidak cocok dengan kode {code} "
                                     f"(seharusnya {expected})."))
                continue
            if expected not in kecamatan_codes:
                errors.append((line, f"Kecamatan induk {expected} tidak ada di berkas."))
                continue
        rows.append(RegionRow(line, code, name, level, expected,
                              VILLAGE_TYPES[code[9]] if level == LEVEL_KELURAHAN else None))

    if errors:
        errors.sort(key=lambda item: item[0])
        raise RegionFileError(errors)
    return rows
