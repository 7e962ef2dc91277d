"""A large import file's preview, worked out by a background job: ``children.import_preview``.

Issue 16: a province's e-PPGBM export (up to ``import_limits.MAX_ROWS`` rows) cannot be
parsed and checked inside a request (10,000 rows took 24 s at 1,000,000 children). The
upload reads the header and the first ``PREVIEW_JOB_ROWS`` rows only: a file with more is
stored (``uploads``, through ``asuh.storage``, so any app server and worker reads it) and
this job previews it. The officer sees a progress bar, then the same preview page: the
totals, every NIK conflict to decide, the rows worth reading, and the refused rows as a
file (the job's result file). Confirming queues the import job (``import_job``), which
plans the file again: the registry may have changed since.

The preview is kept in the job's report (``ShownPreview``): the totals and at most
``SHOWN_ROWS`` rows of each kind, never all 100,000 outcomes.
"""

from flask import current_app

from asuh import timeutil
from asuh.children import uploads
from asuh.children.import_limits import MAX_ROWS, PREVIEW_JOB_ROWS
from asuh.children.import_outcome import ShownPreview
from asuh.children.import_plan import plan_import
from asuh.children.import_rejects import rejected_rows_file
from asuh.children.importfile import ImportFileError, read_child_file
from asuh.errors import ValidationFailed
from asuh.formatting import format_number as num
from asuh.jobs import services as jobs
from asuh.jobs.services import JobResult
from asuh.permissions import Permission, ensure_permitted
from asuh.regions.scopes import scope_of
from asuh.transactions import read_only, use_case

KIND = "children.import_preview"
LABEL = "Pratinjau impor data anak dari berkas"
SHOWN_ROWS = 1000  # conflicts and notable rows each; the rest are counted
PLAIN_ROWS_SHOWN = 100
_PROGRESS_EVERY = 2000  # rows between two progress reports while planning


def preview_job_rows() -> int:
    return int(current_app.config.get("IMPORT_PREVIEW_JOB_ROWS", PREVIEW_JOB_ROWS))


def max_rows() -> int:
    return int(current_app.config.get("IMPORT_MAX_ROWS", MAX_ROWS))


@use_case
def submit_preview(filename: str, data: bytes, *, actor) -> str:
    """Keep the file and queue its preview; the token naming the kept file."""
    ensure_permitted(actor, Permission.IMPORT_CHILDREN)
    token = uploads.keep(filename, data, actor)
    job = jobs.submit(KIND, {"token": token, "on": timeutil.today().isoformat()}, actor=actor)
    uploads.note(token, preview_job=job.id)
    return token


def run(ctx, *, token: str, on: str | None = None) -> JobResult:
    """The handler: read and plan the whole file, keep what the page shows."""
    # Only reads, for a while: begun as a read (SQLite: DEFERRED), so writers (and the
    # progress bar's own connection) do not wait for it.
    with read_only():
        actor = ctx.requested_by()
        ensure_permitted(actor, Permission.IMPORT_CHILDREN)
        kept = uploads.load(token, actor)
        if kept is None:
            raise ValidationFailed({"file": ["Berkas impor sudah tidak tersimpan (disimpan "
                                             "paling lama sehari); unggah lagi."]})
        filename, data = kept
        try:
            read = read_child_file(filename, data, max_rows=max_rows())
        except ImportFileError as exc:
            # Over the bounds, or unreadable past the rows the upload looked at.
            return JobResult(report={"lines": [str(exc)], "error": str(exc)})
        total = len(read.rows)
        ctx.advance_aside(0, total=total)

        def progress(done: int) -> None:
            if done % _PROGRESS_EVERY == 0:
                ctx.advance_aside(done, total=total)

        plan = plan_import(read.rows, filename, ctx.on() or timeutil.today(),
                           scope=scope_of(actor), progress=progress)
    preview = plan.preview
    shown = ShownPreview.of(preview, limit=SHOWN_ROWS, plain_limit=PLAIN_ROWS_SHOWN)
    ctx.advance_aside(total, total=total)
    lines = [f"{filename}: {preview.summary()}",
             "Buka halaman pratinjau impor untuk memeriksa dan menyimpannya."]
    result = {}
    if preview.rejected:
        name, content, mimetype = rejected_rows_file(filename, data, preview, read=read)
        result = {"file": content, "name": name, "mimetype": mimetype}
        lines.append(f"{num(len(preview.rejected))} baris ditolak: unduh berkasnya "
                     "(kolom yang sama ditambah alasan).")
    return JobResult(report={"lines": lines, "preview": shown.to_json(), "token": token},
                     **result)
