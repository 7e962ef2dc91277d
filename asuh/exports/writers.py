"""Streaming CSV and XLSX writers for exports of any size.

CSV streams for real: rows are read from the database in batches (``yield_per``) and
written to the response as they come, so memory stays flat for 100,000 children. The file
is UTF-8 with a byte-order mark and commas, so Excel opens names with accents correctly.

XLSX cannot be streamed to the client: it is a zip archive whose central directory is
written last. openpyxl's write-only workbook keeps memory flat by writing each row to a
temporary file; the finished workbook goes to an anonymous temporary file that is sent
and then deleted. The client therefore waits for the whole file to be built.

Every text cell is guarded against formula injection (a name typed as ``=HYPERLINK(…)``
would run in Excel): text starting with ``= + - @`` or a tab/CR gets a leading apostrophe.
"""

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal

from flask import Response, send_file, stream_with_context
from openpyxl import Workbook

BOM = "\ufeff"
_FLUSH_AT = 64 * 1024
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe_text(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | Decimal | float):
        return str(value)
    return _safe_text(str(value))


def xlsx_cell(value):
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, Decimal):
        # Excel holds doubles; canonical quantities have 3 decimals and fit exactly enough.
        return float(value)
    if isinstance(value, str):
        return _safe_text(value)
    return value


def csv_lines(header: list[str], rows: Iterable[Iterable]) -> Iterator[bytes]:
    """The CSV file in chunks of about 64 KiB."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
        if buffer.tell() >= _FLUSH_AT:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def _attachment(filename: str) -> dict:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable]) -> Response:
    return Response(stream_with_context(csv_lines(header, rows)),
                    content_type="text/csv; charset=utf-8",
                    headers=_attachment(filename))


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_file(sheet_title: str, header: list[str], rows: Iterable[Iterable]):
    """The workbook in an anonymous temporary file (deleted when closed), at offset 0."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    sheet.append(header)
    for row in rows:
        sheet.append([xlsx_cell(v) for v in row])
    handle = tempfile.TemporaryFile()  # noqa: SIM115  (send_file closes it when sent)
    workbook.save(handle)
    handle.seek(0)
    return handle


def xlsx_response(filename: str, sheet_title: str, header: list[str],
                  rows: Iterable[Iterable]) -> Response:
    return send_file(xlsx_file(sheet_title, header, rows), mimetype=XLSX_MIMETYPE,
                     as_attachment=True, download_name=filename)
