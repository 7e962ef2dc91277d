"""A large export built by a background job: ``exports.file``.

A list of more than ``EXPORT_JOB_ROWS`` rows is not written inside the request (an XLSX of
100,000 children takes a minute to build and the browser would wait for all of it): the
page submits a job, a worker streams the same dataset with the same filters and scope for
the same user into the file, and the job page offers it for download. The export is on
the audit trail from the moment it is asked for, as every export is (``services``), and
each download of the file is recorded too (``jobs.take_result``).
"""

import tempfile

from flask import current_app
from werkzeug.datastructures import MultiDict

from asuh import timeutil
from asuh.exports import services
from asuh.exports.catalogue import EXPORTS
from asuh.exports.datasets import BATCH, count_rows
from asuh.exports.writers import XLSX_MIMETYPE, csv_lines, xlsx_file
from asuh.formatting import format_number
from asuh.jobs import services as jobs
from asuh.jobs.services import JobResult
from asuh.permissions import ensure_permitted
from asuh.transactions import read_only, use_case

KIND = "exports.file"
LABEL = "Ekspor daftar ke berkas"
EXPORT_JOB_ROWS = 5000  # more rows than this: built by a job (config EXPORT_JOB_ROWS)
_SPOOL_BYTES = 16 * 1024 * 1024


def job_rows() -> int:
    return int(current_app.config.get("EXPORT_JOB_ROWS", EXPORT_JOB_ROWS))


def file_name(dataset, fmt: str, on) -> str:
    return f"{dataset.filename}-{on:%Y-%m-%d}.{fmt}"


@use_case
def submit_export(name: str, fmt: str, args: MultiDict, *, dataset, actor):
    """Queue the export ``dataset`` (already described for ``actor``); on record now."""
    services.record_export(actor, EXPORTS[name].entity_type, fmt, dataset)
    return jobs.submit(KIND, {"name": name, "fmt": fmt, "args": list(args.items(multi=True)),
                              "on": timeutil.today().isoformat()}, actor=actor)


def run(ctx, *, name: str, fmt: str, args: list, on: str | None = None) -> JobResult:
    """The handler: the dataset for the one who asked, streamed into the file."""
    spec = EXPORTS[name]
    user = ctx.requested_by()
    ensure_permitted(user, spec.declared)  # a role may have changed since it was asked
    with read_only():  # streams for a while: writers must not wait for it (SQLite)
        dataset = services.describe(spec.build, user, MultiDict(args), spec.also)
        total = count_rows(dataset)
        ctx.advance_aside(0, total=total)
        counted = _Counting(ctx, dataset.rows)
        if fmt == "csv":
            body = _csv(dataset.header, counted)
            mimetype = "text/csv"
        else:
            with xlsx_file(dataset.sheet, dataset.header, counted) as handle:
                body = handle.read()
            mimetype = XLSX_MIMETYPE
    written = counted.done
    return JobResult(report={"rows": written, "lines": [
        f"{format_number(written)} baris {dataset.sheet} diekspor ({fmt.upper()})."]},
        file=body, name=file_name(dataset, fmt, ctx.on() or timeutil.today()),
        mimetype=mimetype)


class _Counting:
    """The rows, counted; every BATCH rows the job's progress (and a cancel) is read."""

    def __init__(self, ctx, rows):
        self.ctx, self.rows, self.done = ctx, rows, 0

    def __iter__(self):
        for row in self.rows:
            yield row
            self.done += 1
            if self.done % BATCH == 0:
                self.ctx.advance_aside(self.done)


def _csv(header, rows) -> bytes:
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as spool:
        for chunk in csv_lines(header, rows):
            spool.write(chunk)
        spool.seek(0)
        return spool.read()
