"""API: sponsors — register (approved at once), list, read, approve."""

from flask import abort, jsonify, request, url_for
from flask_login import current_user

from asuh.api import bp
from asuh.api.helpers import iso, json_body, require_fields
from asuh.api.openapi import register_paths
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.identifiers import mask_identifier
from asuh.permissions import Permission, requires
from asuh.sponsors import services
from asuh.sponsors.models import SPONSOR_KINDS, Sponsor

MAX_PER_PAGE = 100
TEXT_FIELDS = ("kind", "name", "nip", "nik", "agency", "rank", "phone", "email", "address",
               "kelurahan_code")


def _moment(value) -> str | None:
    # Stored as naive UTC; the "Z" tells clients so.
    return None if value is None else iso(value) + "Z"


def sponsor_json(sponsor: Sponsor, viewer) -> dict:
    show = services.sees_identifiers(viewer)
    return {
        "id": sponsor.id,
        "kind": sponsor.kind,
        "name": sponsor.name,
        "nip": sponsor.nip if show or not sponsor.nip else mask_identifier(sponsor.nip),
        "nik": sponsor.nik if show or not sponsor.nik else mask_identifier(sponsor.nik),
        "is_pppk": sponsor.is_pppk,
        "agency": sponsor.agency,
        "rank": sponsor.rank,
        "phone": sponsor.phone,
        "email": sponsor.email,
        "address": sponsor.address,
        "kelurahan_code": sponsor.kelurahan_code,
        "kecamatan_code": sponsor.kelurahan.parent_code,
        "capacity": sponsor.capacity,
        "approved": sponsor.approved_at is not None,
        "approved_at": _moment(sponsor.approved_at),
        "registered_via": sponsor.registered_via,
        "withdrawn_at": _moment(sponsor.withdrawn_at),
    }


def _sponsor_fields(payload: dict) -> dict:
    errors = {}
    fields = {}
    for name in TEXT_FIELDS:
        value = payload.get(name)
        if value is not None and not isinstance(value, str | int):
            errors[name] = ["Harus berupa teks."]
        fields[name] = None if value is None else str(value)
    is_pppk = payload.get("is_pppk", False)
    if not isinstance(is_pppk, bool):
        errors["is_pppk"] = ["Harus true atau false."]
    capacity = payload.get("capacity", 1)
    if isinstance(capacity, bool) or not isinstance(capacity, int | str):
        errors["capacity"] = ["Harus berupa bilangan bulat."]
    if errors:
        raise ValidationFailed(errors)
    return {**fields, "is_pppk": is_pppk, "capacity": capacity}


@bp.route("/sponsors", methods=["POST"])
@requires(Permission.EDIT_SPONSORS)
def create_sponsor():
    payload = json_body()
    require_fields(payload, "kind", "name", "phone", "email", "kelurahan_code")
    fields = _sponsor_fields(payload)
    email = fields.pop("email")
    try:
        sponsor = services.register_by_officer(actor=current_user, via=services.API,
                                               email=email, **fields)
    except ValidationFailed:
        db.session.rollback()
        raise
    db.session.commit()
    response = jsonify(sponsor_json(sponsor, current_user))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_sponsor", sponsor_id=sponsor.id)
    return response


def _int_arg(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ValidationFailed({name: ["Harus bilangan bulat."]}) from exc
    if value < 1:
        raise ValidationFailed({name: ["Minimal 1."]})
    return value


@bp.route("/sponsors")
@requires(Permission.VIEW_SPONSORS)
def list_sponsors():
    kind = request.args.get("kind") or None
    if kind is not None and kind not in SPONSOR_KINDS:
        raise ValidationFailed({"kind": ["Harus 'asn' atau 'citizen'."]})
    approved_arg = (request.args.get("approved") or "").lower()
    if approved_arg not in ("", "true", "false"):
        raise ValidationFailed({"approved": ["Harus 'true' atau 'false'."]})
    approved = None if not approved_arg else approved_arg == "true"
    page_number = _int_arg("page", 1)
    per_page = min(_int_arg("per_page", 25), MAX_PER_PAGE)
    page = services.list_sponsors(
        page=page_number, per_page=per_page, q=request.args.get("q"), kind=kind,
        kecamatan_code=request.args.get("kecamatan_code") or None, approved=approved,
    )
    return jsonify(items=[sponsor_json(s, current_user) for s in page.items],
                   page=page_number, per_page=per_page, total=page.total)


@bp.route("/sponsors/<int:sponsor_id>")
@requires(Permission.SIGNED_IN)
def get_sponsor(sponsor_id: int):
    # One decorator holds one permission: staff hold VIEW_SPONSORS, a sponsor only their
    # own record (OWN_SPONSORSHIP), so the view asks the service about this record.
    sponsor = db.get_or_404(Sponsor, sponsor_id)
    if not services.can_view_sponsor(current_user, sponsor):
        abort(403)
    return jsonify(sponsor_json(sponsor, current_user))


@bp.route("/sponsors/<int:sponsor_id>/approval", methods=["POST"])
@requires(Permission.APPROVE_SPONSORS)
def approve_sponsor(sponsor_id: int):
    sponsor = db.get_or_404(Sponsor, sponsor_id)
    try:
        services.approve_sponsor(sponsor, actor=current_user)
    except ValidationFailed:
        db.session.rollback()
        raise
    db.session.commit()
    return jsonify(sponsor_json(sponsor, current_user))


# --- OpenAPI ---------------------------------------------------------------------------

_NULLABLE_STRING = {"type": "string", "nullable": True}
_NULLABLE_MOMENT = {"type": "string", "format": "date-time", "nullable": True}
SPONSOR_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string", "enum": list(SPONSOR_KINDS)},
        "name": {"type": "string"},
        "nip": {**_NULLABLE_STRING, "description": "Masked (1985••••••••••0002) except for "
                                                   "officers and admins"},
        "nik": {**_NULLABLE_STRING, "description": "Masked except for officers and admins"},
        "is_pppk": {"type": "boolean"},
        "agency": _NULLABLE_STRING,
        "rank": _NULLABLE_STRING,
        "phone": {"type": "string", "description": "Indonesian mobile, national form 08…"},
        "email": {"type": "string", "format": "email"},
        "address": {"type": "string"},
        "kelurahan_code": {"type": "string", "example": "19.71.01.1004"},
        "kecamatan_code": {"type": "string", "example": "19.71.01"},
        "capacity": {"type": "integer", "minimum": 1},
        "approved": {"type": "boolean"},
        "approved_at": _NULLABLE_MOMENT,
        "registered_via": {"type": "string", "enum": ["self", "officer", "api"]},
        "withdrawn_at": _NULLABLE_MOMENT,
    },
}
_SPONSOR = {"application/json": {"schema": SPONSOR_SCHEMA}}
_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
_INVALID = {"application/json": {"schema": {"$ref": "#/components/schemas/ValidationErrors"}}}
_DENIED = {
    "401": {"description": "No token, or the token is invalid or expired", "content": _ERROR},
    "403": {"description": "The caller's role may not do this", "content": _ERROR},
}
_ID_PARAM = {"name": "sponsor_id", "in": "path", "required": True, "schema": {"type": "integer"}}

