"""GET /api/v1/openapi.json: the document flask-smorest builds from the declarations."""

from flask import current_app, jsonify

from asuh.api.core import bp
from asuh.permissions import public


def current_document() -> dict:
    return current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()


@bp.route("/openapi.json")
@public
@bp.doc(summary="This document", security=[])
@bp.response(200, description="OpenAPI 3 document")
def openapi():
    return jsonify(current_document())
