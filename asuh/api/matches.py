"""API: matches between sponsors and children, and the children waiting for one.

    POST /api/v1/matches                   pair a sponsor with a child (MANAGE_MATCHES)
    GET  /api/v1/matches                   staff: all; a sponsor: their own only
    POST /api/v1/matches/{match_id}/end    end an active match (MANAGE_MATCHES)
    GET  /api/v1/children/unmatched        active children without a sponsor, by priority
"""

from flask import jsonify, request
from flask_login import current_user

from asuh.api import bp
from asuh.api.children import _CHILD_PROPERTIES, child_json
from asuh.api.helpers import iso, json_body, parse_date, require_fields
from asuh.api.openapi import STANDARD_ERRORS, VALIDATION, register_paths
from asuh.children.models import Child
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.matching import queries, services
from asuh.matching.models import END_REASONS, Match
from asuh.permissions import Permission, requires
from asuh.sponsors.models import Sponsor

MAX_PER_PAGE = 100


def match_json(match: Match) -> dict:
    return {
        "id": match.id, "sponsor_id": match.sponsor_id, "child_id": match.child_id,
        "start_date": iso(match.start_on), "end_date": iso(match.planned_end_on),
        "ended_on": iso(match.ended_on), "end_reason": match.end_reason,
        "end_note": match.end_note, "active": match.ended_on is None,
        # Stored as naive UTC; the "Z" tells clients so (as the sponsors API does).
        "created_at": iso(match.created_at) + "Z",
    }


def _int_arg(name: str, default: int | None = None, *, minimum: int = 1) -> int | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ValidationFailed({name: ["Harus bilangan bulat."]}) from exc
    if value < minimum:
        raise ValidationFailed({name: [f"Minimal {minimum}."]})
    return value


def _paging() -> tuple[int, int]:
    page = _int_arg("page", 1)
    per_page = _int_arg("per_page", 25)
    if per_page > MAX_PER_PAGE:
        raise ValidationFailed({"per_page": [f"Harus antara 1 dan {MAX_PER_PAGE}."]})
    return page, per_page


def _id_field(payload: dict, name: str) -> int:
    value = payload.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed({name: ["Harus bilangan bulat."]})
    return value


def _text(payload: dict, name: str) -> str | None:
    value = payload.get(name)
    if value is not None and not isinstance(value, str):
        raise ValidationFailed({name: ["Harus berupa teks."]})
    return value


@bp.route("/matches", methods=["POST"])
@requires(Permission.MANAGE_MATCHES)
def create_match():
    payload = json_body()
    require_fields(payload, "sponsor_id", "child_id", "start_date")
    sponsor_id, child_id = _id_field(payload, "sponsor_id"), _id_field(payload, "child_id")
    start_on = parse_date(payload, "start_date")
    end_on = parse_date(payload, "end_date", required=False)
    note = _text(payload, "note")
    sponsor = db.get_or_404(Sponsor, sponsor_id)
    child = db.get_or_404(Child, child_id)
    try:
        match = services.create_match(sponsor, child, start_on=start_on, end_on=end_on,
                                      note=note, actor=current_user)
    except ValidationFailed:
        db.session.rollback()
        raise
    db.session.commit()
    return jsonify(match_json(match)), 201


def _active_arg() -> bool | None:
    value = (request.args.get("active") or "").lower()
    if value not in ("", "true", "false"):
        raise ValidationFailed({"active": ["Harus 'true' atau 'false'."]})
    return None if not value else value == "true"


@bp.route("/matches")
@requires(Permission.SIGNED_IN)
def list_matches():
    # One decorator holds one permission: staff hold VIEW_MATCHES, a sponsor only
    # OWN_SPONSORSHIP. The query narrows a sponsor to their own matches and everyone
    # else (field staff) to none.
    page, per_page = _paging()
    result = queries.list_matches(
        current_user, page=page, per_page=per_page, sponsor_id=_int_arg("sponsor_id"),
        child_id=_int_arg("child_id"), active=_active_arg())
    return jsonify(items=[match_json(m) for m in result.items], page=page,
                   per_page=per_page, total=result.total)


@bp.route("/matches/<int:match_id>/end", methods=["POST"])
@requires(Permission.MANAGE_MATCHES)
def end_match(match_id: int):
    match = db.get_or_404(Match, match_id)
    payload = json_body()
    require_fields(payload, "reason", "ended_on")
    reason = _text(payload, "reason")
    ended_on = parse_date(payload, "ended_on")
    note = _text(payload, "note")
    try:
        services.end_match(match, reason=reason, ended_on=ended_on, note=note,
                           actor=current_user)
    except ValidationFailed:
        db.session.rollback()
        raise
    db.session.commit()
    return jsonify(match_json(match))


