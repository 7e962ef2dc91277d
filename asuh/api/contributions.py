"""API: deliveries (contributions), their proof photos and verification.

Quantities are JSON strings with three decimals ("10.000"), so no client turns them
into binary floats; money is an integer number of Rupiah. ``POST /contributions``
honours an ``Idempotency-Key`` header through the delivery service's one idempotency
rule (``contributions.services.replayed``).
"""

from flask import abort, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from asuh.api.contribution_schemas import (
    FILTERS,
    IDEMPOTENCY_HEADER,
    ContributionSchema,
    DecisionSchema,
    DeliveryArgs,
    DeliveryChanges,
    KeyHeader,
    NewDelivery,
    PhotoSchema,
    PhotoUpload,
    VoidSchema,
)
from asuh.api.core import bp, existing, refusals
from asuh.api.paging import page_body, page_schema, service_filters
from asuh.contributions import access, photos, services, verification
from asuh.contributions.models import Contribution, ContributionPhoto
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.matching.models import Match
from asuh.permissions import Permission, requires

ERRORS_NOTE = ("Errors name the field; an item's fields as `items[0].unit`. A delivery "
               "that is no longer pending answers 409.")


def _loaded(contribution_id: int) -> Contribution:
    contribution = access.load(contribution_id, current_user)
    if contribution is None:
        abort(404)
    return contribution


def _visible(contribution_id: int) -> Contribution:
    contribution = _loaded(contribution_id)
    if not access.can_view(current_user, contribution):
        abort(403)
    return contribution


def _items_as_stored(contribution: Contribution) -> list[dict]:
    return [{"commodity": i.commodity.code, "quantity": i.quantity, "unit": i.unit,
             "value_idr": i.value_idr} for i in contribution.items]


@bp.route("/contributions", methods=["POST"])
@requires(Permission.LOG_CONTRIBUTIONS)
@bp.doc(summary="Log a delivery for a match (the sponsor's own active match; admins any "
                "match)",
        description="Send `Idempotency-Key` (1–80 visible ASCII characters) to make retries "
                    "safe: a repeat with the same key and body returns the same contribution "
                    "with 201 and `Idempotent-Replayed: true`; the same key with a different "
                    "body is refused with 422 naming `Idempotency-Key`. " + ERRORS_NOTE)
@bp.arguments(KeyHeader, location="headers")
@bp.arguments(NewDelivery)
@bp.response(201, ContributionSchema, description="Logged (pending verification), or the "
                                                  "earlier one for a repeated key")
@refusals(401, 403, 409)
def create_contribution(header, values):
    key = header.get("key")
    confirmed = values.pop("confirm_unusual_values")
    match = db.session.get(Match, values.pop("match_id"))
    if match is None:
        raise ValidationFailed({"match_id": ["Pengasuhan tidak ditemukan."]})
    try:
        contribution, created = services.log_contribution(
            match, actor=current_user,
            submission_key=f"api:{current_user.id}:{key}" if key else None,
            ask_about_unusual_values=not confirmed, **values)
    except ValidationFailed as failure:
        if services.SUBMISSION_KEY_FIELD in failure.errors:
            failure.errors[IDEMPOTENCY_HEADER] = failure.errors.pop(
                services.SUBMISSION_KEY_FIELD)
        raise
    headers = {"Location": url_for("api.get_contribution", contribution_id=contribution.id)}
    if not created:
        headers["Idempotent-Replayed"] = "true"
    return _loaded(contribution.id), headers


@bp.route("/contributions")
@requires(Permission.VIEW_CONTRIBUTIONS, Permission.OWN_SPONSORSHIP)
@bp.doc(summary="Deliveries, newest first (sponsors: their own; field users: their "
                "kelurahan)")
@bp.arguments(DeliveryArgs, location="query")
@bp.response(200, page_schema(ContributionSchema), description="A page of contributions")
@refusals(401, 403)
def list_contributions(args):
    filters = access.parse_filters(service_filters(args, FILTERS), strict=True)
    stmt = access.search(current_user, filters).options(selectinload(Contribution.photos))
    page = db.paginate(stmt, page=args["page"], per_page=args["per_page"], error_out=False)
    return page_body(page.items, args, page.total)


@bp.route("/contributions/<int:contribution_id>")
@requires(Permission.VIEW_CONTRIBUTIONS, Permission.OWN_SPONSORSHIP)
@bp.doc(summary="One contribution")
@bp.response(200, ContributionSchema, description="The contribution")
@refusals(401, 403, 404)
def get_contribution(contribution_id: int):
    return _visible(contribution_id)


