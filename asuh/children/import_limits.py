"""Bounds on an import file, checked before (and while) it is parsed.

Issue 12: a 206 KB XLSX holding a 200 MB shared string took 491 MB of memory, and
100,000 rows parsed for 38 s inside the request. So a file is refused, with the limit
named in Indonesian, when it is too large as uploaded, when its XLSX parts would unpack
past a budget (read from the zip directory before anything is unpacked), or as soon as it
holds more data rows than one import takes. Within these bounds openpyxl streams the
sheet (``read_only``): rows are read one by one, never the whole sheet at once.

Python's ``zipfile`` stops each part at the size its directory entry declares (and fails
its CRC check past it), so the sizes checked here are the sizes openpyxl gets.
"""

import io
import zipfile

from asuh.formatting import format_number

MAX_FILE_BYTES = 10 * 1_048_576
MAX_ROWS = 20_000
MAX_UNPACKED_BYTES = 64 * 1_048_576
MAX_PART_BYTES = 32 * 1_048_576  # one part (the sheet, the shared strings) unpacked
MAX_PARTS = 500
# A file of more rows than this is written by a background job (asuh/children/import_job.py)
# in batches of BATCH_ROWS rows, with a progress bar and a cancel button, instead of inside
# the confirming request. The app's config may lower them (IMPORT_JOB_ROWS,
# IMPORT_BATCH_ROWS), as the tests do to see many batches in a small file.
JOB_ROWS = 500
BATCH_ROWS = 500


class ImportFileError(ValueError):
    """The file as a whole cannot be read (type, format, missing required columns)."""


class ImportTooLarge(ImportFileError):
    """The file is over one of the bounds; the message names it (Indonesian)."""


def _mb(size: int) -> str:
    return f"{format_number(size / 1_048_576, 1)} MB"


def check_file_size(data: bytes, limit: int = MAX_FILE_BYTES) -> None:
    if len(data) > limit:
        raise ImportTooLarge(
            f"Berkas terlalu besar ({_mb(len(data))}); maksimal {_mb(limit)} per impor. "
            "Bagi data menjadi beberapa berkas.")


def check_xlsx_parts(data: bytes, *, total_limit: int = MAX_UNPACKED_BYTES,
                     part_limit: int = MAX_PART_BYTES) -> None:
    """Refuse a workbook whose parts would unpack past the budget (a zip bomb), from the
    zip directory alone. A file that is no zip at all is left to openpyxl's own message."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    if len(parts) > MAX_PARTS:
        raise ImportTooLarge(
            f"Berkas Excel berisi terlalu banyak bagian ({format_number(len(parts))}); "
            f"maksimal {format_number(MAX_PARTS)}.")
    biggest = max(parts, key=lambda part: part.file_size, default=None)
    if biggest is not None and biggest.file_size > part_limit:
        raise ImportTooLarge(
            f"Isi berkas Excel terlalu besar setelah dibuka ({biggest.filename}: "
            f"{_mb(biggest.file_size)}); maksimal {_mb(part_limit)} per bagian. "
            "Simpan ulang berkas tanpa isi yang tidak perlu, atau bagi datanya.")
    total = sum(part.file_size for part in parts)
    if total > total_limit:
        raise ImportTooLarge(
            f"Isi berkas Excel terlalu besar setelah dibuka ({_mb(total)}); maksimal "
            f"{_mb(total_limit)}. Bagi data menjadi beberapa berkas.")


def too_many_rows(limit: int = MAX_ROWS) -> ImportTooLarge:
    return ImportTooLarge(
        f"Berkas memuat lebih dari {format_number(limit)} baris data; maksimal "
        f"{format_number(limit)} baris per impor. Bagi data menjadi beberapa berkas.")
