"""Contribution pages: lists, the verification queue, one delivery with its proof photos,
and the verifier's and officer's buttons. Logging and correcting a delivery are in
``logging_views.py``, the catalogue in ``catalogue_views.py`` (same blueprint)."""

from datetime import date
from io import BytesIO

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from asuh import timeutil
from asuh.accounts.models import User
from asuh.contributions import access, photos, progress, thumbnails, verification
from asuh.contributions.forms import ConfirmForm, PhotoForm, RejectForm, VoidForm
from asuh.contributions.models import (
    CONFIRMED,
    CONTRIBUTION_STATUSES,
    PENDING,
    Contribution,
    ContributionPhoto,
)
from asuh.contributions.totals import month_of
from asuh.extensions import db
from asuh.formatting import MONTHS_ID, format_quantity
from asuh.forms import button_action
from asuh.permissions import Permission, Role, requires
from asuh.regions.scopes import scope_of
from asuh.regions.services import assigned_kelurahan, kecamatan_list, kelurahan_list

bp = Blueprint("contributions", __name__)

STATUS_BADGES = {PENDING: "badge-warning", CONFIRMED: "badge-success",
                 "rejected": "badge-danger", "voided": "badge-muted"}


def month_label(value: date) -> str:
    return f"{MONTHS_ID[value.month - 1]} {value.year}"


@bp.app_context_processor
def _helpers():
    # App-wide, so other areas' pages can include contributions/_match_progress.html.
    return {"status_badges": STATUS_BADGES, "quantity_id": format_quantity,
            "month_label": month_label, "contribution_progress": progress.match_progress,
            "contribution_province_package": progress.province_package_lines,
            "contribution_offers_logging": lambda match: access.offers_logging(current_user,
                                                                              match)}


def _visible(contribution_id: int) -> Contribution:
    contribution = access.load(contribution_id, current_user)
    if contribution is None:
        abort(404)
    if not access.can_view(current_user, contribution):
        abort(403)
    return contribution


@bp.route("/contributions")
@requires(Permission.VIEW_CONTRIBUTIONS)
def index():
    filters = access.parse_filters(request.args, strict=False)
    page = access.list_contributions(current_user, filters,
                                     page=request.args.get("page", 1, type=int))
    kelurahan = kelurahan_list()
    if current_user.role == Role.FIELD:
        mine = set(assigned_kelurahan(current_user))
        kelurahan = [r for r in kelurahan if r.code in mine]
    return render_template("contributions/index.html", page=page, filters=filters,
                           statuses=CONTRIBUTION_STATUSES, kecamatan=kecamatan_list(),
                           kelurahan=kelurahan)


@bp.route("/contributions/queue")
@requires(Permission.VERIFY_CONTRIBUTIONS)
def queue():
    page = access.verification_queue(current_user, page=request.args.get("page", 1, type=int))
    unassigned = current_user.role == Role.FIELD and not assigned_kelurahan(current_user)
    return render_template("contributions/queue.html", page=page, unassigned=unassigned)


@bp.route("/contributions/behind")
@requires(Permission.VIEW_MATCHES)
def behind():
    filters = access.parse_filters(request.args, strict=False)
    month = (date(int(filters.month[:4]), int(filters.month[5:]), 1) if filters.month
             else month_of(timeutil.today()))
    page = progress.behind_matches(month, page=request.args.get("page", 1, type=int))
    return render_template(
        "contributions/behind.html", page=page, month=month,
        progress=progress.progress_for_matches(page.items, month),
        # The officer's own office's package; each row owes its child's city's.
        package=progress.package_lines(scope_of(current_user)),
        province_package=progress.province_lines_for(scope_of(current_user)))


@bp.route("/contributions/<int:contribution_id>")
@requires(Permission.VIEW_CONTRIBUTIONS, Permission.OWN_SPONSORSHIP)
def detail(contribution_id: int):
    # Staff see deliveries through VIEW_CONTRIBUTIONS (field users their kelurahan's),
    # a sponsor their own: access.can_view decides per delivery.
    contribution = _visible(contribution_id)
    voided_by = (db.session.get(User, contribution.voided_by_id)
                 if contribution.voided_by_id else None)
    return render_template(
        "contributions/detail.html", contribution=contribution,
        decisions=verification.decisions(contribution, voided_by),
        **access.actions_open(current_user, contribution),
        can_undo=verification.may_undo_confirmation(current_user, contribution),
        history=access.history(contribution),
        photo_form=PhotoForm(formdata=None), confirm_form=ConfirmForm(formdata=None),
        reject_form=RejectForm(formdata=None), void_form=VoidForm(formdata=None))


@bp.route("/contributions/<int:contribution_id>/photos/<int:photo_id>")
@requires(Permission.VIEW_CONTRIBUTIONS, Permission.OWN_SPONSORSHIP)
def photo(contribution_id: int, photo_id: int):
    return photo_response(_photo_of(contribution_id, photo_id))


