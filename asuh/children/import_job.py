"""A large import file written by a background job: ``children.import``.

The officer previews the file as for any import, then confirms; a file of more than
``import_limits.JOB_ROWS`` rows is then planned again by a worker (the registry may have
changed since the preview) and written in batches of whole children, each batch its own
unit of work that also records, in the job's report, every line stored so far. So:

- a cancel stops between batches; the report names the lines stored;
- a killed worker leaves whole batches only, and the report names exactly those lines;
  the job is taken up again (``jobs.requeue_stale``) and planned afresh: the stored
  children and measurements are recognised by the import's identity rules (NIK with
  birth date, sex and similar name; measurement by child and date), so nothing is written
  twice and the rest is written;
- the result is the import report and, when rows were refused, the refused rows as a
  file to fix (CSV or XLSX, as uploaded).
"""

from flask import current_app

from asuh import timeutil
from asuh.children import import_preview_job, uploads
from asuh.children.import_batches import Batch, line_ranges, reload_targets, split_plan
from asuh.children.import_identity import DECISIONS, Decision
from asuh.children.import_limits import BATCH_ROWS, JOB_ROWS, MAX_BATCHES
from asuh.children.import_plan import plan_import
from asuh.children.import_rejects import rejected_rows_file
from asuh.children.importfile import read_child_rows
from asuh.children.importing import write_plan
from asuh.errors import NotFoundError, ValidationFailed
from asuh.formatting import format_number as num
from asuh.jobs import services as jobs
from asuh.jobs.services import JobCancelled, JobResult
from asuh.permissions import Permission, ensure_permitted
from asuh.transactions import end_read, use_case

KIND = "children.import"
LABEL = "Impor data anak dari berkas"
_SHOWN_SPANS = 40  # a report line naming more row ranges than this is cut short


def job_rows() -> int:
    return int(current_app.config.get("IMPORT_JOB_ROWS", JOB_ROWS))


def runs_as_job(row_count: int) -> bool:
    return row_count > job_rows()


