"""Monthly statements for all sponsors from the web: ``letters.monthly_statements``.

The page submits a job; a worker runs :func:`asuh.letters.bulk.issue_statements` (batches,
each committed whole; sponsors already holding this month's statement are skipped, so a
job taken up again after its worker died continues instead of issuing twice) and stores a
zip of every current statement for the month as the job's result.
"""

import tempfile
import zipfile

from sqlalchemy import select
from sqlalchemy.orm import undefer

from asuh import timeutil
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.jobs import services as jobs
from asuh.jobs.services import JobResult
from asuh.letters.bulk import issue_statements
from asuh.letters.models import CURRENT, SPONSOR_STATEMENT, Letter
from asuh.letters.periods import Period, covered_through, parse_period
from asuh.permissions import Permission, ensure_permitted
from asuh.transactions import read_only, use_case

KIND = "letters.monthly_statements"
LABEL = "Surat pertanggungjawaban bulanan semua Bapak/Bunda Asuh"


def _month(text) -> Period:
    period = parse_period(text, field="month")
    if not period.is_month:
        raise ValidationFailed({"month": ["Pilih satu bulan, misalnya 2026-11."]})
    return period


@use_case
def submit_monthly_statements(month, *, interim: bool = False, actor):
    """Queue the month's statements; refused at once (not in the worker) when the month
    is still running and not marked interim."""
    ensure_permitted(actor, Permission.ISSUE_LETTERS)
    period = _month(month)
    today = timeutil.today()
    covered_through(period, today, interim=interim)
    return jobs.submit(KIND, {"month": period.code, "interim": bool(interim),
                              "on": today.isoformat()}, actor=actor)


def run(ctx, *, month: str, interim: bool = False, on: str | None = None) -> JobResult:
    """The handler: issue, then pack every current statement of the month."""
    period = _month(month)
    result = issue_statements(period, actor=ctx.requested_by(), on=ctx.on(), interim=interim,
                              started=ctx.set_total, advance=ctx.advance)
    body, count = _zip(period)
    numbers = (f" ({result.issued[0]})" if len(result.issued) == 1 else
               f" ({result.issued[0]} s.d. {result.issued[-1]})" if result.issued else "")
    lines = [f"{len(result.issued)} surat diterbitkan oleh pekerjaan ini{numbers}.",
             f"{result.skipped} Bapak/Bunda Asuh dilewati karena sudah ada surat yang berlaku.",
             f"Berkas zip berisi {count} surat yang berlaku untuk {period.label}."]
    return JobResult(report={"issued": len(result.issued), "skipped": result.skipped,
                             "in_zip": count, "lines": lines},
                     file=body, name=f"surat-pertanggungjawaban-{period.code}.zip",
                     mimetype="application/zip")


def _zip(period: Period) -> tuple[bytes, int]:
    """Every current statement for exactly this month; PDFs are compressed already."""
    stmt = (select(Letter).options(undefer(Letter.pdf))
            .where(Letter.kind == SPONSOR_STATEMENT, Letter.status == CURRENT,
                   Letter.period_start == period.start, Letter.period_end == period.end)
            .order_by(Letter.year, Letter.seq).execution_options(yield_per=50))
    count = 0
    with tempfile.SpooledTemporaryFile(max_size=64 * 1024 * 1024) as spool:
        # Zipping a city's month of statements reads for a while: outside a request a
        # transaction would take SQLite's write lock, and every writer would wait for it.
        with read_only(), zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_STORED) as archive:
            for letter in db.session.scalars(stmt):
                archive.writestr(letter.file_name, letter.pdf)
                count += 1
        spool.seek(0)
        return spool.read(), count