def _photo_of(contribution_id: int, photo_id: int) -> ContributionPhoto:
    """A photo of a delivery the user may see (404 for another delivery's photo)."""
    contribution = _visible(contribution_id)
    stored = db.get_or_404(ContributionPhoto, photo_id)
    if stored.contribution_id != contribution.id:
        abort(404)
    return stored


@bp.route("/contributions/<int:contribution_id>/photos/<int:photo_id>/thumbnail")
@requires(Permission.VIEW_CONTRIBUTIONS, Permission.OWN_SPONSORSHIP)
def photo_thumbnail(contribution_id: int, photo_id: int):
    """The tile's small copy: the same checks as the photo itself."""
    stored = _photo_of(contribution_id, photo_id)
    body = thumbnails.ensure(stored.stored_name, photos.photo_key(stored))
    if body is None:
        abort(404)
    response = send_file(BytesIO(body), mimetype="image/jpeg", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"  # as the photo's, below
    return response


def photo_response(stored: ContributionPhoto):
    body = photos.read_photo(stored)
    if body is None:
        abort(404)
    response = send_file(BytesIO(body), mimetype=stored.content_type, max_age=0,
                         download_name=f"penyaluran-{stored.contribution_id}-{stored.id}"
                                       f"{photos.EXTENSIONS[stored.content_type]}")
    # Photos of a family's home: no shared cache and no browser cache may keep them.
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _act(contribution_id: int, form, check, action):
    """Run a button's action on a delivery and return to its page with the outcome."""
    contribution = access.load(contribution_id, current_user)
    if contribution is None:
        abort(404)
    if not check(contribution):
        abort(403)
    return button_action(form, action, contribution,
                         url_for("contributions.detail", contribution_id=contribution_id))


@bp.route("/contributions/<int:contribution_id>/confirm", methods=["GET", "POST"])
@requires(Permission.VERIFY_CONTRIBUTIONS)
def confirm(contribution_id: int):
    """GET asks once ("the family received these?"); POST confirms."""
    if request.method == "GET":
        contribution = access.load(contribution_id, current_user)
        if contribution is None:
            abort(404)
        if not access.can_verify(current_user, contribution):
            abort(403)
        if contribution.status != "pending":
            flash(f"Penyaluran ini sudah {contribution.status_label.lower()}.", "info")
            return redirect(url_for("contributions.detail", contribution_id=contribution_id))
        return render_template("contributions/confirm.html", contribution=contribution,
                               confirm_form=ConfirmForm(formdata=None))

    def action(contribution):
        token = form.submission_token.data
        verification.confirm_contribution(
            contribution, actor=current_user,
            submission_key=f"form:{token}" if token else None)
        return (f"Penyaluran #{contribution.id} dikonfirmasi diterima keluarga. Salah tekan? "
                "Urungkan dalam 5 menit di halaman ini.")

    form = ConfirmForm()
    return _act(contribution_id, form, lambda c: access.can_verify(current_user, c), action)


@bp.route("/contributions/<int:contribution_id>/undo-confirm", methods=["POST"])
@requires(Permission.VERIFY_CONTRIBUTIONS)
def undo_confirm(contribution_id: int):
    def action(contribution):
        verification.undo_confirmation(contribution, actor=current_user)
        return f"Konfirmasi penyaluran #{contribution.id} diurungkan; menunggu verifikasi lagi."

    return _act(contribution_id, ConfirmForm(),
                lambda c: access.can_verify(current_user, c), action)


@bp.route("/contributions/<int:contribution_id>/reject", methods=["POST"])
@requires(Permission.VERIFY_CONTRIBUTIONS)
def reject(contribution_id: int):
    form = RejectForm()

    def action(contribution):
        verification.reject_contribution(contribution, form.reason.data, actor=current_user)
        return f"Penyaluran #{contribution.id} ditolak."

    return _act(contribution_id, form, lambda c: access.can_verify(current_user, c), action)


@bp.route("/contributions/<int:contribution_id>/void", methods=["POST"])
@requires(Permission.VOID_CONTRIBUTIONS)
def void(contribution_id: int):
    form = VoidForm()

    def action(contribution):
        verification.void_contribution(contribution, form.reason.data, actor=current_user)
        return f"Penyaluran #{contribution.id} dibatalkan."

    return _act(contribution_id, form, lambda c: access.can_void(current_user), action)


@bp.route("/contributions/<int:contribution_id>/photos", methods=["POST"])
@requires(Permission.LOG_CONTRIBUTIONS)
def add_photos(contribution_id: int):
    form = PhotoForm()

    def action(contribution):
        added = photos.add_photos(contribution, form.photo_files(), actor=current_user)
        return f"{len(added)} foto bukti ditambahkan."

    return _act(contribution_id, form, lambda c: access.can_edit(current_user, c), action)

