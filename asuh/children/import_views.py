"""Import pages: upload a posyandu / e-PPGBM file, read the preview, confirm or discard."""

import io

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from asuh.children import import_job, import_outcome, import_preview_job, importing, uploads
from asuh.children.forms import ConfirmForm, ImportForm
from asuh.children.import_identity import DECISIONS, Decision
from asuh.children.import_limits import MAX_FILE_BYTES, TooManyRows
from asuh.children.import_outcome import ShownPreview
from asuh.children.import_rejects import rejected_rows_file
from asuh.children.importfile import ImportFileError, read_child_rows
from asuh.children.views import bp
from asuh.jobs import services as jobs
from asuh.jobs.models import DONE
from asuh.permissions import Permission, requires

# A 10,000-row preview is too long to read; every row with something to say is shown,
# the plain ones only up to this many.
PLAIN_ROWS_SHOWN = 100


@bp.route("/children/import", methods=["GET", "POST"])
@requires(Permission.IMPORT_CHILDREN)
def import_upload():
    # A province's export (100,000 rows: 26 MB as CSV) is larger than the app's request
    # bound for everything else (ASUH_MAX_UPLOAD_MB, photos); this page alone takes up to
    # the import's own bound, whose message names it (import_limits.check_file_size).
    request.max_content_length = max(current_app.config["MAX_CONTENT_LENGTH"] or 0,
                                     MAX_FILE_BYTES + 1_048_576)
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        try:
            # The header and at most this many rows: a larger file is previewed by a job.
            read_child_rows(upload.filename, data,
                            max_rows=import_preview_job.preview_job_rows())
        except TooManyRows:
            token = import_preview_job.submit_preview(upload.filename, data,
                                                      actor=current_user)
            return redirect(url_for("children.import_preview", token=token))
        except ImportFileError as exc:
            form.file.errors.append(str(exc))
        else:
            token = uploads.keep(upload.filename, data, current_user)
            return redirect(url_for("children.import_preview", token=token))
    return render_template("children/import_upload.html", form=form)


def _kept(token: str):
    kept = uploads.load(token, current_user)
    if kept is None:
        abort(404)
    filename, data = kept
    try:
        return filename, data, read_child_rows(filename, data)
    except ImportFileError:
        abort(404)  # it was readable when kept; only tampering with the folder gets here


def _kept_rows(token: str):
    filename, _, rows = _kept(token)
    return filename, rows


def _decisions(form) -> dict[int, Decision]:
    """The officer's answers to NIK conflicts: ``decision-<line>`` and ``reason-<line>``."""
    decisions = {}
    for name, kind in form.items():
        line = name.removeprefix("decision-")
        if line != name and line.isdigit() and kind in DECISIONS:
            decisions[int(line)] = Decision(kind, form.get(f"reason-{line}", "")[:500])
    return decisions


def _render_preview(preview, token: str, refused: bool = False, decisions=None,
                    preview_job=None):
    if isinstance(preview, ShownPreview):  # a large file's, as its preview job kept it
        shown = preview
    else:
        shown = ShownPreview.of(preview, limit=len(preview.rows),
                                plain_limit=PLAIN_ROWS_SHOWN)
    rejected_url = (url_for("jobs.download", job_id=preview_job.id) if preview_job else
                    url_for("children.import_rejected", token=token))
    return render_template(
        "children/import_preview.html", preview=shown, token=token, refused=refused,
        notable=shown.notable, notable_hidden=shown.notable_hidden, plain=shown.plain,
        plain_hidden=shown.plain_hidden, form=ConfirmForm(formdata=None),
        decisions=decisions or {}, decision_labels=DECISIONS, rejected_url=rejected_url,
        actions=import_outcome.ACTIONS, measurement_actions=import_outcome.MEASUREMENT_ACTIONS,
        as_job=preview_job is not None or import_job.runs_as_job(shown.row_count))


