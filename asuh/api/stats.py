"""GET /api/v1/stats: the dashboard's figures as JSON (VIEW_DASHBOARD)."""

from decimal import Decimal

from flask import jsonify, request

from asuh.api import bp
from asuh.api.helpers import iso
from asuh.api.openapi import STANDARD_ERRORS, VALIDATION, register_paths
from asuh.dashboard import services
from asuh.dashboard.periods import parse_filters
from asuh.permissions import Permission, requires
from asuh.regions.services import kecamatan_list


def _plain(value):
    """Dates as ISO text, Decimal quantities as exact decimal strings."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if hasattr(value, "isoformat"):
        return iso(value)
    return value


def _commodity(c: dict) -> dict:
    return {key: c[key] for key in (
        "code", "name", "unit", "is_cash", "quantity_last_month", "value_idr_last_month",
        "quantity_period", "value_idr_period", "monthly_quantity", "monthly_value_idr")}


@bp.route("/stats")
@requires(Permission.VIEW_DASHBOARD)
def stats():
    filters = parse_filters(request.args, strict=True,
                            known_kecamatan={k.code for k in kecamatan_list()})
    data = services.dashboard(filters)
    period = data["period"]
    return jsonify(_plain({
        "period": {"start": period["start"], "end": period["last_day"],
                   "months": [f"{m:%Y-%m}" for m in period["months"]]},
        "kecamatan_code": filters.kecamatan_code,
        "headline": data["headline"],
        "commodities": [_commodity(c) for c in data["commodities"]],
        "cash": [_commodity(c) for c in data["cash"]],
        "area_level": data["area_level"],
        "areas": data["areas"],
        "outcomes": data["outcomes"],
    }))


# --- OpenAPI -----------------------------------------------------------------------

_INT = {"type": "integer"}
_PERCENT = {"type": "number", "nullable": True, "description": "0–100, one decimal"}
_QUANTITY = {"type": "string", "description": "Exact decimal, canonical unit", "example": "12.5"}
_FIGURES = {"type": "object", "properties": {
    "stunted_children": {**_INT, "description": "Active children whose latest category is "
                                                "stunted or severely_stunted (now)"},
    "severely_stunted_children": _INT,
    "matched_children": {**_INT, "description": "Of those, with an active match (now)"},
    "unmatched_children": _INT,
    "matched_percent": _PERCENT,
    "active_sponsors": {"type": "object", "description": "Approved, not withdrawn, with at "
                        "least one active match, by kind; placed by their own address",
                        "properties": {"asn": _INT, "citizen": _INT, "total": _INT}},
    "deliveries_period": {**_INT, "description": "Confirmed deliveries dated in the period"},
    "value_idr_period": _INT,
    "deliveries_last_month": {**_INT, "description": "… in the period's last month"},
    "value_idr_last_month": _INT,
    "outcome_children": {**_INT, "description": "Cohort: stunted at their first measurement "
                                                "in the period, measured at least twice"},
    "improved_children": _INT,
    "improved_percent": _PERCENT,
}}
_COMMODITY = {"type": "object", "properties": {
    "code": {"type": "string"}, "name": {"type": "string"},
    "unit": {"type": "string", "description": "Canonical unit"},
    "is_cash": {"type": "boolean"},
    "quantity_last_month": _QUANTITY, "value_idr_last_month": _INT,
    "quantity_period": _QUANTITY, "value_idr_period": _INT,
    "monthly_quantity": {"type": "array", "items": _QUANTITY},
    "monthly_value_idr": {"type": "array", "items": _INT},
}}
_GROUP = {"type": "object", "properties": {
    "children": _INT, "improved": _INT, "unchanged": _INT, "worsened": _INT, "unknown": _INT,
    "improved_percent": _PERCENT,
    "transitions": {"type": "object", "additionalProperties": _INT,
                    "example": {"stunted→normal": 12, "stunted→stunted": 30}},
}}
_STATS = {"type": "object", "properties": {
    "period": {"type": "object", "properties": {
        "start": {"type": "string", "format": "date"},
        "end": {"type": "string", "format": "date"},
        "months": {"type": "array", "items": {"type": "string", "example": "2026-11"}}}},
    "kecamatan_code": {"type": "string", "nullable": True},
    "headline": _FIGURES,
    "commodities": {"type": "array", "items": _COMMODITY,
                    "description": "Goods, in catalogue order"},
    "cash": {"type": "array", "items": _COMMODITY,
             "description": "The cash equivalent, reported apart from goods"},
    "area_level": {"type": "string", "enum": ["kecamatan", "kelurahan"],
                   "description": "kelurahan rows when a kecamatan is chosen"},
    "areas": {"type": "array", "items": {"type": "object", "properties": {
        "code": {"type": "string"}, "name": {"type": "string"},
        **_FIGURES["properties"]}}},
    "outcomes": {"type": "object", "properties": {"sponsored": _GROUP,
                                                  "unsponsored": _GROUP}},
}}


def _month_param(name: str, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": "string", "pattern": r"^\d{4}-\d{2}(-\d{2})?$"}}


register_paths({
    "/api/v1/stats": {"get": {
        "summary": "The dashboard's figures: headline, commodities, per area, outcomes",
        "description": "The period is whole months (a date is read as its month); the "
                       "default is January of this year to this month. Children and "
                       "sponsor counts describe the registry now; deliveries, commodities "
                       "and outcomes follow the period.",
        "parameters": [
            _month_param("period_start", "First month, YYYY-MM"),
            _month_param("period_end", "Last month, YYYY-MM"),
            {"name": "kecamatan_code", "in": "query", "required": False,
             "schema": {"type": "string", "example": "19.71.01"}},
        ],
        "responses": {
            "200": {"description": "The figures", "content": {"application/json": {
                "schema": _STATS}}},
            **STANDARD_ERRORS,
            "422": {"description": "Bad month, end before start, unknown kecamatan",
                    "content": {"application/json": {"schema": VALIDATION}}},
        },
    }},
})
