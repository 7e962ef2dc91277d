"""Bounds on an import file, checked before (and while) it is parsed.

Issue 12: a 206 KB XLSX holding a 200 MB shared string took 491 MB of memory, and
100,000 rows parsed for 38 s inside the request. So a file is refused, with the limit
named in Indonesian, when it is too large as uploaded, when its XLSX parts would unpack
past a budget (read from the zip directory before anything is unpacked), or as soon as it
holds more data rows than one import takes. Within these bounds openpyxl streams the
sheet (``read_only``): rows are read one by one, never the whole sheet at once.

Issue 16: a whole e-PPGBM export of a province (100,000 rows, ~26 MB as CSV) is previewed
and written by background jobs, never parsed whole inside a request: the upload reads the
header and at most ``PREVIEW_JOB_ROWS`` rows to tell a small file (previewed in the
request, as before) from a large one (stored, and previewed by a job). So the bounds are
the job's: ``MAX_ROWS`` rows and ``MAX_FILE_BYTES``, measured at 100,000 rows (see
``MAX_ROWS``); the zip-bomb bounds stay what they were for the parts that are unpacked
whole (shared strings), and allow a sheet that openpyxl streams to be as large as a
100,000-row sheet is.

Python's ``zipfile`` stops each part at the size its directory entry declares (and fails
its CRC check past it), so the sizes checked here are the sizes openpyxl gets.
"""

import io
import zipfile

from asuh.formatting import format_number

# 100,000 rows of an e-PPGBM export: 26 MB as CSV. Measured at 1,000,000 children
# (tests/bench_scale.py --figures import): the preview job's worker peaked at 817 MiB and
# the import job's at 826 MiB (the rows with their cells, their outcomes, the plan), so a
# worker with 2 GB takes one with room; the bound grows memory linearly.
MAX_FILE_BYTES = 40 * 1_048_576
MAX_ROWS = 100_000
MAX_UNPACKED_BYTES = 192 * 1_048_576
# One part unpacked: the sheet is streamed row by row, but the shared strings are read
# whole into memory (issue 12: a 200 MB string took 491 MB), so they keep the old bound.
MAX_PART_BYTES = 32 * 1_048_576
MAX_SHEET_BYTES = 160 * 1_048_576
MAX_PARTS = 500
# A file of more rows than this is written by a background job (asuh/children/import_job.py)
# in batches of BATCH_ROWS rows, with a progress bar and a cancel button, instead of inside
# the confirming request. The app's config may lower them (IMPORT_JOB_ROWS,
# IMPORT_BATCH_ROWS, used as given), as the tests do to see many batches in a small file.
JOB_ROWS = 500
BATCH_ROWS = 500
# ...and in at most this many batches: a 100,000-row file in 50 batches of 2,000 rows, not
# 200 of 500. Each batch pays a fixed cost (its children read again, the dashboard's
# summaries refreshed, its audit record, the job's checkpoint, a commit), and a cancel
# still stops within seconds.
MAX_BATCHES = 50
# A file of more rows than this is previewed by a job too (``import_job.run_preview``):
# the upload stores it and answers at once, the officer sees a progress bar and then the
# same preview page. 2,000 rows preview in ~2 s in the request; 10,000 took 24 s at
# 1,000,000 children. Config: IMPORT_PREVIEW_JOB_ROWS.
PREVIEW_JOB_ROWS = 2000


class ImportFileError(ValueError):
    """The file as a whole cannot be read (type, format, missing required columns)."""


class ImportTooLarge(ImportFileError):
    """The file is over one of the bounds; the message names it (Indonesian)."""


class TooManyRows(ImportTooLarge):
    """More data rows than the reader was asked for (``limit``)."""

    def __init__(self, message: str, limit: int):
        super().__init__(message)
        self.limit = limit


def _mb(size: int) -> str:
    return f"{format_number(size / 1_048_576, 1)} MB"


def check_file_size(data: bytes, limit: int = MAX_FILE_BYTES) -> None:
    if len(data) > limit:
        raise ImportTooLarge(
            f"Berkas terlalu besar ({_mb(len(data))}); maksimal {_mb(limit)} per impor. "
            "Bagi data menjadi beberapa berkas.")


def check_xlsx_parts(data: bytes, *, total_limit: int = MAX_UNPACKED_BYTES,
                     part_limit: int = MAX_PART_BYTES,
                     sheet_limit: int = MAX_SHEET_BYTES) -> None:
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

    def bound(part) -> int:
        # A worksheet is streamed (openpyxl read_only); everything else is read whole.
        return sheet_limit if part.filename.startswith("xl/worksheets/") else part_limit

    biggest = max(parts, key=lambda part: part.file_size - bound(part), default=None)
    if biggest is not None and biggest.file_size > bound(biggest):
        part_limit = bound(biggest)
        raise ImportTooLarge(
            f"Isi berkas Excel terlalu besar setelah dibuka ({biggest.filename}: "
            f"{_mb(biggest.file_size)}); maksimal {_mb(part_limit)} per bagian. "
            "Simpan ulang berkas tanpa isi yang tidak perlu, atau bagi datanya.")
    total = sum(part.file_size for part in parts)
    if total > total_limit:
        raise ImportTooLarge(
            f"Isi berkas Excel terlalu besar setelah dibuka ({_mb(total)}); maksimal "
            f"{_mb(total_limit)}. Bagi data menjadi beberapa berkas.")


def too_many_rows(limit: int = MAX_ROWS) -> TooManyRows:
    return TooManyRows(
        f"Berkas memuat lebih dari {format_number(limit)} baris data; maksimal "
        f"{format_number(limit)} baris per impor. Bagi data menjadi beberapa berkas.", limit)
