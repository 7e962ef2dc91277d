"""API: deliveries (contributions), their proof photos, verification, and the catalogue.

Quantities are JSON strings with three decimals ("10.000"), so no client turns them
into binary floats; money is an integer number of Rupiah. ``POST /contributions``
honours an ``Idempotency-Key`` header: a repeat returns the same delivery (201, same
body, ``Idempotent-Replayed: true``); the key with a different body is refused (422).
"""

import re
from decimal import Decimal

from flask import abort, jsonify, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from asuh.api import bp
from asuh.api.contribution_schemas import (
    BODY_PROPERTIES,
    CONTRIBUTION,
    DENIED,
    ERROR,
    INVALID,
    PHOTO,
    doc_json,
    json_body_doc,
    path_param,
    query_param,
)
from asuh.api.helpers import iso, json_body, parse_date, require_fields
from asuh.api.openapi import register_paths
from asuh.contributions import access, photos, services, verification
from asuh.contributions.models import Contribution, ContributionPhoto
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.matching.models import Match
from asuh.permissions import Permission, requires

MAX_PER_PAGE = 100
IDEMPOTENCY_HEADER = "Idempotency-Key"
_KEY = re.compile(r"^[\x21-\x7e]{1,80}$")
KEY_REUSED = ("Idempotency-Key ini sudah dipakai untuk penyaluran dengan isi berbeda; "
              "gunakan kunci baru untuk permintaan baru.")


def _moment(value) -> str | None:
    return None if value is None else iso(value) + "Z"


def decimal_text(value) -> str:
    return f"{Decimal(value).quantize(Decimal('0.001'))}"


def photo_json(photo: ContributionPhoto) -> dict:
    return {"id": photo.id, "content_type": photo.content_type, "width": photo.width,
            "height": photo.height,
            "url": url_for("api.get_contribution_photo", contribution_id=photo.contribution_id,
                           photo_id=photo.id)}


def contribution_json(c: Contribution) -> dict:
    return {
        "id": c.id, "match_id": c.match_id, "sponsor_id": c.sponsor_id,
        "child_id": c.child_id, "kelurahan_code": c.kelurahan_code,
        "delivered_on": iso(c.delivered_on), "status": c.status, "note": c.note,
        "total_value_idr": c.total_value_idr,
        "items": [{"commodity": i.commodity.code, "commodity_name": i.commodity.name,
                   "is_cash": i.commodity.is_cash, "quantity": decimal_text(i.quantity),
                   "unit": i.unit, "canonical_quantity": decimal_text(i.canonical_quantity),
                   "canonical_unit": i.commodity.canonical_unit, "value_idr": i.value_idr}
                  for i in c.items],
        "photos": [photo_json(p) for p in c.photos],
        "created_at": _moment(c.created_at), "verified_at": _moment(c.verified_at),
        "rejection_reason": c.rejection_reason, "voided_at": _moment(c.voided_at),
        "void_reason": c.void_reason,
    }


def _loaded(contribution_id: int) -> Contribution:
    contribution = access.load(contribution_id)
    if contribution is None:
        abort(404)
    return contribution


def _visible(contribution_id: int) -> Contribution:
    contribution = _loaded(contribution_id)
    if not access.can_view(current_user, contribution):
        abort(403)
    return contribution


def _answer(contribution_id: int, status: int = 200):
    return jsonify(contribution_json(_loaded(contribution_id))), status


