"""The sponsor's pages: log a delivery for a match, correct it while pending, and
"my deliveries"."""

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from asuh import timeutil
from asuh.contributions import access, catalogue, catalogue_cities, prices, progress, services
from asuh.contributions.forms import ContributionForm
from asuh.contributions.models import Contribution
from asuh.contributions.views import bp
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.forms import attach_errors
from asuh.matching.models import Match
from asuh.matching.rules import running
from asuh.permissions import Permission, requires
from asuh.sponsors.services import sponsor_for_user

_ITEM_KEY = re.compile(r"^items\[(\d+)\]\.(\w+)$")
ALREADY_SAVED = "Penyaluran ini sudah tersimpan sebelumnya (formulir terkirim dua kali)."


def attach_item_errors(form: ContributionForm, failure: ValidationFailed,
                       rows: list[int]) -> None:
    """Put ``items[i].field`` errors on the form row the i-th filled item came from."""
    rest = {}
    for key, messages in failure.errors.items():
        found = _ITEM_KEY.match(key)
        if found and int(found.group(1)) < len(rows):
            row = form.items.entries[rows[int(found.group(1))]].form
            name = found.group(2)
            target = {"quantity": row.quantity, "value_idr": row.value_idr}.get(name)
            if name == "unit" and row.other_unit.data:
                target = row.other_unit
            target = target or row.item
            target.errors = list(target.errors) + list(messages)
        elif key in ("items", "match", "status") or key.startswith("items"):
            form.form_errors.extend(messages)
        else:
            rest[key] = messages
    attach_errors(form, ValidationFailed(rest))


def _saved(contribution: Contribution):
    """Where the browser goes next. The delivery page's script sends the form by XHR (to
    show upload progress and keep the resized photos across an error): it gets the address
    to open instead of a redirect, which XHR would follow itself, eating the flash."""
    target = url_for("contributions.detail", contribution_id=contribution.id)
    if request.headers.get("X-Requested-With") == "XMLHttpRequest":
        return {"location": target}
    return redirect(target)


def _match_or_404(match_id: int) -> Match:
    match = db.session.scalar(select(Match).where(Match.id == match_id).options(
        joinedload(Match.sponsor), joinedload(Match.child)))
    if match is None:
        abort(404)
    if current_user.role != "sponsor" and not access.match_in_scope(current_user, match):
        abort(404)  # another kabupaten/kota's match does not exist for this user
    return match


@bp.route("/matches/<int:match_id>/contributions/new", methods=["GET", "POST"])
@requires(Permission.LOG_CONTRIBUTIONS)
def create(match_id: int):
    match = _match_or_404(match_id)
    if not access.can_log_for(current_user, match):
        abort(403)
    form = ContributionForm().prepare(fresh_token=request.method == "GET",
                                      city_code=catalogue_cities.match_city(match))
    if request.method == "GET":
        form.delivered_on.data = timeutil.today()
    if form.validate_on_submit():
        items, rows = form.item_rows()
        try:
            contribution, created = services.log_contribution(
                match, delivered_on=form.delivered_on.data, items=items,
                note=form.note.data, photo_files=form.photo_files(), require_photos=True,
                actor=current_user, submission_key=f"form:{form.submission_token.data}",
                ask_about_unusual_values=not form.confirm_unusual_values.data)
        except ValidationFailed as failure:
            form.asking = prices.is_question(failure)
            # The service's idempotency rule names the key; on this form it is the token.
            if services.SUBMISSION_KEY_FIELD in failure.errors:
                failure.errors["submission_token"] = failure.errors.pop(
                    services.SUBMISSION_KEY_FIELD)
            attach_item_errors(form, failure, rows)
        else:
            flash("Penyaluran dicatat dan menunggu konfirmasi petugas." if created
                  else ALREADY_SAVED, "success" if created else "info")
            return _saved(contribution)
    form.keep_submittable()
    # Loaded again: a rollback above expired the match and its eager-loaded people.
    return render_template("contributions/form.html", form=form,
                           match=_match_or_404(match_id), contribution=None)


def _form_data(contribution: Contribution) -> dict:
    rows = []
    for item in services.contribution_items(contribution):
        commodity = item.commodity
        as_entered = (catalogue.is_as_entered(commodity)
                      and item.unit != commodity.canonical_unit)
        rows.append({
            "item": f"{commodity.code}|{commodity.canonical_unit if as_entered else item.unit}",
            "quantity": str(item.quantity), "value_idr": str(item.value_idr),
            "other_unit": item.unit if as_entered else ""})
    return {"delivered_on": contribution.delivered_on, "note": contribution.note or "",
            "items": rows}


@bp.route("/contributions/<int:contribution_id>/edit", methods=["GET", "POST"])
@requires(Permission.LOG_CONTRIBUTIONS)
def edit(contribution_id: int):
    contribution = access.load(contribution_id, current_user)
    if contribution is None:
        abort(404)
    if not access.can_edit(current_user, contribution):
        abort(403)
    if request.method == "GET":
        form = ContributionForm(data=_form_data(contribution))
    else:
        form = ContributionForm()
    form.prepare(fresh_token=request.method == "GET",
                 city_code=catalogue_cities.match_city(contribution))
    if form.validate_on_submit():
        items, rows = form.item_rows()
        try:
            changed = services.update_contribution(
                contribution, delivered_on=form.delivered_on.data, items=items,
                note=form.note.data, photo_files=form.photo_files(), actor=current_user,
                ask_about_unusual_values=not form.confirm_unusual_values.data)
        except ValidationFailed as failure:
            form.asking = prices.is_question(failure)
            attach_item_errors(form, failure, rows)
        else:
            flash("Perubahan disimpan." if changed else "Tidak ada perubahan.", "success")
            return _saved(contribution)
    form.keep_submittable()
    contribution = access.load(contribution_id, current_user)  # a rollback above expired it
    return render_template("contributions/form.html", form=form, match=contribution.match,
                           contribution=contribution)


@bp.route("/me/contributions")
@requires(Permission.OWN_SPONSORSHIP)
def own():
    sponsor = sponsor_for_user(current_user)
    if sponsor is None:
        return render_template("contributions/own.html", sponsor=None)
    filters = access.Filters(sponsor_id=sponsor.id)
    page = access.list_contributions(current_user, filters,
                                     page=request.args.get("page", 1, type=int))
    matches = list(db.session.scalars(
        select(Match).where(Match.sponsor_id == sponsor.id, running())
        .options(joinedload(Match.child)).order_by(Match.start_on, Match.id)))
    month = timeutil.today()
    return render_template("contributions/own.html", sponsor=sponsor, page=page,
                           matches=matches, month=month,
                           progress=progress.progress_for_matches(matches, month))