def _preview_job(token: str):
    """The job previewing a large kept file, or None for a small one (404: not yours)."""
    meta = uploads.details(token, current_user)
    if meta is None:
        abort(404)
    job_id = meta.get("preview_job")
    return jobs.load_for(current_user, job_id) if job_id else None


@bp.route("/children/import/<token>")
@requires(Permission.IMPORT_CHILDREN)
def import_preview(token: str):
    job = _preview_job(token)
    if job is not None:
        report = job.result_report or {}
        if job.status != DONE or "preview" not in report:
            # Still working (the page polls and reloads), or it failed / was cancelled,
            # or the file was over the bounds: the page says which.
            return render_template("children/import_waiting.html", job=job, token=token,
                                   state=jobs.status_of(job), problem=report.get("error"))
        return _render_preview(ShownPreview.from_json(report["preview"]), token,
                               preview_job=job)
    filename, rows = _kept_rows(token)
    return _render_preview(importing.preview_import(rows, filename=filename,
                                                    actor=current_user), token)


@bp.route("/children/import/<token>/rejected")
@requires(Permission.IMPORT_CHILDREN)
def import_rejected(token: str):
    """The refused rows with their reasons, as a file to fix and import again."""
    job = _preview_job(token)
    if job is not None:  # a large file's: its preview job wrote them
        return redirect(url_for("jobs.download", job_id=job.id))
    filename, data, rows = _kept(token)
    preview = importing.preview_import(rows, filename=filename, actor=current_user)
    name, content, mimetype = rejected_rows_file(filename, data, preview)
    return send_file(io.BytesIO(content), mimetype=mimetype, as_attachment=True,
                     download_name=name)


@bp.route("/children/import/<token>/confirm", methods=["POST"])
@requires(Permission.IMPORT_CHILDREN)
def import_confirm(token: str):
    preview_job = _preview_job(token)
    large = preview_job is not None
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if large and (preview_job.status != DONE
                  or "preview" not in (preview_job.result_report or {})):
        # Nothing to confirm yet (still previewing), or the file was refused whole.
        return redirect(url_for("children.import_preview", token=token))
    partial = request.form.get("mode") == "partial"
    decisions = _decisions(request.form)
    # A large file is not read here at all: the import job reads and plans it.
    filename, rows = (None, None) if large else _kept_rows(token)
    if large or import_job.runs_as_job(len(rows)):
        # Planned again and written in batches by a worker; the job page shows progress.
        job = import_job.submit_import(token, partial=partial, decisions=decisions,
                                       actor=current_user)
        return redirect(url_for("jobs.detail", job_id=job.id))
    try:
        preview = importing.import_children(rows, filename=filename, actor=current_user,
                                            partial=partial, decisions=decisions)
    except importing.ImportRefused as refused:
        # The registry changed since the preview, or the file was never acceptable.
        flash("Impor tidak disimpan: ada baris yang ditolak. Perbaiki berkas lalu unggah lagi, "
              "atau simpan baris yang diterima saja.", "error")
        return _render_preview(refused.preview, token, refused=True, decisions=decisions)
    if partial and preview.rejected:
        # The file stays kept so the refused rows can still be downloaded; saving it again
        # changes nothing.
        flash(f"Impor {filename} disimpan sebagian: {preview.summary()} Unduh baris yang "
              "ditolak, perbaiki, lalu impor lagi.", "warning")
        return redirect(url_for("children.import_preview", token=token))
    uploads.discard(token)
    flash(f"Impor {filename} disimpan: {preview.summary()}", "success")
    return redirect(url_for("children.index"))


@bp.route("/children/import/<token>/discard", methods=["POST"])
@requires(Permission.IMPORT_CHILDREN)
def import_discard(token: str):
    if uploads.load(token, current_user) is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        uploads.discard(token)
        flash("Berkas impor dibuang; tidak ada data yang disimpan.", "info")
    return redirect(url_for("children.import_upload"))