@bp.route("/contributions/<int:contribution_id>", methods=["PATCH"])
@requires(Permission.LOG_CONTRIBUTIONS)
@bp.doc(summary="Correct a pending delivery (its sponsor, or an admin)",
        description="Fields left out keep their values; `items` replaces the list. "
                    + ERRORS_NOTE)
@existing(Contribution, "contribution_id", may=access.can_edit, found=access.in_scope)
@bp.arguments(DeliveryChanges)
@bp.response(200, ContributionSchema, description="The contribution")
@refusals(401, 403, 404, 409)
def update_contribution(changes, contribution_id: int):
    contribution = _loaded(contribution_id)
    confirmed = changes.pop("confirm_unusual_values")
    fields = {"delivered_on": contribution.delivered_on,
              "items": _items_as_stored(contribution), "note": contribution.note, **changes}
    services.update_contribution(contribution, actor=current_user,
                                 ask_about_unusual_values=not confirmed, **fields)
    return _loaded(contribution_id)


@bp.route("/contributions/<int:contribution_id>/photos", methods=["POST"])
@requires(Permission.LOG_CONTRIBUTIONS)
@bp.doc(summary="Add a proof photo to a pending delivery",
        description="JPEG, PNG or WebP, judged by decoding (not by name); at most "
                    f"{photos.MAX_PHOTO_BYTES // 1_048_576} MB and "
                    f"{photos.MAX_PHOTO_PIXELS // 1_000_000} megapixels; re-encoded without "
                    "EXIF. A request over the server's upload limit gets 413.")
@existing(Contribution, "contribution_id", may=access.can_edit, found=access.in_scope)
@bp.arguments(PhotoUpload, location="files")
@bp.response(201, PhotoSchema, description="Stored")
@refusals(401, 403, 404, 409, 413)
def add_contribution_photo(upload, contribution_id: int):
    contribution = _loaded(contribution_id)
    added = photos.add_photos(contribution, [upload["photo"].read()], actor=current_user,
                              field="photo")
    return db.session.get(ContributionPhoto, added[0].id)


@bp.route("/contributions/<int:contribution_id>/photos/<int:photo_id>")
@requires(Permission.VIEW_CONTRIBUTIONS, Permission.OWN_SPONSORSHIP)
@bp.doc(summary="A proof photo (never cached)")
@bp.response(200, description="The image", content_type="image/jpeg")
@bp.alt_response(200, description="The image", content_type="image/png", success=True)
@bp.alt_response(200, description="The image", content_type="image/webp", success=True)
@refusals(401, 403, 404)
def get_contribution_photo(contribution_id: int, photo_id: int):
    from asuh.contributions.views import photo_response

    contribution = _visible(contribution_id)
    stored = db.get_or_404(ContributionPhoto, photo_id)
    if stored.contribution_id != contribution.id:
        abort(404)
    return photo_response(stored)


@bp.route("/contributions/<int:contribution_id>/verification", methods=["POST"])
@requires(Permission.VERIFY_CONTRIBUTIONS)
@bp.doc(summary="Confirm the family received a pending delivery, or reject it (officers; "
                "field users in the child's kelurahan)")
@existing(Contribution, "contribution_id", may=access.can_verify,
          found=access.in_scope)
@bp.arguments(DecisionSchema)
@bp.response(200, ContributionSchema, description="The contribution")
@refusals(401, 403, 404, 409)
def verify_contribution(decision, contribution_id: int):
    contribution = _loaded(contribution_id)
    verification.verify_contribution(contribution, decision["decision"], decision["reason"],
                                     actor=current_user)
    return _loaded(contribution_id)


@bp.route("/contributions/<int:contribution_id>/void", methods=["POST"])
@requires(Permission.VOID_CONTRIBUTIONS)
@bp.doc(summary="Void a pending or confirmed delivery (officers); it leaves the totals")
@existing(Contribution, "contribution_id", found=access.in_scope)
@bp.arguments(VoidSchema)
@bp.response(200, ContributionSchema, description="The contribution")
@refusals(401, 403, 404, 409)
def void_contribution(values, contribution_id: int):
    contribution = _loaded(contribution_id)
    verification.void_contribution(contribution, values["reason"], actor=current_user)
    return _loaded(contribution_id)
