"""Job pages: one's jobs, one job with its progress bar, cancelling, the result file."""

from io import BytesIO

from flask import Blueprint, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from asuh.jobs import registry, services
from asuh.permissions import Permission, requires

bp = Blueprint("jobs", __name__)


@bp.app_context_processor
def _helpers():
    return {"job_label": registry.label}


@bp.route("/jobs")
@requires(Permission.SIGNED_IN)
def index():
    page = services.list_for(current_user, page=request.args.get("page", 1, type=int))
    return render_template("jobs/index.html", page=page)


@bp.route("/jobs/<int:job_id>")
@requires(Permission.SIGNED_IN)
def detail(job_id: int):
    job = services.load_for(current_user, job_id)
    return render_template("jobs/detail.html", job=job, state=services.status_of(job))


@bp.route("/jobs/<int:job_id>/status")
@requires(Permission.SIGNED_IN)
def status(job_id: int):
    """What the progress bar polls (static/js/jobs.js): small, and never cached."""
    response = jsonify(services.status_of(services.load_for(current_user, job_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/jobs/<int:job_id>/cancel", methods=["POST"])
@requires(Permission.SIGNED_IN)
def cancel(job_id: int):
    if services.cancel(job_id, actor=current_user):
        flash("Pembatalan diminta. Bagian yang sudah selesai tetap tersimpan.", "info")
    else:
        flash("Pekerjaan ini sudah selesai; tidak ada yang dibatalkan.", "info")
    return redirect(url_for("jobs.detail", job_id=job_id))


@bp.route("/jobs/<int:job_id>/download")
@requires(Permission.SIGNED_IN)
def download(job_id: int):
    body, name, mimetype = services.take_result(job_id, actor=current_user)
    return send_file(BytesIO(body), mimetype=mimetype, as_attachment=True,
                     download_name=name)
