"""OpenAPI pieces shared by the contributions and catalogue endpoints' documentation."""

from asuh.contributions.services import MAX_ITEMS

ERROR = {"$ref": "#/components/schemas/Error"}
INVALID = {"$ref": "#/components/schemas/ValidationErrors"}
QUANTITY = {"type": "string", "pattern": r"^\d+\.\d{3}$", "example": "10.000",
            "description": "Decimal as a string with three places, for exactness"}
MOMENT = {"type": "string", "format": "date-time", "nullable": True}
PHOTO = {"type": "object", "properties": {
    "id": {"type": "integer"}, "url": {"type": "string", "description": "GET with the token"},
    "content_type": {"type": "string", "enum": ["image/jpeg", "image/png", "image/webp"]},
    "width": {"type": "integer"}, "height": {"type": "integer"}}}
CONTRIBUTION = {"type": "object", "properties": {
    "id": {"type": "integer"}, "match_id": {"type": "integer"},
    "sponsor_id": {"type": "integer"}, "child_id": {"type": "integer"},
    "kelurahan_code": {"type": "string"},
    "delivered_on": {"type": "string", "format": "date"},
    "status": {"type": "string", "enum": ["pending", "confirmed", "rejected", "voided"],
               "description": "Only confirmed deliveries count in totals and letters"},
    "note": {"type": "string", "nullable": True}, "total_value_idr": {"type": "integer"},
    "items": {"type": "array", "items": {"type": "object", "properties": {
        "commodity": {"type": "string", "example": "rice"},
        "commodity_name": {"type": "string"}, "is_cash": {"type": "boolean"},
        "quantity": QUANTITY, "unit": {"type": "string", "example": "karung 5 kg"},
        "canonical_quantity": QUANTITY, "canonical_unit": {"type": "string"},
        "value_idr": {"type": "integer"}}}},
    "photos": {"type": "array", "items": PHOTO},
    "created_at": MOMENT, "verified_at": MOMENT,
    "rejection_reason": {"type": "string", "nullable": True}, "voided_at": MOMENT,
    "void_reason": {"type": "string", "nullable": True}}}
ITEM_IN = {"type": "object", "required": ["commodity", "quantity", "unit"], "properties": {
    "commodity": {"type": "string", "description": "An active catalogue code: rice, eggs, "
                  "milk, milk_powder, honey, other, cash, … (GET /api/v1/commodities)"},
    "quantity": {"oneOf": [{"type": "number"}, {"type": "string"}], "example": "2"},
    "unit": {"type": "string", "description": "The canonical unit or an active pack unit "
             "of that commodity ('other' takes any unit; 'cash' is 'Rp')"},
    "value_idr": {"type": "integer", "description": "Estimated value in whole Rupiah; "
                  "required except for cash, whose value is its quantity"}}}
BODY_PROPERTIES = {"delivered_on": {"type": "string", "format": "date"},
                    "items": {"type": "array", "items": ITEM_IN, "minItems": 1,
                              "maxItems": MAX_ITEMS},
                    "note": {"type": "string", "nullable": True, "maxLength": 500}}


def doc_json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def json_body_doc(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def path_param(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


def query_param(name: str, schema: dict, description: str = "") -> dict:
    return {"name": name, "in": "query", "schema": schema, "description": description}


DENIED = {"401": doc_json(ERROR, "No token, or the token is invalid or expired"),
          "403": doc_json(ERROR, "The caller's role may not do this, or not for this "
                             "delivery (another sponsor's, another kelurahan's)")}
