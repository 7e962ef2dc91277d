"""Matching pages for officers: who waits for a sponsor, pairing one child, auto-match,
the list of matches and ending one. The sponsor's own page is in ``own.py``."""


from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from asuh import timeutil
from asuh.children import services as children
from asuh.children import visibility
from asuh.children.growth import age_label
from asuh.children.models import HEIGHT_CATEGORIES, Child
from asuh.errors import NotFoundError, ValidationFailed
from asuh.extensions import db
from asuh.formatting import format_date_id
from asuh.forms import attach_errors
from asuh.matching import automatch, previews, queries, scoping, services
from asuh.matching.forms import ConfirmAutoMatchForm, EndMatchForm, MatchForm
from asuh.matching.models import END_REASONS
from asuh.matching.priority import DISTANCE_LABELS
from asuh.permissions import Permission, has_permission, requires
from asuh.regions.scopes import scope_of
from asuh.regions.services import kecamatan_list
from asuh.sponsors.models import Sponsor

bp = Blueprint("matching", __name__)

CATEGORY_BADGES = {"severely_stunted": "badge-danger", "stunted": "badge-warning",
                   "normal": "badge-success", "tall": "badge-muted"}


@bp.context_processor
def _helpers():
    return {"age_label": age_label, "category_badges": CATEGORY_BADGES,
            "height_categories": HEIGHT_CATEGORIES, "distance_labels": DISTANCE_LABELS,
            "end_reasons": END_REASONS, "today": timeutil.today()}


@bp.app_context_processor
def _history_for_other_areas():
    # The child and sponsor pages include templates/children|sponsors/_detail_extra.html,
    # which call these: the lower areas' code never imports matching.
    return {"matching_child_history": queries.matches_for_child,
            "matching_sponsor_history": queries.matches_for_sponsor,
            "matching_end_reasons": END_REASONS, "matching_today": timeutil.today}


@bp.route("/matching")
@requires(Permission.VIEW_MATCHES)
def index():
    filters = {"kecamatan": request.args.get("kecamatan", "").strip()}
    page = queries.list_unmatched_children(
        current_user, page=request.args.get("page", 1, type=int),
        kecamatan_code=filters["kecamatan"] or None)
    return render_template(
        "matching/index.html", page=page, filters=filters,
        kecamatan=kecamatan_list(scope_of(current_user)),
        full_nik=children.sees_full_nik(current_user),
        free_sponsors=queries.free_sponsor_count(scope_of(current_user)),
    )


def _visible_child(child_id: int) -> Child:
    child = db.get_or_404(Child, child_id)
    if not visibility.in_scope(current_user, child):
        abort(404)  # another kabupaten/kota's child does not exist for this user
    if not services.may_pair(current_user, child):
        abort(403)
    return child


@bp.route("/matching/children/<int:child_id>", methods=["GET", "POST"])
@requires(Permission.MANAGE_MATCHES)
def pair(child_id: int):
    child = _visible_child(child_id)
    form = MatchForm()
    if form.validate_on_submit():
        sponsor = db.session.get(Sponsor, form.sponsor_id.data)
        try:
            if sponsor is None:
                raise ValidationFailed({"sponsor_id": ["Bapak/Bunda Asuh tidak ditemukan."]})
            match = services.create_match(sponsor, child, start_on=form.start_date.data,
                                          end_on=form.end_date.data, note=form.note.data,
                                          actor=current_user)
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash(f"{sponsor.name} kini Bapak/Bunda Asuh {child.name} sampai "
                  f"{format_date_id(match.planned_end_on)}.", "success")
            if warning := services.commitment_warning(child, match.planned_end_on):
                flash(warning, "warning")
            return redirect(url_for("matching.index"))
    return render_template(
        "matching/pair.html", child=child, form=form,
        commitment_warning=services.commitment_warning(
            child, services.default_end(timeutil.today(), services.child_city(child))),
        current=queries.current_match(child),
        suggestions=queries.suggest_sponsors(child, limit=25),
        commitment_months=services.commitment_months(services.child_city(child)),
        full_nik=children.sees_full_nik(current_user))


