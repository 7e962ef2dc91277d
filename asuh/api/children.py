"""API: children and their measurements.

    POST /api/v1/children                           register a child (EDIT_CHILDREN)
    GET  /api/v1/children                           the registry, filtered and paged
    GET  /api/v1/children/{child_id}                one child with its measurements
    POST /api/v1/children/{child_id}/measurements   record one (RECORD_MEASUREMENTS)
"""

from flask import abort, jsonify, request
from flask_login import current_user

from asuh.api import bp
from asuh.api.helpers import iso, json_body, parse_date, require_fields
from asuh.api.openapi import STANDARD_ERRORS, VALIDATION, register_paths
from asuh.children import measuring, services
from asuh.children.models import CHILD_STATUSES, HEIGHT_CATEGORIES, Child
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.permissions import Permission, requires

MAX_PER_PAGE = 100


def _number(value):
    return None if value is None else float(value)


def measurement_json(m) -> dict:
    return {
        "id": m.id, "measured_on": iso(m.measured_on), "age_days": m.age_days,
        "height_cm": _number(m.height_cm), "weight_kg": _number(m.weight_kg),
        "position": m.position, "measured_by": m.measured_by,
        "haz": _number(m.haz), "waz": _number(m.waz), "whz": _number(m.whz),
        "category": m.category, "weight_category": m.weight_category,
        "wasting_category": m.wasting_category,
        "flags": [f for f in (m.flags or "").split(",") if f],
    }


def child_json(child: Child) -> dict:
    return {
        "id": child.id,
        "nik": services.shown_nik(current_user, child.nik),
        "name": child.name, "sex": child.sex, "birth_date": iso(child.birth_date),
        "guardian_name": child.guardian_name, "guardian_phone": child.guardian_phone,
        "address": child.address, "kelurahan_code": child.kelurahan_code,
        "kecamatan_code": child.kelurahan.parent_code if child.kelurahan else None,
        "posyandu": child.posyandu, "status": child.status,
        "latest_category": child.latest_category, "latest_haz": _number(child.latest_haz),
        "latest_measured_on": iso(child.latest_measured_on),
    }


def _visible_child(child_id: int) -> Child:
    child = db.get_or_404(Child, child_id)
    if not services.can_see(current_user, child):
        abort(403)
    return child


def _text_fields(payload: dict, *names: str) -> dict:
    values, errors = {}, {}
    for name in names:
        value = payload.get(name)
        if value is not None and not isinstance(value, str):
            errors[name] = ["Harus berupa teks."]
        values[name] = value
    if errors:
        raise ValidationFailed(errors)
    return values


@bp.route("/children", methods=["POST"])
@requires(Permission.EDIT_CHILDREN)
def create_child():
    payload = json_body()
    require_fields(payload, "nik", "name", "sex", "birth_date", "guardian_name",
                   "kelurahan_code", "address")
    values = _text_fields(payload, "nik", "name", "sex", "guardian_name", "guardian_phone",
                          "kelurahan_code", "address", "posyandu")
    values["birth_date"] = parse_date(payload, "birth_date")
    confirm = payload.get("confirm_nik_warnings", False)
    if not isinstance(confirm, bool):
        raise ValidationFailed({"confirm_nik_warnings": ["Harus true atau false."]})
    child = services.create_child(values, confirm_nik_warnings=confirm, actor=current_user)
    db.session.commit()
    return jsonify(child_json(child)), 201


@bp.route("/children")
@requires(Permission.VIEW_CHILDREN)
def list_children():
    filters = services.parse_filters(request.args, strict=True)
    page = request.args.get("page", 1, type=int)
    per_page = request.args.get("per_page", 25, type=int)
    if page < 1:
        raise ValidationFailed({"page": ["Harus bilangan bulat 1 atau lebih."]})
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValidationFailed({"per_page": [f"Harus antara 1 dan {MAX_PER_PAGE}."]})
    result = services.list_children(current_user, filters, page, per_page)
    return jsonify(items=[child_json(c) for c in result.items], page=page, per_page=per_page,
                   total=result.total)


@bp.route("/children/<int:child_id>")
@requires(Permission.VIEW_CHILDREN)
def get_child(child_id: int):
    child = _visible_child(child_id)
    live = measuring.live_measurements(child.id)
    return jsonify({**child_json(child),
                    "latest_measurement": measurement_json(live[-1]) if live else None,
                    "measurements": [measurement_json(m) for m in live]})


@bp.route("/children/<int:child_id>/measurements", methods=["POST"])
@requires(Permission.RECORD_MEASUREMENTS)
def record_measurement(child_id: int):
    child = _visible_child(child_id)
    payload = json_body()
    require_fields(payload, "measured_on", "height_cm", "weight_kg", "position")
    for name in ("height_cm", "weight_kg"):
        if isinstance(payload[name], bool) or not isinstance(payload[name], int | float | str):
            raise ValidationFailed({name: ["Harus berupa angka."]})
    values = _text_fields(payload, "position", "measured_by")
    measurement = measuring.record_measurement(
        child, measured_on=parse_date(payload, "measured_on"), height_cm=payload["height_cm"],
        weight_kg=payload["weight_kg"], position=values["position"],
        measured_by=values["measured_by"], actor=current_user)
    db.session.commit()
    return jsonify(measurement_json(measurement)), 201


# --- OpenAPI -----------------------------------------------------------------------