@bp.route("/children/unmatched")
@requires(Permission.VIEW_MATCHES)
def list_unmatched_children():
    page, per_page = _paging()
    result = queries.list_unmatched_children(
        current_user, page=page, per_page=per_page,
        kecamatan_code=request.args.get("kecamatan_code") or None,
        kelurahan_code=request.args.get("kelurahan_code") or None)
    return jsonify(items=[{**child_json(c), "registered_at": iso(c.created_at) + "Z"}
                          for c in result.items],
                   page=page, per_page=per_page, total=result.total)


# --- OpenAPI -------------------------------------------------------------------------

_MATCH = {"type": "object", "properties": {
    "id": {"type": "integer"},
    "sponsor_id": {"type": "integer"},
    "child_id": {"type": "integer"},
    "start_date": {"type": "string", "format": "date"},
    "end_date": {"type": "string", "format": "date",
                 "description": "Planned end: start + the programme's commitment months "
                                "unless given"},
    "ended_on": {"type": "string", "format": "date", "nullable": True},
    "end_reason": {"type": "string", "nullable": True, "enum": list(END_REASONS)},
    "end_note": {"type": "string", "nullable": True},
    "active": {"type": "boolean"},
    "created_at": {"type": "string", "format": "date-time"},
}}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _query(name: str, schema: dict, description: str = "") -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


def _page_of(schema: dict, description: str) -> dict:
    return _json({"type": "object", "properties": {
        "items": {"type": "array", "items": schema}, "page": {"type": "integer"},
        "per_page": {"type": "integer"}, "total": {"type": "integer"}}}, description)


_PAGING = [_query("page", {"type": "integer", "minimum": 1, "default": 1}),
           _query("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE,
                               "default": 25})]

register_paths({
    "/api/v1/matches": {
        "post": {
            "summary": "Pair an approved sponsor with an active, unmatched child",
            "description": "A child has at most one active match; a sponsor at most "
                           "`capacity`. Every refusal that depends on the current state — "
                           "child already matched or not active, sponsor not approved, "
                           "withdrawn or full — is 409; malformed input is 422.",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["sponsor_id", "child_id", "start_date"],
                "properties": {
                    "sponsor_id": {"type": "integer"}, "child_id": {"type": "integer"},
                    "start_date": {"type": "string", "format": "date",
                                   "description": "today or earlier"},
                    "end_date": {"type": "string", "format": "date",
                                 "description": "planned end; default start + commitment "
                                                "months (a setting, 6 by default)"},
                    "note": {"type": "string", "maxLength": 500}}}}}},
            "responses": {
                "201": _json(_MATCH, "The new match"),
                **STANDARD_ERRORS,
                "404": {"description": "No such sponsor or child"},
                "409": _json(VALIDATION, "Child already matched or not active; sponsor "
                                         "not approved, withdrawn or at capacity"),
                "422": _json(VALIDATION, "Missing or invalid field"),
            },
        },
        "get": {
            "summary": "Matches, newest first (a sponsor sees only their own)",
            "parameters": [
                _query("sponsor_id", {"type": "integer"}),
                _query("child_id", {"type": "integer"}),
                _query("active", {"type": "boolean"}, "true: active only; false: ended only"),
                *_PAGING,
            ],
            "responses": {
                "200": _page_of(_MATCH, "One page of matches"),
                **STANDARD_ERRORS,
                "422": _json(VALIDATION, "Invalid filter or page"),
            },
        },
    },
    "/api/v1/matches/{match_id}/end": {
        "post": {
            "summary": "End an active match; it stays in the history",
            "parameters": [{"name": "match_id", "in": "path", "required": True,
                            "schema": {"type": "integer"}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["reason", "ended_on"],
                "properties": {
                    "reason": {"type": "string", "enum": list(END_REASONS)},
                    "ended_on": {"type": "string", "format": "date",
                                 "description": "not before the start, not in the future"},
                    "note": {"type": "string", "maxLength": 500,
                             "description": "required when reason is 'other'"}}}}}},
            "responses": {
                "200": _json(_MATCH, "The ended match"),
                **STANDARD_ERRORS,
                "404": {"description": "No such match"},
                "409": _json(VALIDATION, "The match has already ended"),
                "422": _json(VALIDATION, "Missing or invalid field"),
            },
        },
    },
    "/api/v1/children/unmatched": {
        "get": {
            "summary": "Active children without a sponsor, in matching priority order",
            "description": "Severely stunted, then stunted, then the rest (normal, tall, "
                           "unmeasured); within each, youngest first; then longest on the "
                           "register.",
            "parameters": [_query("kecamatan_code", {"type": "string"}),
                           _query("kelurahan_code", {"type": "string"}), *_PAGING],
            "responses": {
                "200": _page_of({"type": "object", "properties": {
                    **_CHILD_PROPERTIES,
                    "registered_at": {"type": "string", "format": "date-time"}}},
                    "One page of children"),
                **STANDARD_ERRORS,
                "422": _json(VALIDATION, "Invalid page"),
            },
        },
    },
})
