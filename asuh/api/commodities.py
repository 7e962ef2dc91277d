"""API: the commodity catalogue and a match's progress against the monthly package."""

from decimal import Decimal

from flask import abort, jsonify
from flask_login import current_user

from asuh.api import bp
from asuh.api.contribution_schemas import DENIED, ERROR, QUANTITY, doc_json, path_param
from asuh.api.contributions import decimal_text
from asuh.api.openapi import register_paths
from asuh.contributions import access, catalogue, progress
from asuh.extensions import db
from asuh.matching.models import Match
from asuh.permissions import Permission, requires


@bp.route("/commodities")
@requires(Permission.SIGNED_IN)
def list_commodities():
    return jsonify(items=[{
        "code": c.code, "name": c.name, "canonical_unit": c.canonical_unit,
        "is_cash": c.is_cash, "any_unit": catalogue.is_as_entered(c),
        "units": [{"name": u.name, "factor": f"{Decimal(u.factor).normalize():f}"}
                  for u in c.units if u.active],
    } for c in catalogue.commodities(active_only=True)],
        monthly_package={k: decimal_text(v) for k, v in catalogue.monthly_package().items()})


@bp.route("/matches/<int:match_id>/progress")
@requires(Permission.SIGNED_IN)
def match_progress(match_id: int):
    match = db.get_or_404(Match, match_id)
    if not access.can_see_match(current_user, match):
        abort(403)
    return jsonify(match_id=match.id, months=[{
        "month": month.month.strftime("%Y-%m"), "behind": month.behind,
        "lines": [{"commodity": line.code, "unit": line.unit,
                   "package": decimal_text(line.package),
                   "delivered": decimal_text(line.delivered),
                   "behind": line.behind} for line in month.lines],
    } for month in progress.match_progress(match)])


register_paths({
    "/api/v1/commodities": {
        "get": {
            "summary": "The active catalogue (codes, units, conversion factors) and the "
                       "monthly package in canonical units",
            "responses": {"200": doc_json({"type": "object", "properties": {
                "items": {"type": "array", "items": {"type": "object", "properties": {
                    "code": {"type": "string"}, "name": {"type": "string"},
                    "canonical_unit": {"type": "string"}, "is_cash": {"type": "boolean"},
                    "any_unit": {"type": "boolean"},
                    "units": {"type": "array", "items": {"type": "object", "properties": {
                        "name": {"type": "string"},
                        "factor": {"type": "string", "example": "0.8",
                                   "description": "Canonical units in one pack unit"}}}}}}},
                "monthly_package": {"type": "object", "additionalProperties": QUANTITY}}},
                "The catalogue"), **DENIED},
        },
    },
    "/api/v1/matches/{match_id}/progress": {
        "get": {
            "summary": "Confirmed deliveries per month against the monthly package",
            "parameters": [path_param("match_id")],
            "responses": {"200": doc_json({"type": "object", "properties": {
                "match_id": {"type": "integer"},
                "months": {"type": "array", "items": {"type": "object", "properties": {
                    "month": {"type": "string", "example": "2026-11"},
                    "behind": {"type": "boolean"},
                    "lines": {"type": "array", "items": {"type": "object", "properties": {
                        "commodity": {"type": "string"}, "unit": {"type": "string"},
                        "package": QUANTITY, "delivered": QUANTITY,
                        "behind": {"type": "boolean"}}}}}}}}}, "Progress, oldest month first"),
                **DENIED, "404": doc_json(ERROR, "No such match")},
        },
    },
})
