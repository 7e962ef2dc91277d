"""What one cell of an e-PPGBM / posyandu export means.

Each ``parse_*`` takes a cell as openpyxl or the CSV reader gives it (text, number, date)
and the column's header as written, and returns the normalized value or raises
:class:`CellError` with a message naming both. ``importfile`` finds the header row and the
columns and builds rows from these; this module knows nothing of rows or files.

Decimals here follow what exports contain, not the forms' id-ID notation: a cell holds
one measurement with a decimal mark of either kind ("8,5", "8.5", "8.5 kg").
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from asuh.identifiers import normalize_identifier

POSITION_STANDING = "standing"
POSITION_LYING = "lying"

_SEX = {
    "l": "L", "lk": "L", "laki": "L", "lakilaki": "L", "pria": "L",
    "p": "P", "pr": "P", "perempuan": "P", "wanita": "P",
}
_POSITION = {
    "berdiri": POSITION_STANDING, "tb": POSITION_STANDING, "tinggibadan": POSITION_STANDING,
    "terlentang": POSITION_LYING, "telentang": POSITION_LYING, "berbaring": POSITION_LYING,
    "pb": POSITION_LYING, "panjangbadan": POSITION_LYING,
}

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_DMY = re.compile(r"^(\d{1,2})[/\-.](\d{1,2})[/\-.](\d{4}|\d{2})$")
# "14 Januari 2026", "14-Jan-26", "14 Agt 2026": day, month name, year.
_DAY_MONTH_NAME = re.compile(r"^(\d{1,2})[\s\-/.]+([a-z]+)\.?[\s\-/.,]+(\d{4}|\d{2})$")
_SERIAL_TEXT = re.compile(r"^\d{5}(\.0+)?$")
# Indonesian month names with the spellings and abbreviations exports carry (old spellings
# "Pebruari", "Nopember"; "Agt"/"Ags"), and English ones from an English-locale Excel.
_MONTHS = {
    **dict.fromkeys(("januari", "jan", "january"), 1),
    **dict.fromkeys(("februari", "pebruari", "feb", "peb", "february"), 2),
    **dict.fromkeys(("maret", "mar", "march"), 3),
    **dict.fromkeys(("april", "apr"), 4),
    **dict.fromkeys(("mei", "may"), 5),
    **dict.fromkeys(("juni", "jun", "june"), 6),
    **dict.fromkeys(("juli", "jul", "july"), 7),
    **dict.fromkeys(("agustus", "agu", "agt", "ags", "aug", "august"), 8),
    **dict.fromkeys(("september", "sep", "sept"), 9),
    **dict.fromkeys(("oktober", "okt", "oct", "october"), 10),
    **dict.fromkeys(("november", "nopember", "nov", "nop"), 11),
    **dict.fromkeys(("desember", "des", "dec", "december"), 12),
}
_YMD = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_TIME_SUFFIX = re.compile(r"[ T]\d{1,2}[:.]\d{2}([:.]\d{2}(\.\d+)?)?$")
_NUMBER = re.compile(r"^[-+]?(\d+([.,]\d*)?|[.,]\d+)$")
_UNIT_SUFFIX = re.compile(r"\s*(kg|cm)$", re.IGNORECASE)
_SCIENTIFIC = re.compile(r"^\d+([.,]\d+)?[eE][+-]?\d+$")
_DOTTED_VILLAGE = re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$")
_RT_IN_ADDRESS = re.compile(r"\bRT\b", re.IGNORECASE)

# Excel day numbers in this range are 1954–2119: wide enough for birth and
# measurement dates, narrow enough not to mistake a weight for a date.
_EXCEL_SERIAL_RANGE = (20_000, 80_000)
_EXCEL_EPOCH = date(1899, 12, 30)


def squashed(text: str) -> str:
    """Lower-cased, letters and digits only: "JK (L/P)" → "jklp", "Laki-laki" → "lakilaki"."""
    return _NON_ALNUM.sub("", text.lower())


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, datetime):
        value = value.date()
    return " ".join(str(value).split())


def is_empty(text: str) -> bool:
    # Exports write "-" for a value they do not have.
    return not text or text in ("-", "--")


class CellError(ValueError):
    """One cell cannot be read; the message (Indonesian) names the column and the value."""


def parse_date(value: Any, label: str) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # A date column not formatted as a date gives Excel's day number.
        if _EXCEL_SERIAL_RANGE[0] <= value <= _EXCEL_SERIAL_RANGE[1]:
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise CellError(f"{label} '{cell_text(value)}' bukan tanggal yang valid")
    text = cell_text(value)
    if is_empty(text):
        return None
    core = _TIME_SUFFIX.sub("", text)
    if _SERIAL_TEXT.match(core):
        # A CSV saved from a sheet whose date column was not formatted as dates.
        return parse_date(float(core), label)
    if match := _DMY.match(core):
        day, month, year = (int(g) for g in match.groups())
    elif match := _YMD.match(core):
        year, month, day = (int(g) for g in match.groups())
    elif (match := _DAY_MONTH_NAME.match(core.lower())) and match.group(2) in _MONTHS:
        day, month, year = int(match.group(1)), _MONTHS[match.group(2)], int(match.group(3))
    else:
        raise CellError(
            f"{label} '{text}' bukan tanggal yang valid (gunakan hh/bb/tttt, misalnya "
            "23/11/2024 atau 23 November 2024)"
        )
    if year < 100:
        # "14/01/26": balita and their measurements are all of this century.
        year += 2000
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError(f"{label} '{text}' bukan tanggal yang valid") from None


def parse_decimal(value: Any, label: str) -> Decimal | None:
    if isinstance(value, bool):
        raise CellError(f"{label} '{value}' bukan angka")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # str() gives the shortest text that round-trips: 8.5, not 8.5000000000000001.
        return Decimal(str(value))
    text = cell_text(value).replace("\u2212", "-")
    if is_empty(text):
        return None
    core = _UNIT_SUFFIX.sub("", text).replace(" ", "")
    if "," in core and "." in core:
        # Both marks: the later one is the decimal mark, the other groups thousands.
        if core.rfind(",") > core.rfind("."):
            core = core.replace(".", "").replace(",", ".")
        else:
            core = core.replace(",", "")
    if not _NUMBER.match(core):
        raise CellError(f"{label} '{text}' bukan angka")
    try:
        return Decimal(core.replace(",", "."))
    except InvalidOperation:
        raise CellError(f"{label} '{text}' bukan angka") from None


def parse_nik(value: Any, label: str) -> str:
    if isinstance(value, float) or (isinstance(value, str) and _SCIENTIFIC.match(value.strip())):
        # Excel keeps 15 significant digits, so a 16-digit NIK stored as a number has
        # already lost its last digit: only the user can supply the real one.
        raise CellError(
            f"{label} tersimpan sebagai angka ({cell_text(value)}) sehingga digit terakhirnya "
            f"bisa hilang; format kolom {label} sebagai Teks, ketik ulang NIK, lalu unggah lagi"
        )
    text = cell_text(value).lstrip("'")  # Excel users type a leading ' to force text
    return normalize_identifier(text)  # the one normaliser every form uses


def parse_sex(value: Any, label: str) -> str | None:
    text = cell_text(value)
    if is_empty(text):
        return None
    sex = _SEX.get(squashed(text))
    if sex is None:
        raise CellError(f"{label} '{text}' tidak dikenal (gunakan L atau P)")
    return sex


def parse_position(value: Any, label: str) -> str | None:
    text = cell_text(value)
    if is_empty(text):
        return None
    key = squashed(text)
    position = _POSITION.get(key)
    if position is None:
        # "Terlentang (PB)", "Berdiri - TB": look at the words.
        position = next((p for word, p in _POSITION.items() if len(word) > 2 and word in key),
                        None)
    if position is None:
        raise CellError(f"{label} '{text}' tidak dikenal (gunakan Berdiri atau Terlentang)")
    return position


def parse_village_code(value: Any, label: str) -> str | None:
    text = cell_text(value)
    if is_empty(text):
        return None
    # Dotted, or ten bare digits (Excel drops the dots of a code typed as a number).
    digits = text.replace(".", "")
    well_formed = (_DOTTED_VILLAGE.match(text) or "." not in text) and digits.isdigit()
    if well_formed and len(digits) == 10 and digits[6] in "123" and digits[7:] != "000":
        return f"{digits[0:2]}.{digits[2:4]}.{digits[4:6]}.{digits[6:10]}"
    raise CellError(
        f"{label} '{text}' bukan kode kelurahan/desa Kemendagri (PP.KK.CC.VVVV, "
        "misalnya 19.71.01.1004)"
    )


def join_address(address: str, rt: str, rw: str) -> str:
    # "Jl. Melati No. 5, RT 003/RW 002"; skip RT/RW when the address already has them.
    if (rt or rw) and not _RT_IN_ADDRESS.search(address):
        part = "/".join(p for p in (f"RT {rt}" if rt else "", f"RW {rw}" if rw else "") if p)
        address = f"{address}, {part}" if address else part
    return address