@bp.route("/matching/auto")
@requires(Permission.MANAGE_MATCHES)
def auto_preview():
    proposal = automatch.build_proposal(actor=current_user)
    token = (previews.keep(proposal.pairs, current_user, shown=len(proposal.rows))
             if proposal.pairs else "")
    return render_template("matching/auto.html", proposal=proposal,
                           form=ConfirmAutoMatchForm(token=token),
                           # The officer's own office's commitment (a city's own).
                           commitment_months=services.commitment_months(
                               scope_of(current_user)))


@bp.route("/matching/auto/confirm", methods=["POST"])
@requires(Permission.MANAGE_MATCHES)
def auto_confirm():
    form = ConfirmAutoMatchForm()
    try:
        if not form.validate_on_submit():
            raise NotFoundError("token")
        outcome = automatch.confirm_proposal(
            form.token.data, actor=current_user,
            ticked=automatch.parse_pair_keys(request.form.getlist("pair")))
    except NotFoundError:
        flash("Usulan pemasangan tidak ditemukan atau sudah kedaluwarsa/dipakai; "
              "buat usulan baru.", "error")
        return redirect(url_for("matching.auto_preview"))
    except ValidationFailed as failure:
        flash(str(failure), "error")
        return redirect(url_for("matching.auto_preview"))
    flash(f"{len(outcome.created)} pasangan dibuat.", "success")
    if outcome.skipped:
        flash(f"{len(outcome.skipped)} usulan dilewati karena data berubah sejak usulan "
              "dibuat (anak sudah diasuh atau tidak aktif, atau kuota Bapak/Bunda Asuh "
              "penuh).", "warning")
    return render_template("matching/auto_done.html", outcome=outcome,
                           skipped=_describe_skipped(outcome.skipped))


def _describe_skipped(skipped) -> list[dict]:
    shown = skipped[:200]
    child_names = dict(db.session.execute(
        select(Child.id, Child.name).where(Child.id.in_({c for c, _, _ in shown}))).all())
    sponsor_names = dict(db.session.execute(
        select(Sponsor.id, Sponsor.name).where(Sponsor.id.in_({s for _, s, _ in shown})))
        .all())
    return [{"child": child_names.get(c) or f"#{c}",
             "sponsor": sponsor_names.get(s, f"#{s}"), "reason": why}
            for c, s, why in shown]


@bp.route("/matches")
@requires(Permission.VIEW_MATCHES)
def matches():
    active = queries.parse_active_filter(request.args)
    q = queries.clean_name_query(request.args.get("q"))
    page = queries.list_matches(current_user, page=request.args.get("page", 1, type=int),
                                active=queries.ACTIVE_FILTERS.get(active), q=q)
    return render_template("matching/matches.html", page=page, active=active, q=q)


def _match_or_404(match_id: int):
    match = queries.get_match(match_id)
    if match is None or not scoping.match_in_scope(current_user, match):
        abort(404)
    return match


def _render_match(match, end_form=None):
    return render_template(
        "matching/match.html", match=match,
        end_form=end_form or EndMatchForm(formdata=None),
        can_end=match.is_active and has_permission(current_user, Permission.MANAGE_MATCHES))


@bp.route("/matches/<int:match_id>")
@requires(Permission.VIEW_MATCHES)
def match_detail(match_id: int):
    return _render_match(_match_or_404(match_id))


@bp.route("/matches/<int:match_id>/end", methods=["POST"])
@requires(Permission.MANAGE_MATCHES)
def end(match_id: int):
    match = _match_or_404(match_id)
    form = EndMatchForm()
    if form.validate_on_submit():
        try:
            services.end_match(match, reason=form.reason.data, ended_on=form.ended_on.data,
                               note=form.note.data, actor=current_user)
        except ValidationFailed as failure:
            if failure.status == 409:
                # Ended meanwhile by someone else: the page no longer has a form to show it.
                flash(str(failure), "error")
                return redirect(url_for("matching.match_detail", match_id=match_id))
            attach_errors(form, failure)
        else:
            flash("Pengasuhan diakhiri; riwayatnya tetap tersimpan.", "success")
            return redirect(url_for("matching.match_detail", match_id=match.id))
        match = _match_or_404(match_id)
    return _render_match(match, end_form=form)

