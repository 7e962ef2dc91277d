"""Letter pages: the list, issuing, one letter, downloads, and the sponsor's own letters.
The public verification pages are in ``verify_views.py`` (same blueprint)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from asuh.errors import ValidationFailed
from asuh.forms import attach_errors
from asuh.letters import queries, services
from asuh.letters.downloads import pdf_response
from asuh.letters.forms import IssueForm, OwnStatementForm
from asuh.letters.models import LETTER_KINDS, SPONSOR_STATEMENT
from asuh.letters.periods import parse_period, period_from_dates
from asuh.letters.rendering import verify_url
from asuh.permissions import Permission, requires
from asuh.regions.services import kecamatan_list
from asuh.sponsors.services import sponsor_for_user

bp = Blueprint("letters", __name__)


@bp.app_context_processor
def _helpers():
    return {"letter_kinds": LETTER_KINDS, "letter_statuses": queries.STATUSES,
            "letter_verify_url": verify_url}


@bp.route("/letters")
@requires(Permission.VIEW_LETTERS)
def index():
    filters = queries.parse_filters(request.args, strict=False)
    page = queries.list_letters(current_user, filters,
                                page=request.args.get("page", 1, type=int))
    return render_template("letters/index.html", page=page, filters=filters)


def _form_period(form: IssueForm):
    """The period typed in the period syntax, or picked as two dates."""
    if form.period.data and form.period.data.strip():
        return parse_period(form.period.data)
    if form.period_start.data or form.period_end.data:
        return period_from_dates(form.period_start.data, form.period_end.data)
    return None


@bp.route("/letters/new", methods=["GET", "POST"])
@requires(Permission.ISSUE_LETTERS)
def new():
    form = IssueForm()
    if request.method == "GET":
        for name in ("kind", "sponsor_id", "contribution_id", "kecamatan_code", "period"):
            if request.args.get(name):
                getattr(form, name).data = request.args[name]
    form.set_choices(queries.sponsors_for_choice(), kecamatan_list())
    if form.validate_on_submit():
        try:
            letter = services.issue_letter(
                form.kind.data, sponsor_id=form.sponsor_id.data or None,
                contribution_id=(form.contribution_id.data or "").strip() or None,
                kecamatan_code=form.kecamatan_code.data or None, period=_form_period(form),
                actor=current_user, interim=form.interim.data)
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            letter_id, number = letter.id, letter.number
            flash(f"Surat nomor {number} diterbitkan.", "success")
            return redirect(url_for("letters.detail", letter_id=letter_id))
    existing = []
    contribution_id = (form.contribution_id.data or "").strip()
    if form.kind.data == "handover_receipt" and contribution_id.isdigit():
        existing = queries.current_for("handover_receipt", contribution_id=int(contribution_id))
    return render_template("letters/new.html", form=form, existing=existing)


@bp.route("/letters/<int:letter_id>")
@requires(Permission.VIEW_LETTERS)
def detail(letter_id: int):
    letter = queries.load(letter_id)
    if letter is None:
        abort(404)
    return render_template("letters/detail.html", letter=letter,
                           replaced=queries.superseded_ones(letter))


@bp.route("/letters/<int:letter_id>/pdf")
@requires(Permission.VIEW_LETTERS)
def download(letter_id: int):
    return pdf_response(letter_id, current_user,
                        lambda letter: services.can_view(current_user, letter))


# --- the sponsor's own letters ----------------------------------------------------------


@bp.route("/my/letters", methods=["GET", "POST"])
@requires(Permission.OWN_SPONSORSHIP)
def own():
    sponsor = sponsor_for_user(current_user)
    form = OwnStatementForm()
    if sponsor is not None and form.validate_on_submit():
        try:
            letter = services.issue_letter(
                SPONSOR_STATEMENT, sponsor_id=sponsor.id,
                period=parse_period(form.month.data, field="month"), actor=current_user,
                interim=form.interim.data)
        except ValidationFailed as failure:
            if "period" in failure.errors:
                failure.errors["month"] = failure.errors.pop("period")
            attach_errors(form, failure)
        else:
            number = letter.number
            flash(f"Surat pertanggungjawaban nomor {number} diterbitkan. "
                  "Unduh dari daftar di bawah.", "success")
            return redirect(url_for("letters.own"))
    filters = queries.parse_filters(request.args, strict=False)
    page = queries.list_letters(current_user, filters,
                                page=request.args.get("page", 1, type=int))
    return render_template("letters/own.html", sponsor=sponsor, form=form, page=page)


@bp.route("/my/letters/<int:letter_id>/pdf")
@requires(Permission.OWN_SPONSORSHIP)
def own_download(letter_id: int):
    return pdf_response(letter_id, current_user,
                        lambda letter: services.can_view(current_user, letter))

