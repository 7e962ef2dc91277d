"""GET /api/v1/audit: the audit trail, newest first, in keyset pages (VIEW_AUDIT)."""

from flask import jsonify, request

from asuh.api import bp
from asuh.api.helpers import iso
from asuh.api.openapi import STANDARD_ERRORS, VALIDATION, register_paths
from asuh.audit import queries
from asuh.errors import ValidationFailed
from asuh.permissions import Permission, requires

DEFAULT_LIMIT = 50


def record_json(record) -> dict:
    return {
        "id": record.id,
        # Stored as naive UTC; the "Z" says so (as the other endpoints do).
        "at": iso(record.at) + "Z",
        "user_id": record.user_id, "ip_address": record.ip_address,
        "action": record.action, "entity_type": record.entity_type,
        "entity_id": record.entity_id, "summary": record.summary,
        "changes": record.changes or {},
        "prev_hash": record.prev_hash, "hash": record.hash,
    }


@bp.route("/audit")
@requires(Permission.VIEW_AUDIT)
def audit_records():
    filters = queries.parse_filters(request.args, strict=True)
    raw = (request.args.get("limit") or "").strip()
    if raw and not raw.isdigit():
        raise ValidationFailed({"limit": [f"Harus antara 1 dan {queries.MAX_LIMIT}."]})
    records, next_cursor = queries.keyset_page(
        filters, cursor=(request.args.get("cursor") or "").strip() or None,
        limit=int(raw) if raw else DEFAULT_LIMIT)
    return jsonify(items=[record_json(r) for r in records], next_cursor=next_cursor)


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


_RECORD = {"type": "object", "properties": {
    "id": {"type": "integer"},
    "at": {"type": "string", "format": "date-time"},
    "user_id": {"type": "integer", "nullable": True},
    "ip_address": {"type": "string", "nullable": True},
    "action": {"type": "string", "example": "update"},
    "entity_type": {"type": "string", "example": "child"},
    "entity_id": {"type": "string", "nullable": True},
    "summary": {"type": "string"},
    "changes": {"type": "object", "description": "{field: [before, after]}",
                "additionalProperties": {"type": "array", "items": {}}},
    "prev_hash": {"type": "string", "description": "SHA-256 of the previous record"},
    "hash": {"type": "string", "description": "SHA-256 chaining this record"},
}}

register_paths({
    "/api/v1/audit": {"get": {
        "summary": "The audit trail, newest first, with cursor pagination",
        "description": "Pass `next_cursor` back as `cursor` for the following (older) page; "
                       "it is null on the last page. Records never change once written.",
        "parameters": [
            _query("user_id", {"type": "integer"}, "Who acted"),
            _query("entity_type", {"type": "string", "example": "child"},
                   "Kind of record: " + ", ".join(queries.ENTITY_TYPES)),
            _query("entity_id", {"type": "string"}, "Id of the record"),
            _query("action", {"type": "string", "example": "update"}, "What was done"),
            _query("since", {"type": "string", "format": "date"}, "From this day (UTC)"),
            _query("until", {"type": "string", "format": "date"},
                   "Up to and including this day (UTC)"),
            _query("cursor", {"type": "string"}, "Opaque: `next_cursor` of the previous page"),
            _query("limit", {"type": "integer", "minimum": 1, "maximum": queries.MAX_LIMIT,
                             "default": DEFAULT_LIMIT}, "Records per page"),
        ],
        "responses": {
            "200": {"description": "A page of records", "content": {"application/json": {
                "schema": {"type": "object", "properties": {
                    "items": {"type": "array", "items": _RECORD},
                    "next_cursor": {"type": "string", "nullable": True}}}}}},
            **STANDARD_ERRORS,
            "422": {"description": "Bad filter, cursor or limit",
                    "content": {"application/json": {"schema": VALIDATION}}},
        },
    }},
})
