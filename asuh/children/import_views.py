"""Import pages: upload a posyandu / e-PPGBM file, read the preview, confirm or discard."""

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from asuh.children import import_job, import_outcome, importing, uploads
from asuh.children.forms import ConfirmForm, ImportForm
from asuh.children.import_identity import DECISIONS, Decision
from asuh.children.import_rejects import rejected_rows_file
from asuh.children.importfile import ImportFileError, read_child_rows
from asuh.children.views import bp
from asuh.permissions import Permission, requires

# A 10,000-row preview is too long to read; every row with something to say is shown,
# the plain ones only up to this many.
PLAIN_ROWS_SHOWN = 100


@bp.route("/children/import", methods=["GET", "POST"])
@requires(Permission.IMPORT_CHILDREN)
def import_upload():
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        try:
            read_child_rows(upload.filename, data)
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


def _render_preview(preview, token: str, refused: bool = False, decisions=None):
    def notable(r):
        return r.errors or r.warnings or r.action == "update" or r.conflict or r.nik_status

    plain = [r for r in preview.rows if not notable(r)]
    return render_template(
        "children/import_preview.html", preview=preview, token=token, refused=refused,
        notable=[r for r in preview.rows if notable(r)], plain=plain[:PLAIN_ROWS_SHOWN],
        plain_hidden=max(0, len(plain) - PLAIN_ROWS_SHOWN), form=ConfirmForm(formdata=None),
        decisions=decisions or {}, decision_labels=DECISIONS,
        actions=import_outcome.ACTIONS, measurement_actions=import_outcome.MEASUREMENT_ACTIONS,
        as_job=import_job.runs_as_job(len(preview.rows)))


@bp.route("/children/import/<token>")
@requires(Permission.IMPORT_CHILDREN)
def import_preview(token: str):
    filename, rows = _kept_rows(token)
    return _render_preview(importing.preview_import(rows, filename=filename,
                                                    actor=current_user), token)


@bp.route("/children/import/<token>/rejected")
@requires(Permission.IMPORT_CHILDREN)
def import_rejected(token: str):
    """The refused rows with their reasons, as a file to fix and import again."""
    filename, data, rows = _kept(token)
    preview = importing.preview_import(rows, filename=filename, actor=current_user)
    name, content, mimetype = rejected_rows_file(filename, data, preview)
    return send_file(io.BytesIO(content), mimetype=mimetype, as_attachment=True,
                     download_name=name)


@bp.route("/children/import/<token>/confirm", methods=["POST"])
@requires(Permission.IMPORT_CHILDREN)
def import_confirm(token: str):
    filename, rows = _kept_rows(token)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    partial = request.form.get("mode") == "partial"
    decisions = _decisions(request.form)
    if import_job.runs_as_job(len(rows)):
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
