"""Letter pages: the list, issuing, one letter, downloads, and the sponsor's own letters.
The public verification pages are in ``verify_views.py`` (same blueprint)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from asuh import timeutil
from asuh.errors import ValidationFailed
from asuh.forms import attach_errors
from asuh.letters import queries, services
from asuh.letters.downloads import pdf_response
from asuh.letters.forms import KIND_FIELDS, KIND_HELP, IssueForm, OwnStatementForm, recap_regions
from asuh.letters.models import HANDOVER_RECEIPT, LETTER_KINDS
from asuh.letters.periods import parse_period
from asuh.letters.rendering import verify_url
from asuh.matching.queries import clean_name_query
from asuh.permissions import Permission, requires
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


@bp.route("/letters/new", methods=["GET", "POST"])
@requires(Permission.ISSUE_LETTERS)
def new():
    """The kind first (a choice of cards), then a form with only that kind's fields; the
    sponsor and delivery pickers narrow by name with ``?q=`` (no script needed)."""
    form = IssueForm()
    q = clean_name_query(request.args.get("q"))
    if request.method == "GET":
        for name in ("kind", "sponsor_id", "contribution_id", "kecamatan_code"):
            if request.args.get(name):
                getattr(form, name).data = request.args[name]
        if request.args.get("period"):
            form.show_period(request.args["period"])
    kind = form.kind.data if form.kind.data in LETTER_KINDS else None
    if kind is None:
        return render_template("letters/new.html", form=form, kind=None,
                               kind_help=KIND_HELP)
    form.set_choices(
        sponsors=queries.sponsors_for_choice(q=q, keep_id=form.sponsor_id.data),
        deliveries=queries.receipt_candidates(current_user, q=q,
                                              keep_id=form.contribution_id.data),
        kecamatan=recap_regions(current_user), today=timeutil.today())
    if form.validate_on_submit():
        # "Cakupan" lists the province, its kabupaten/kota and their kecamatan in scope.
        chosen = form.kecamatan_code.data or ""
        try:
            letter = services.issue_letter(
                kind, sponsor_id=form.sponsor_id.data or None,
                contribution_id=form.contribution_id.data or None,
                kecamatan_code=chosen if len(chosen) > 5 else None,
                region_code=chosen if 0 < len(chosen) <= 5 else None,
                city_code=form.city_code.data or None,
                period=form.chosen_period() if "period" in KIND_FIELDS[kind] else None,
                actor=current_user, interim=form.interim.data)
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            letter_id, number = letter.id, letter.number
            flash(f"Surat nomor {number} diterbitkan.", "success")
            return redirect(url_for("letters.detail", letter_id=letter_id))
    existing = []
    contribution_id = str(form.contribution_id.data or "").strip()
    if kind == HANDOVER_RECEIPT and contribution_id.isdigit():
        existing = queries.current_for(HANDOVER_RECEIPT, contribution_id=int(contribution_id))
    return render_template("letters/new.html", form=form, kind=kind, q=q,
                           fields=KIND_FIELDS[kind], existing=existing)


@bp.route("/letters/<int:letter_id>")
@requires(Permission.VIEW_LETTERS)
def detail(letter_id: int):
    letter = queries.load(letter_id)
    if letter is None or services.out_of_scope(current_user, letter):
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
            # One statement per kabupaten/kota where the sponsor's children live.
            numbers = [letter.number for letter in services.issue_own_statements(
                sponsor.id, parse_period(form.month.data, field="month"),
                actor=current_user, interim=form.interim.data)]
        except ValidationFailed as failure:
            if "period" in failure.errors:
                failure.errors["month"] = failure.errors.pop("period")
            attach_errors(form, failure)
        else:
            flash(f"Surat pertanggungjawaban nomor {', '.join(numbers)} diterbitkan. "
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

