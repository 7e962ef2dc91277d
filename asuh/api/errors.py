"""The API's two error shapes, as the OpenAPI document states them.

``asuh.errors`` writes them (one handler for pages and API alike); these schemas say
what it writes, and every operation's refusals point here.
"""

from marshmallow import fields

from asuh.api.fields import Schema, Text


class ErrorSchema(Schema):
    """``{"error": "not_found", "message": "…"}``: a refusal not about one field."""

    error = Text(required=True, metadata={"example": "not_found"})
    message = Text(required=True)


class ValidationErrorsSchema(Schema):
    """``{"errors": {"field": ["…"]}}``: 422 (bad input) and 409 (the state refuses)."""

    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         required=True,
                         metadata={"example": {"items[0].unit": ["Satuan tidak dikenal."]}})


# Status codes whose body names fields; every other error body is ErrorSchema. 503 is the
# letter that could not be signed (``{"errors": {"signature": [...]}}``): nothing issued.
FIELD_ERROR_STATUSES = frozenset({409, 422, 503})
