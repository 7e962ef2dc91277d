"""Import pages: upload a posyandu / e-PPGBM file, read the preview, confirm or discard."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from asuh.children import import_outcome, importing, uploads
from asuh.children.forms import ConfirmForm, ImportForm
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


def _kept_rows(token: str):
    kept = uploads.load(token, current_user)
    if kept is None:
        abort(404)
    filename, data = kept
    try:
        return filename, read_child_rows(filename, data)
    except ImportFileError:
        abort(404)  # it was readable when kept; only tampering with the folder gets here


def _render_preview(preview, token: str, refused: bool = False):
    notable = [r for r in preview.rows if r.errors or r.warnings or r.action == "update"]
    plain = [r for r in preview.rows if not (r.errors or r.warnings or r.action == "update")]
    return render_template(
        "children/import_preview.html", preview=preview, token=token, refused=refused,
        notable=notable, plain=plain[:PLAIN_ROWS_SHOWN], plain_hidden=max(
            0, len(plain) - PLAIN_ROWS_SHOWN), form=ConfirmForm(formdata=None),
        actions=import_outcome.ACTIONS, measurement_actions=import_outcome.MEASUREMENT_ACTIONS)


@bp.route("/children/import/<token>")
@requires(Permission.IMPORT_CHILDREN)
def import_preview(token: str):
    filename, rows = _kept_rows(token)
    return _render_preview(importing.preview_import(rows, filename=filename), token)


@bp.route("/children/import/<token>/confirm", methods=["POST"])
@requires(Permission.IMPORT_CHILDREN)
def import_confirm(token: str):
    filename, rows = _kept_rows(token)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        preview = importing.import_children(rows, filename=filename, actor=current_user)
    except importing.ImportRefused as refused:
        # The registry changed since the preview, or the file was never acceptable.
        flash("Impor tidak disimpan: ada baris yang ditolak. Perbaiki berkas lalu unggah lagi.",
              "error")
        return _render_preview(refused.preview, token, refused=True)
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