register_paths({
    "/api/v1/sponsors": {
        "post": {
            "summary": "Register a sponsor (approved at once; the login waits for an "
                       "invitation link issued from the sponsor's page)",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object",
                "required": ["kind", "name", "phone", "email", "kelurahan_code"],
                "properties": {
                    "kind": {"type": "string", "enum": list(SPONSOR_KINDS)},
                    "name": {"type": "string"},
                    "nip": {"type": "string", "description": "18 digits; required for asn"},
                    "nik": {"type": "string", "description": "16 digits; required for citizen"},
                    "is_pppk": {"type": "boolean", "default": False},
                    "agency": {"type": "string", "description": "Required for asn"},
                    "rank": {"type": "string"},
                    "phone": {"type": "string", "example": "0812-3456-7890"},
                    "email": {"type": "string", "format": "email"},
                    "address": {"type": "string"},
                    "kelurahan_code": {"type": "string"},
                    "capacity": {"type": "integer", "default": 1, "minimum": 1},
                },
            }}}},
            "responses": {
                "201": {"description": "Registered and approved", "content": _SPONSOR},
                **_DENIED,
                "409": {"description": "NIP, NIK or email already registered",
                        "content": _INVALID},
                "422": {"description": "Invalid field (the message says what is wrong)",
                        "content": _INVALID},
            },
        },
        "get": {
            "summary": "Sponsors, searched and filtered, one page at a time",
            "parameters": [
                {"name": "q", "in": "query", "schema": {"type": "string"},
                 "description": "Part of the name, agency, NIP or NIK"},
                {"name": "kind", "in": "query",
                 "schema": {"type": "string", "enum": list(SPONSOR_KINDS)}},
                {"name": "kecamatan_code", "in": "query", "schema": {"type": "string"}},
                {"name": "approved", "in": "query",
                 "schema": {"type": "string", "enum": ["true", "false"]}},
                {"name": "page", "in": "query", "schema": {"type": "integer", "default": 1}},
                {"name": "per_page", "in": "query",
                 "schema": {"type": "integer", "default": 25, "maximum": MAX_PER_PAGE},
                 "description": f"Larger values are cut to {MAX_PER_PAGE}"},
            ],
            "responses": {
                "200": {"description": "A page of sponsors", "content": {"application/json": {
                    "schema": {"type": "object", "properties": {
                        "items": {"type": "array", "items": SPONSOR_SCHEMA},
                        "page": {"type": "integer"},
                        "per_page": {"type": "integer"},
                        "total": {"type": "integer"},
                    }}}}},
                **_DENIED,
                "422": {"description": "Invalid filter", "content": _INVALID},
            },
        },
    },
    "/api/v1/sponsors/{sponsor_id}": {
        "get": {
            "summary": "One sponsor (staff: any; a sponsor: their own record only)",
            "parameters": [_ID_PARAM],
            "responses": {
                "200": {"description": "The sponsor", "content": _SPONSOR},
                **_DENIED,
                "404": {"description": "No such sponsor", "content": _ERROR},
            },
        },
    },
    "/api/v1/sponsors/{sponsor_id}/approval": {
        "post": {
            "summary": "Approve a sponsor (idempotent: an approved sponsor stays approved)",
            "parameters": [_ID_PARAM],
            "responses": {
                "200": {"description": "The approved sponsor", "content": _SPONSOR},
                **_DENIED,
                "404": {"description": "No such sponsor", "content": _ERROR},
                "409": {"description": "The sponsor has withdrawn", "content": _INVALID},
            },
        },
    },
})
