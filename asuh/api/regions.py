"""GET /api/v1/regions"""

from flask import jsonify, request

from asuh.api import bp
from asuh.api.openapi import register_paths
from asuh.errors import ValidationFailed
from asuh.permissions import Permission, requires
from asuh.regions import services
from asuh.regions.models import KECAMATAN, KELURAHAN


def region_json(region) -> dict:
    return {"code": region.code, "name": region.name, "level": region.level,
            "parent_code": region.parent_code}


@bp.route("/regions")
@requires(Permission.SIGNED_IN)
def list_regions():
    level = request.args.get("level") or None
    if level not in (None, KECAMATAN, KELURAHAN):
        raise ValidationFailed({"level": ["Harus 'kecamatan' atau 'kelurahan'."]})
    return jsonify([region_json(r) for r in services.regions(level)])


register_paths({
    "/api/v1/regions": {"get": {
        "summary": "Kecamatan and kelurahan with their Kemendagri codes",
        "parameters": [{"name": "level", "in": "query", "required": False,
                        "schema": {"type": "string", "enum": [KECAMATAN, KELURAHAN]}}],
        "responses": {
            "200": {"description": "Regions", "content": {"application/json": {"schema": {
                "type": "array", "items": {"type": "object", "properties": {
                    "code": {"type": "string"}, "name": {"type": "string"},
                    "level": {"type": "string"}, "parent_code": {"type": "string",
                                                                 "nullable": True}}}}}}},
            "401": {"description": "No or invalid token"},
            "422": {"description": "Unknown level"},
        },
    }},
})