def _int_arg(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ValidationFailed({name: ["Harus bilangan bulat 1 atau lebih."]})
    return int(raw)


def _delivery_fields(payload: dict, *, partial: Contribution | None = None) -> dict:
    """``delivered_on``, ``items`` and ``note`` from a body (PATCH: missing ones kept)."""
    if partial is not None:
        current = [{"commodity": i.commodity.code, "quantity": i.quantity, "unit": i.unit,
                    "value_idr": i.value_idr} for i in partial.items]
        fields = {"delivered_on": partial.delivered_on, "items": current,
                  "note": partial.note}
        if "delivered_on" in payload:
            fields["delivered_on"] = parse_date(payload, "delivered_on")
    else:
        fields = {"delivered_on": parse_date(payload, "delivered_on")}
    for name in ("items", "note"):
        if partial is None or name in payload:
            fields[name] = payload.get(name)
    if not isinstance(fields["items"], list):
        raise ValidationFailed({"items": ["Harus berupa daftar barang."]})
    if fields["note"] is not None and not isinstance(fields["note"], str):
        raise ValidationFailed({"note": ["Harus berupa teks."]})
    return fields


@bp.route("/contributions", methods=["POST"])
@requires(Permission.LOG_CONTRIBUTIONS)
def create_contribution():
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is not None and not _KEY.match(key):
        raise ValidationFailed({IDEMPOTENCY_HEADER: [
            "Harus 1–80 karakter ASCII yang terlihat, tanpa spasi."]})
    payload = json_body()
    require_fields(payload, "match_id", "delivered_on", "items")
    match_id = payload["match_id"]
    if isinstance(match_id, bool) or not isinstance(match_id, int):
        raise ValidationFailed({"match_id": ["Harus bilangan bulat."]})
    fields = _delivery_fields(payload)
    submission_key = f"api:{current_user.id}:{key}" if key else None
    contribution = services.find_submission(submission_key)
    created = False
    if contribution is None:
        match = db.session.get(Match, match_id)
        if match is None:
            raise ValidationFailed({"match_id": ["Pengasuhan tidak ditemukan."]})
        if not access.can_log_for(current_user, match):
            abort(403)
        try:
            contribution, created = services.log_contribution(
                match, actor=current_user, submission_key=submission_key, **fields)
        except ValidationFailed:
            db.session.rollback()
            raise
    if not created and not services.same_submission(contribution, match_id=match_id,
                                                    **fields):
        db.session.rollback()
        raise ValidationFailed({IDEMPOTENCY_HEADER: [KEY_REUSED]})
    contribution_id = contribution.id
    db.session.commit()
    response, status = _answer(contribution_id, 201)
    response.headers["Location"] = url_for("api.get_contribution",
                                           contribution_id=contribution_id)
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    return response, status


@bp.route("/contributions")
@requires(Permission.SIGNED_IN)
def list_contributions():
    # Staff hold VIEW_CONTRIBUTIONS (field users narrowed to their kelurahan); a
    # sponsor reaches their own deliveries only: access.scoped decides.
    filters = access.parse_filters(request.args, strict=True)
    page_number, per_page = _int_arg("page", 1), _int_arg("per_page", 25)
    if per_page > MAX_PER_PAGE:
        raise ValidationFailed({"per_page": [f"Harus antara 1 dan {MAX_PER_PAGE}."]})
    stmt = access.search(current_user, filters).options(selectinload(Contribution.photos))
    page = db.paginate(stmt, page=page_number, per_page=per_page, error_out=False)
    return jsonify(items=[contribution_json(c) for c in page.items], page=page_number,
                   per_page=per_page, total=page.total)


@bp.route("/contributions/<int:contribution_id>")
@requires(Permission.SIGNED_IN)
def get_contribution(contribution_id: int):
    return jsonify(contribution_json(_visible(contribution_id)))


@bp.route("/contributions/<int:contribution_id>", methods=["PATCH"])
@requires(Permission.LOG_CONTRIBUTIONS)
def update_contribution(contribution_id: int):
    contribution = _loaded(contribution_id)
    if not access.can_edit(current_user, contribution):
        abort(403)
    fields = _delivery_fields(json_body(), partial=contribution)
    try:
        services.update_contribution(contribution, actor=current_user, **fields)
    except ValidationFailed:
        db.session.rollback()
        raise
    db.session.commit()
    return _answer(contribution_id)


@bp.route("/contributions/<int:contribution_id>/photos", methods=["POST"])
@requires(Permission.LOG_CONTRIBUTIONS)
def add_contribution_photo(contribution_id: int):
    contribution = _loaded(contribution_id)
    if not access.can_edit(current_user, contribution):
        abort(403)
    upload = request.files.get("photo")
    if upload is None:
        raise ValidationFailed({"photo": ["Kirim foto sebagai multipart/form-data, "
                                          "bidang 'photo'."]})
    try:
        added = photos.add_photos(contribution, [upload.read()], actor=current_user,
                                  field="photo")
    except ValidationFailed:
        db.session.rollback()
        raise
    db.session.commit()
    return jsonify(photo_json(added[0])), 201


@bp.route("/contributions/<int:contribution_id>/photos/<int:photo_id>")
@requires(Permission.SIGNED_IN)
def get_contribution_photo(contribution_id: int, photo_id: int):
    from asuh.contributions.views import photo_response

    contribution = _visible(contribution_id)
    stored = db.get_or_404(ContributionPhoto, photo_id)
    if stored.contribution_id != contribution.id:
        abort(404)
    return photo_response(stored)


@bp.route("/contributions/<int:contribution_id>/verification", methods=["POST"])
@requires(Permission.VERIFY_CONTRIBUTIONS)
def verify_contribution(contribution_id: int):
    contribution = _loaded(contribution_id)
    if not access.can_verify(current_user, contribution):
        abort(403)
    payload = json_body()
    require_fields(payload, "decision")
    try:
        verification.verify_contribution(contribution, payload.get("decision"),
                                         payload.get("reason"), actor=current_user)
    except ValidationFailed:
        db.session.rollback()
        raise
    db.session.commit()
    return _answer(contribution_id)


@bp.route("/contributions/<int:contribution_id>/void", methods=["POST"])
@requires(Permission.VOID_CONTRIBUTIONS)
def void_contribution(contribution_id: int):
    contribution = _loaded(contribution_id)
    payload = json_body()
    try:
        verification.void_contribution(contribution, payload.get("reason"),
                                       actor=current_user)
    except ValidationFailed:
        db.session.rollback()
        raise
    db.session.commit()
    return _answer(contribution_id)


# --- OpenAPI ---------------------------------------------------------------------------

_FOUND = {"404": doc_json(ERROR, "No such contribution")}
_ONE = doc_json(CONTRIBUTION, "The contribution")
ERRORS_NOTE = ("Errors name the field; an item's fields as `items[0].unit`. A delivery "
                "that is no longer pending answers 409.")
_ID = path_param("contribution_id")

register_paths({
    "/api/v1/contributions": {
        "post": {
            "summary": "Log a delivery for a match (the sponsor's own active match; admins "
                       "any match)",
            "description": "Send `Idempotency-Key` (1–80 visible ASCII characters) to make "
                           "retries safe: a repeat with the same key and body returns the "
                           "same contribution with 201 and `Idempotent-Replayed: true`; the "
                           "same key with a different body is refused with 422 naming "
                           "`Idempotency-Key`. " + ERRORS_NOTE,
            "parameters": [{"name": IDEMPOTENCY_HEADER, "in": "header", "required": False,
                            "schema": {"type": "string", "maxLength": 80}}],
            "requestBody": json_body_doc({"type": "object",
                                  "required": ["match_id", "delivered_on", "items"],
                                  "properties": {"match_id": {"type": "integer"},
                                                 **BODY_PROPERTIES}}),
            "responses": {"201": doc_json(CONTRIBUTION, "Logged (pending verification), or "
                                                      "the earlier one for a repeated key"),
                          **DENIED,
                          "409": doc_json(INVALID, "The match has ended"),
                          "422": doc_json(INVALID, "Invalid field, unknown unit or commodity, "
                                                 "date outside the match, or a reused key")},
        },
        "get": {
            "summary": "Deliveries, newest first (sponsors: their own; field users: their "
                       "kelurahan)",
            "parameters": [
                query_param("match_id", {"type": "integer"}),
                query_param("sponsor_id", {"type": "integer"}),
                query_param("child_id", {"type": "integer"}),
                query_param("status", {"type": "string",
                                  "enum": ["pending", "confirmed", "rejected", "voided"]}),
                query_param("month", {"type": "string", "example": "2026-11"}, "Delivered in"),
                query_param("delivered_from", {"type": "string", "format": "date"}),
                query_param("delivered_to", {"type": "string", "format": "date"}),
                query_param("kelurahan_code", {"type": "string"}),
                query_param("kecamatan_code", {"type": "string"}),
                query_param("page", {"type": "integer", "default": 1}),
                query_param("per_page", {"type": "integer", "default": 25,
                                    "maximum": MAX_PER_PAGE})],
            "responses": {"200": doc_json({"type": "object", "properties": {
                "items": {"type": "array", "items": CONTRIBUTION},
                "page": {"type": "integer"}, "per_page": {"type": "integer"},
                "total": {"type": "integer"}}}, "A page of contributions"),
                **DENIED, "422": doc_json(INVALID, "Invalid filter")},
        },
    },
    "/api/v1/contributions/{contribution_id}": {
        "get": {"summary": "One contribution", "parameters": [_ID],
                "responses": {"200": _ONE, **DENIED, **_FOUND}},
        "patch": {
            "summary": "Correct a pending delivery (its sponsor, or an admin)",
            "description": "Fields left out keep their values; `items` replaces the list. "
                           + ERRORS_NOTE,
            "parameters": [_ID],
            "requestBody": json_body_doc({"type": "object", "properties": BODY_PROPERTIES}),
            "responses": {"200": _ONE, **DENIED, **_FOUND,
                          "409": doc_json(INVALID, "Already confirmed, rejected or voided"),
                          "422": doc_json(INVALID, "Invalid field")},
        },
    },
    "/api/v1/contributions/{contribution_id}/photos": {
        "post": {
            "summary": "Add a proof photo to a pending delivery",
            "description": "JPEG, PNG or WebP, judged by decoding (not by name); at most "
                           f"{photos.MAX_PHOTO_BYTES // 1_048_576} MB and "
                           f"{photos.MAX_PHOTO_PIXELS // 1_000_000} megapixels; re-encoded "
                           "without EXIF. A request over the server's upload limit gets 413.",
            "parameters": [_ID],
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["photo"],
                "properties": {"photo": {"type": "string", "format": "binary"}}}}}},
            "responses": {"201": doc_json(PHOTO, "Stored"), **DENIED, **_FOUND,
                          "409": doc_json(INVALID, "No longer pending"),
                          "413": doc_json(ERROR, "Request too large"),
                          "422": doc_json(INVALID, "Not an image, too large, or too many "
                                                 "photos (under `photo`)")},
        },
    },
    "/api/v1/contributions/{contribution_id}/photos/{photo_id}": {
        "get": {
            "summary": "A proof photo (never cached)", "parameters": [_ID, path_param("photo_id")],
            "responses": {"200": {"description": "The image", "content": {
                "image/jpeg": {}, "image/png": {}, "image/webp": {}}}, **DENIED,
                "404": doc_json(ERROR, "No such photo for this contribution")},
        },
    },
    "/api/v1/contributions/{contribution_id}/verification": {
        "post": {
            "summary": "Confirm the family received a pending delivery, or reject it "
                       "(officers; field users in the child's kelurahan)",
            "parameters": [_ID],
            "requestBody": json_body_doc({
                "type": "object", "required": ["decision"], "properties": {
                    "decision": {"type": "string", "enum": ["confirmed", "rejected"]},
                    "reason": {"type": "string", "description": "Required when rejecting"}}}),
            "responses": {"200": _ONE, **DENIED, **_FOUND,
                          "409": doc_json(INVALID, "Not pending any more"),
                          "422": doc_json(INVALID, "Unknown decision or missing reason")},
        },
    },
    "/api/v1/contributions/{contribution_id}/void": {
        "post": {
            "summary": "Void a pending or confirmed delivery (officers); it leaves the totals",
            "parameters": [_ID],
            "requestBody": json_body_doc({"type": "object", "required": ["reason"],
                                  "properties": {"reason": {"type": "string"}}}),
            "responses": {"200": _ONE, **DENIED, **_FOUND,
                          "409": doc_json(INVALID, "Already rejected or voided"),
                          "422": doc_json(INVALID, "Missing reason")},
        },
    },
})
