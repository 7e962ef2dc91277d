"""GET /api/v1/audit: the audit trail, newest first, in keyset pages (VIEW_AUDIT)."""

from datetime import date

from flask_login import current_user
from marshmallow import fields, validate

from asuh.api.core import bp, refusals
from asuh.api.fields import Day, Id, QueryId, QueryInteger, Schema, Text, computed
from asuh.api.moments import Moment
from asuh.api.paging import service_filters
from asuh.audit import queries
from asuh.permissions import Permission, requires

DEFAULT_LIMIT = 50
# "until" takes in its whole day, so the day after must exist.
_LAST_DAY = validate.Range(max=date(9999, 12, 30), error="Tanggal terlalu jauh.")


class AuditArgs(Schema):
    user_id = QueryId(metadata={"description": "Who acted"})
    entity_type = Text(metadata={"example": "child", "description": "Kind of record: "
                                 + ", ".join(queries.ENTITY_TYPES)})
    entity_id = Text(metadata={"description": "Id of the record"})
    action = Text(metadata={"example": "update", "description": "What was done"})
    since = Day(metadata={"description": "From this day (the installation's, ASUH_TIMEZONE)"})
    until = Day(validate=_LAST_DAY,
                metadata={"description": "Up to and including this day (the installation's)"})
    cursor = Text(metadata={"description": "Opaque: `next_cursor` of the previous page"})
    limit = QueryInteger(load_default=DEFAULT_LIMIT, validate=validate.Range(
        min=1, max=queries.MAX_LIMIT, error=f"Harus antara 1 dan {queries.MAX_LIMIT}."),
        metadata={"description": "Records per page"})


FILTERS = ("user_id", "entity_type", "entity_id", "action", "since", "until")


class RecordSchema(Schema):
    id = Id()
    at = Moment()
    user_id = Id(allow_none=True)
    ip_address = Text(allow_none=True)
    action = Text(metadata={"example": "update"})
    entity_type = Text(metadata={"example": "child"})
    entity_id = Text(allow_none=True)
    summary = Text()
    changes = computed(fields.Dict(keys=fields.String(), values=fields.List(fields.Raw()),
                                   metadata={"description": "{field: [before, after]}"}),
                       lambda r: r.changes or {})
    prev_hash = Text(metadata={"description": "SHA-256 of the previous record"})
    hash = Text(metadata={"description": "SHA-256 chaining this record"})


class AuditPageSchema(Schema):
    items = fields.List(fields.Nested(RecordSchema))
    next_cursor = Text(allow_none=True)


@bp.route("/audit")
@requires(Permission.VIEW_AUDIT)
@bp.doc(summary="The audit trail, newest first, with cursor pagination",
        description="Pass `next_cursor` back as `cursor` for the following (older) page; it "
                    "is null on the last page. Records never change once written.")
@bp.arguments(AuditArgs, location="query")
@bp.response(200, AuditPageSchema, description="A page of records")
@refusals(401, 403)
def audit_records(args):
    filters = queries.parse_filters(service_filters(args, FILTERS), strict=True)
    records, next_cursor = queries.keyset_page(
        filters, cursor=(args.get("cursor") or "").strip() or None, limit=args["limit"],
        user=current_user)
    return {"items": records, "next_cursor": next_cursor}
