"""Read children and their measurements from e-PPGBM / posyandu exports (CSV or XLSX).

Only parsing happens here: headers are matched loosely, values are normalized, and
each row carries its own parse problems. NIK structure, regions and z-scores are the
import service's job.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from asuh.children.import_cells import (
    CellError,
    cell_text,
    join_address,
    parse_date,
    parse_decimal,
    parse_nik,
    parse_position,
    parse_sex,
    parse_village_code,
)
from asuh.children.import_header import grouped_header, map_header
from asuh.children.import_limits import (
    MAX_ROWS,
    ImportFileError,
    check_file_size,
    check_xlsx_parts,
    too_many_rows,
)

__all__ = [
    "ChildFile",
    "ChildRow",
    "ImportFileError",
    "read_child_file",
    "read_child_rows",
]


_REQUIRED = ("nik", "name", "sex", "birth_date")
_LABELS = {"nik": "NIK", "name": "Nama", "sex": "JK", "birth_date": "Tgl Lahir"}
_HEADER_SCAN_ROWS = 10  # exports sometimes put a title above the header row


@dataclass
class ChildRow:
    """One data row of the file, normalized; ``errors`` lists what could not be read."""

    line: int  # spreadsheet row number; the header row of a plain export is line 1
    nik: str = ""
    name: str = ""
    sex: str | None = None  # "L" or "P"
    birth_date: date | None = None
    guardian_name: str = ""
    province: str = ""  # Prov as written: a name or a code
    regency: str = ""  # Kab/Kota as written
    kecamatan_name: str = ""
    kelurahan_name: str = ""
    kelurahan_code: str | None = None  # Kemendagri "PP.KK.CC.VVVV"
    posyandu: str = ""
    address: str = ""
    measured_on: date | None = None
    weight_kg: Decimal | None = None
    height_cm: Decimal | None = None
    position: str | None = None  # import_cells.POSITION_*, or None (not given)
    file_haz: Decimal | None = None
    file_waz: Decimal | None = None
    file_whz: Decimal | None = None
    errors: list[str] = field(default_factory=list)
    # Not errors: things an officer should confirm (e.g. a NIK Excel may have truncated).
    warnings: list[str] = field(default_factory=list)
    # The row's cells as read, so refused rows can be written back out to be fixed.
    cells: tuple[Any, ...] = ()

    @property
    def nik_given(self) -> bool:
        # Exports write a child without a NIK as blank or as zeros.
        return bool(self.nik.strip("0"))

    @property
    def has_measurement(self) -> bool:
        return self.measured_on is not None and (
            self.weight_kg is not None or self.height_cm is not None
        )


@dataclass
class ChildFile:
    """A file's header (one row, a grouped header joined) and its data rows."""

    header: list[str]
    rows: list[ChildRow]


# --- reading the raw grid ----------------------------------------------------------


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Windows writes "CSV" in the ANSI code page.
        return data.decode("cp1252", errors="replace")


def _sniff_delimiter(text: str) -> str:
    # Indonesian-locale Excel writes ";" because "," is the decimal mark. Look at a few
    # lines, since a title line above the header may have no delimiter at all.
    head = [ln for ln in text[:20_000].splitlines() if ln.strip()][:_HEADER_SCAN_ROWS]
    return max((";", ",", "\t"), key=lambda d: max((ln.count(d) for ln in head), default=0))


def _csv_rows(data: bytes) -> Iterator[list[Any]]:
    text = _decode(data)
    yield from csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))