_CHILD_PROPERTIES = {
    "id": {"type": "integer"},
    "nik": {"type": "string", "description": "Masked (1971••••••••0003) unless the caller "
                                             "is an officer or admin"},
    "name": {"type": "string"},
    "sex": {"type": "string", "enum": ["L", "P"]},
    "birth_date": {"type": "string", "format": "date"},
    "guardian_name": {"type": "string"},
    "guardian_phone": {"type": "string", "nullable": True},
    "address": {"type": "string"},
    "kelurahan_code": {"type": "string", "example": "19.71.01.1004"},
    "kecamatan_code": {"type": "string", "example": "19.71.01"},
    "posyandu": {"type": "string", "nullable": True},
    "status": {"type": "string", "enum": list(CHILD_STATUSES)},
    "latest_category": {"type": "string", "nullable": True, "enum": list(HEIGHT_CATEGORIES)},
    "latest_haz": {"type": "number", "nullable": True},
    "latest_measured_on": {"type": "string", "format": "date", "nullable": True},
}
_MEASUREMENT = {"type": "object", "properties": {
    "id": {"type": "integer"}, "measured_on": {"type": "string", "format": "date"},
    "age_days": {"type": "integer"}, "height_cm": {"type": "number"},
    "weight_kg": {"type": "number"}, "position": {"type": "string",
                                                  "enum": list(measuring.POSITIONS)},
    "measured_by": {"type": "string", "nullable": True},
    "haz": {"type": "number"}, "waz": {"type": "number"},
    "whz": {"type": "number", "nullable": True,
            "description": "null when the length/height is outside WHO's table"},
    "category": {"type": "string", "enum": list(HEIGHT_CATEGORIES)},
    "weight_category": {"type": "string"},
    "wasting_category": {"type": "string", "nullable": True},
    "flags": {"type": "array", "items": {"type": "string", "enum": ["haz", "waz", "whz"]},
              "description": "z-scores beyond WHO's plausibility limits: re-measure"},
}}
_CHILD = {"type": "object", "properties": _CHILD_PROPERTIES}
_CHILD_DETAIL = {"type": "object", "properties": {
    **_CHILD_PROPERTIES,
    "latest_measurement": {**_MEASUREMENT, "nullable": True},
    "measurements": {"type": "array", "items": _MEASUREMENT,
                     "description": "Live (not voided) measurements, oldest first"}}}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _query(name: str, schema: dict, description: str = "") -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


_ID = {"name": "child_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_NOT_FOUND = {"404": {"description": "No such child"}}

register_paths({
    "/api/v1/children": {
        "post": {
            "summary": "Register a child",
            "description": "A NIK whose birth date or sex disagrees with the child's is "
                           "refused (422, warnings under `nik`) unless "
                           "`confirm_nik_warnings` is true.",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object",
                "required": ["nik", "name", "sex", "birth_date", "guardian_name",
                             "kelurahan_code", "address"],
                "properties": {
                    **{k: _CHILD_PROPERTIES[k] for k in (
                        "nik", "name", "sex", "birth_date", "guardian_name", "guardian_phone",
                        "address", "kelurahan_code", "posyandu")},
                    "nik": {"type": "string", "pattern": "^[0-9]{16}$"},
                    "confirm_nik_warnings": {"type": "boolean", "default": False},
                }}}}},
            "responses": {
                "201": _json(_CHILD, "The registered child"),
                **STANDARD_ERRORS,
                "409": _json(VALIDATION, "A child with this NIK is already registered"),
                "422": _json(VALIDATION, "Invalid field, or NIK warnings to confirm"),
            },
        },
        "get": {
            "summary": "Children in the registry (field users: their kelurahan only)",
            "parameters": [
                _query("category", {"type": "string",
                                    "enum": list(services.CATEGORY_FILTERS)},
                       "latest height-for-age category"),
                _query("kecamatan_code", {"type": "string"}),
                _query("kelurahan_code", {"type": "string"}),
                _query("status", {"type": "string",
                                  "enum": [*CHILD_STATUSES, services.ALL_STATUSES],
                                  "default": "active"}),
                _query("age_band", {"type": "string", "enum": list(services.AGE_BANDS)},
                       "age in completed months"),
                _query("q", {"type": "string"}, "name, or NIK"),
                _query("page", {"type": "integer", "minimum": 1, "default": 1}),
                _query("per_page", {"type": "integer", "minimum": 1,
                                    "maximum": MAX_PER_PAGE, "default": 25}),
            ],
            "responses": {
                "200": _json({"type": "object", "properties": {
                    "items": {"type": "array", "items": _CHILD},
                    "page": {"type": "integer"}, "per_page": {"type": "integer"},
                    "total": {"type": "integer"}}}, "One page of children"),
                **STANDARD_ERRORS,
                "422": _json(VALIDATION, "Unknown filter value or page size"),
            },
        },
    },
    "/api/v1/children/{child_id}": {
        "get": {
            "summary": "One child, with the latest measurement and all live measurements",
            "parameters": [_ID],
            "responses": {"200": _json(_CHILD_DETAIL, "The child"), **STANDARD_ERRORS,
                          **_NOT_FOUND},
        },
    },
    "/api/v1/children/{child_id}/measurements": {
        "post": {
            "summary": "Record a measurement; z-scores and categories are computed",
            "parameters": [_ID],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object",
                "required": ["measured_on", "height_cm", "weight_kg", "position"],
                "properties": {
                    "measured_on": {"type": "string", "format": "date"},
                    "height_cm": {"type": "number"}, "weight_kg": {"type": "number"},
                    "position": {"type": "string", "enum": list(measuring.POSITIONS)},
                    "measured_by": {"type": "string"}}}}}},
            "responses": {
                "201": _json(_MEASUREMENT, "The measurement with its z-scores"),
                **STANDARD_ERRORS, **_NOT_FOUND,
                "409": _json(VALIDATION, "The child already has a measurement that day"),
                "422": _json(VALIDATION, "Impossible or missing value, named by field"),
            },
        },
    },
})
