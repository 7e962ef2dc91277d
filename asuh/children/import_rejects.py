"""The refused rows of an import, handed back as a file to fix and import again.

Same columns as the file the officer uploaded (a grouped header joined into one row) plus
"Alasan ditolak"; a CSV gives a CSV (";" and UTF-8 with BOM, as Indonesian Excel opens it),
an XLSX an XLSX. The rows already saved are not in it, so importing the fixed file adds
only what was missing; rows saved twice would be recognised anyway.
"""

import csv
import io
from pathlib import PurePath

from asuh.children.import_outcome import ImportPreview
from asuh.children.importfile import ChildFile, read_child_file

REASON_COLUMN = "Alasan ditolak"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def rejected_rows_file(filename: str, data: bytes, preview: ImportPreview,
                       read: ChildFile | None = None) -> tuple[str, bytes, str]:
    """(file name, content, MIME type) of the refused rows of ``filename``; ``read`` is
    the file as already read, if at hand (a job's 100,000 rows are not read twice)."""
    reasons = {row.line: "; ".join(row.errors) for row in preview.rejected}
    read = read or read_child_file(filename, data)
    width = len(read.header)
    table = [[*read.header, REASON_COLUMN]]
    for row in read.rows:
        if row.line in reasons:
            cells = list(row.cells[:width]) + [None] * (width - len(row.cells))
            table.append([*cells, reasons[row.line]])
    path = PurePath(filename or "impor.csv")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return f"{path.stem}-ditolak.xlsx", _xlsx(table), XLSX_TYPE
    return f"{path.stem}-ditolak.csv", _csv(table), "text/csv"


def _csv(table: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerows([["" if cell is None else cell for cell in line] for line in table])
    return out.getvalue().encode("utf-8-sig")


def _xlsx(table: list[list]) -> bytes:
    import openpyxl  # imported here: CSV-only callers need not load it

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Ditolak"
    for line in table:
        sheet.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