def batch_rows(row_count: int) -> int:
    """Rows per batch: the config's as given (the tests' small batches); else BATCH_ROWS,
    more for a file that would need over MAX_BATCHES batches of them."""
    return int(current_app.config.get("IMPORT_BATCH_ROWS")
               or max(BATCH_ROWS, -(-row_count // MAX_BATCHES)))


@use_case
def submit_import(token: str, *, partial: bool, decisions: dict[int, Decision], actor):
    """Queue the kept file ``token`` for writing; the officer's answers go with it."""
    ensure_permitted(actor, Permission.IMPORT_CHILDREN)
    kept = uploads.details(token, actor)  # the record only: the file is read by the job
    if kept is None:
        raise NotFoundError("Berkas impor tidak ditemukan; unggah lagi.")
    return jobs.submit(KIND, {
        "token": token, "filename": uploads.filename_of(kept), "partial": bool(partial),
        "decisions": {str(line): [d.kind, d.reason] for line, d in decisions.items()},
        "on": timeutil.today().isoformat()}, actor=actor)


def run(ctx, *, token: str, filename: str, partial: bool = False,
        decisions: dict | None = None, on: str | None = None) -> JobResult:
    """The handler: read, plan, refuse or write batch by batch, report."""
    actor = ctx.requested_by()
    ensure_permitted(actor, Permission.IMPORT_CHILDREN)  # a role may have changed since
    kept = uploads.load(token, actor)
    if kept is None:
        raise ValidationFailed({"file": ["Berkas impor sudah tidak tersimpan (disimpan "
                                         "paling lama sehari); unggah lagi."]})
    name, data = kept
    answers = {int(line): Decision(kind, reason)
               for line, (kind, reason) in (decisions or {}).items() if kind in DECISIONS}
    rows = read_child_rows(name, data, max_rows=import_preview_job.max_rows())
    plan = plan_import(rows, filename, ctx.on() or timeutil.today(), answers)
    end_read()  # planning only read: the batches below each take the write lock briefly
    preview = plan.preview
    del rows  # the plan keeps what the batches write; the rows are read again if refused
    ctx.set_total(len(preview.rows))
    earlier = ctx.report.get("progress") or {}
    if not (preview.partly_accepted if partial else preview.accepted):
        return _refused(filename, data, preview, earlier)
    progress = {"created": 0, "updated": 0, "measurements": 0, "stored": [],
                **earlier, "batches": 0}
    batches = split_plan(plan, batch_rows(len(preview.rows)))
    try:
        for batch in batches:
            _store(ctx, batch, len(batches), filename, actor, progress)
            ctx.advance(len(batch.lines))
    except JobCancelled:
        end_read()
        raise JobCancelled(_result(filename, data, preview, progress, earlier,
                                   stopped=len(batches))) from None
    uploads.discard(token)
    return _result(filename, data, preview, progress, earlier)


@use_case
def _store(ctx, batch: Batch, count: int, filename: str, actor, progress: dict) -> None:
    """One batch: its children and measurements, its audit record, and the job's report
    of everything stored so far, in one unit of work."""
    reload_targets(batch.plan)
    label = f"bagian {batch.number} dari {count}, pekerjaan #{ctx.job_id}"
    write_plan(batch.plan, filename=filename, actor=actor,
               part={"batch_label": label, "lines": line_ranges(batch.stored)})
    part = batch.plan.preview
    progress["created"] += part.children_created
    progress["updated"] += part.children_updated
    progress["measurements"] += part.measurements_created
    progress["stored"] = _merge(progress["stored"], batch.stored)
    progress["batches"] = batch.number
    ctx.checkpoint({"progress": dict(progress), "lines": [
        f"Sejauh ini tersimpan (bagian {batch.number} dari {count}): "
        f"{num(progress['created'])} anak baru, {num(progress['updated'])} diperbarui, "
        f"{num(progress['measurements'])} pengukuran baru.",
        f"Baris yang sudah tersimpan: {_ranges(progress['stored'])}."]})


def _merge(spans: list, lines: list[int]) -> list[list[int]]:
    """Stored lines as ``[first, last]`` spans: short in the job's report."""
    merged = sorted({line for a, b in spans for line in range(a, b + 1)} | set(lines))
    result: list[list[int]] = []
    for line in merged:
        if result and line == result[-1][1] + 1:
            result[-1][1] = line
        else:
            result.append([line, line])
    return result


def _ranges(spans: list) -> str:
    if not spans:
        return "tidak ada"
    text = [str(a) if a == b else f"{a}–{b}" for a, b in spans]
    if len(text) > _SHOWN_SPANS:
        return ", ".join(text[:_SHOWN_SPANS]) + f", … ({len(text) - _SHOWN_SPANS} rentang lagi)"
    return ", ".join(text)


def _stored_count(spans: list) -> int:
    return sum(b - a + 1 for a, b in spans)


def _rejects(filename: str, data: bytes, preview) -> dict:
    if not preview.rejected:
        return {}
    name, content, mimetype = rejected_rows_file(filename, data, preview)
    return {"file": content, "name": name, "mimetype": mimetype}


def _refused(filename: str, data: bytes, preview, earlier: dict) -> JobResult:
    lines = [f"Impor {filename} tidak disimpan: {num(len(preview.rejected))} dari "
             f"{num(len(preview.rows))} baris ditolak, dan tanpa \"simpan yang diterima saja\" "
             "berkas disimpan utuh atau tidak sama sekali." if preview.rows else
             f"Impor {filename} tidak disimpan: berkas tidak berisi baris data.",
             "Unduh baris yang ditolak beserta alasannya, perbaiki, lalu impor lagi."]
    if earlier.get("stored"):
        # Taken up again after its worker died, and refused now (the registry changed):
        # what the earlier attempt stored stays stored, and is named.
        lines.insert(1, f"Sebelum pekerjaan terhenti sudah tersimpan: baris "
                        f"{_ranges(earlier['stored'])}.")
    return JobResult(report={"lines": lines, "progress": earlier,
                             "stored_rows": _stored_count(earlier.get("stored", [])),
                             "rejected": len(preview.rejected)},
                     **_rejects(filename, data, preview))


def _result(filename: str, data: bytes, preview, progress: dict, earlier: dict,
            stopped: int | None = None) -> JobResult:
    unchanged = max(0, preview.children_unchanged - earlier.get("created", 0)
                    - earlier.get("updated", 0))
    lines = []
    if stopped is not None:
        lines.append(f"Dibatalkan setelah bagian {progress['batches']} dari {stopped}. "
                     "Baris yang belum tersimpan dapat disimpan dengan mengimpor berkas yang "
                     "sama lagi: yang sudah tersimpan dikenali dan tidak digandakan.")
    lines += [f"{filename}: {num(len(preview.rows))} baris. Disimpan oleh pekerjaan ini: "
              f"{num(progress['created'])} anak baru, {num(progress['updated'])} diperbarui, "
              f"{num(progress['measurements'])} pengukuran baru.",
              f"Baris yang tersimpan: {_ranges(progress['stored'])}.",
              f"Sudah ada sebelumnya dan tidak berubah: {num(unchanged)} anak."]
    if preview.rejected:
        lines.append(f"{num(len(preview.rejected))} baris ditolak dan tidak disimpan: unduh "
                     "berkasnya (kolom yang sama ditambah alasan), perbaiki, lalu impor lagi.")
    if preview.with_warnings:
        lines.append(f"{num(len(preview.with_warnings))} baris disimpan dengan peringatan.")
    return JobResult(report={"lines": lines, "progress": progress,
                             "stored_rows": _stored_count(progress["stored"]),
                             "rejected": len(preview.rejected)},
                     **_rejects(filename, data, preview))