def _guarded(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """Turn openpyxl's many failure types on a damaged sheet into one readable error."""
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # any failure here means a damaged file
            raise ImportFileError("Isi berkas Excel rusak dan tidak dapat dibaca.") from exc
        yield row


def _xlsx_sheets(data: bytes) -> Iterator[Iterator[tuple[Any, ...]]]:
    import openpyxl  # imported here: CSV-only callers need not load it

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types on bad files
        raise ImportFileError("Berkas bukan berkas Excel (.xlsx) yang valid.") from exc
    try:
        sheets = [workbook.active] + [ws for ws in workbook.worksheets if ws is not workbook.active]
        for sheet in sheets:
            if sheet is None or not hasattr(sheet, "iter_rows"):
                continue
            # Some exporters write a wrong <dimension>; without it openpyxl reads all rows.
            sheet.reset_dimensions()
            yield _guarded(sheet.iter_rows(values_only=True))
    finally:
        workbook.close()


def _grids(filename: str, data: bytes) -> Iterator[Iterator[Iterable[Any]]]:
    suffix = PurePath(filename or "").suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        if not data.startswith(b"PK"):
            raise ImportFileError("Berkas bukan berkas Excel (.xlsx) yang valid.")
        check_xlsx_parts(data)  # from the zip directory, before anything is unpacked
        yield from _xlsx_sheets(data)
    elif suffix in (".csv", ".txt"):
        if data.startswith(b"PK") or data.startswith(b"\xd0\xcf\x11\xe0"):
            raise ImportFileError(
                "Berkas berakhiran .csv tetapi isinya berkas Excel; simpan sebagai CSV atau "
                "unggah dengan akhiran .xlsx."
            )
        yield _csv_rows(data)
    elif suffix == ".xls":
        raise ImportFileError(
            "Berkas Excel lama (.xls) belum didukung; buka di Excel lalu simpan sebagai "
            ".xlsx atau .csv."
        )
    else:
        raise ImportFileError(
            f"Jenis berkas '{suffix or filename}' tidak didukung; unggah berkas .xlsx atau .csv."
        )


def _is_blank(cells: Iterable[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


# --- rows --------------------------------------------------------------------------


def _build_row(line: int, cells: tuple[Any, ...] | list[Any],
               columns: dict[str, tuple[int, str]]) -> ChildRow:
    row = ChildRow(line=line, cells=tuple(cells))
    errors = row.errors
    failed: set[str] = set()  # fields whose cell was filled but unreadable
    width = len(cells)

    def raw(name: str) -> Any:
        spec = columns.get(name)
        if spec is None or spec[0] >= width:
            return None
        return cells[spec[0]]

    def parse(name: str, parser: Callable[[Any, str], Any]) -> Any:
        if name not in columns:
            return None
        try:
            return parser(raw(name), columns[name][1])
        except CellError as exc:
            errors.append(str(exc))
            failed.add(name)
            return None

    def label(name: str, default: str) -> str:
        return columns[name][1] if name in columns else default

    row.nik = parse("nik", parse_nik) or ""
    nik_cell = raw("nik")
    if isinstance(nik_cell, int) and len(row.nik) == 16 and row.nik.endswith("0"):
        # Excel keeps 15 significant digits and turns the 16th into 0; a number that
        # ends in another digit was not truncated.
        row.warnings.append(
            f"{columns['nik'][1]} tersimpan sebagai angka dan berakhiran 0: pastikan digit "
            "terakhirnya benar (Excel hanya menyimpan 15 digit angka)"
        )
    row.name = cell_text(raw("name"))
    row.sex = parse("sex", parse_sex)
    row.birth_date = parse("birth_date", parse_date)
    # A blank NIK is not an error: posyandu register children before they have one.
    for name, value in (("name", row.name), ("sex", row.sex), ("birth_date", row.birth_date)):
        if not value and name not in failed:
            errors.append(f"{columns[name][1]} kosong")

    row.guardian_name = cell_text(raw("guardian_name"))
    row.province = cell_text(raw("province"))
    row.regency = cell_text(raw("regency"))
    row.kecamatan_name = cell_text(raw("kecamatan_name"))
    row.kelurahan_name = cell_text(raw("kelurahan_name"))
    row.kelurahan_code = parse("kelurahan_code", parse_village_code)
    row.posyandu = cell_text(raw("posyandu"))
    row.address = join_address(cell_text(raw("address")), cell_text(raw("rt")),
                               cell_text(raw("rw")))

    row.measured_on = parse("measured_on", parse_date)
    row.weight_kg = parse("weight", parse_decimal)
    row.height_cm = parse("height", parse_decimal)
    row.position = parse("position", parse_position)
    row.file_haz = parse("file_haz", parse_decimal)
    row.file_waz = parse("file_waz", parse_decimal)
    row.file_whz = parse("file_whz", parse_decimal)

    for name, value in (("weight", row.weight_kg), ("height", row.height_cm)):
        if value is not None and value <= 0:
            errors.append(f"{columns[name][1]} harus lebih dari 0")
    # Posyandu weigh every month but measure height only in some months, so a
    # measurement needs a date and at least one of weight and height.
    date_label = label("measured_on", "Tanggal Pengukuran")
    has_size = row.weight_kg is not None or row.height_cm is not None
    if row.measured_on is None and has_size and "measured_on" not in failed:
        errors.append(f"Berat/tinggi terisi tetapi {date_label} kosong")
    elif row.measured_on is not None and not has_size and not {"weight", "height"} & failed:
        errors.append(f"{date_label} terisi tetapi berat dan tinggi kosong")
    if row.measured_on and row.birth_date and row.measured_on < row.birth_date:
        errors.append(
            f"{date_label} ({row.measured_on:%d/%m/%Y}) sebelum "
            f"{columns['birth_date'][1]} ({row.birth_date:%d/%m/%Y})"
        )
    return row


def _rows_from_grid(grid: Iterator[Iterable[Any]], max_rows: int = MAX_ROWS
                    ) -> tuple[ChildFile, list[str]] | None:
    """The sheet's header and rows, or None when no header row is found in it.

    The second item lists the required columns missing from the best header candidate.
    """
    scanned: list[tuple[int, Any]] = []
    header_line = 0
    columns: dict[str, tuple[int, str]] = {}
    header: list[str] = []
    above: list[Any] | None = None
    line = 0
    for line, cells in enumerate(grid, start=1):
        cells = list(cells)
        if _is_blank(cells):
            if line > _HEADER_SCAN_ROWS:
                break
            above = None
            continue
        candidates = [[" ".join(str(c).split()) if c is not None else "" for c in cells]]
        if above is not None:
            candidates.append(grouped_header(above, cells))
        for texts in candidates:
            mapped = map_header(texts)
            scanned.append((line, mapped))
            if all(name in mapped for name in _REQUIRED):
                header_line, columns, header = line, mapped, texts
                break
        if header_line or len(scanned) >= 2 * _HEADER_SCAN_ROWS:
            break
        above = cells
    if not header_line:
        if not scanned:
            return None
        best = max(scanned, key=lambda item: len(item[1]))[1]
        return ChildFile([], []), [_LABELS[name] for name in _REQUIRED if name not in best]

    following = next(grid, None)
    if following is not None:
        following = list(following)
        # Names merged down two rows are in the upper row, so it already has NIK, Nama...;
        # the lower row is still header when it is blank under them and names more columns.
        joined = grouped_header(header, following)
        more = map_header(joined)
        if len(more) > len(columns) and all(
                columns[name][0] >= len(following) or following[columns[name][0]] in (None, "")
                for name in _REQUIRED):
            header_line, columns, header, following = header_line + 1, more, joined, None
        grid = itertools.chain([following] if following is not None else [], grid)
    rows: list[ChildRow] = []
    for line, cells in enumerate(grid, start=header_line + 1):
        if not isinstance(cells, (list, tuple)):
            cells = tuple(cells)
        if _is_blank(cells):
            continue
        if len(rows) == max_rows:
            raise too_many_rows(max_rows)  # at once: the rest is never parsed
        rows.append(_build_row(line, cells, columns))
    return ChildFile(header, rows), []


def read_child_rows(filename: str, data: bytes, *, max_rows: int = MAX_ROWS
                    ) -> list[ChildRow]:
    """Parse an e-PPGBM / posyandu export (``.csv`` or ``.xlsx``) into rows."""
    return read_child_file(filename, data, max_rows=max_rows).rows


def read_child_file(filename: str, data: bytes, *, max_rows: int = MAX_ROWS) -> ChildFile:
    """Parse an e-PPGBM / posyandu export (``.csv`` or ``.xlsx``): its header and rows.

    Raises :class:`ImportFileError` when the file type is not supported or the
    required columns (NIK, Nama, JK, Tgl Lahir) are missing. Problems within a row are
    in that row's ``errors`` (Indonesian), and its other fields are still filled. A file
    over the bounds of ``import_limits`` raises its subclass ``ImportTooLarge``.
    """
    check_file_size(data)
    missing: list[str] | None = None
    for grid in _grids(filename, data):
        result = _rows_from_grid(iter(grid), max_rows)
        if result is None:
            continue
        found, missing_here = result
        if not missing_here:
            return found
        if missing is None or len(missing_here) < len(missing):
            missing = missing_here
    if missing is None:
        raise ImportFileError("Berkas kosong: tidak ada baris judul kolom maupun data.")
    raise ImportFileError(
        "Kolom wajib tidak ditemukan: " + ", ".join(missing)
        + ". Pastikan baris judul kolom memuat NIK, Nama, JK, dan Tgl Lahir."
    )
