"""The OpenAPI 3 document for /api/v1; a test checks it names every route the API has."""

from flask import jsonify

from asuh.api import bp
from asuh.permissions import public

ERROR = {"$ref": "#/components/schemas/Error"}
VALIDATION = {"$ref": "#/components/schemas/ValidationErrors"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


STANDARD_ERRORS = {
    "401": _json(ERROR, "No token, or the token is invalid or expired"),
    "403": _json(ERROR, "The caller's role may not do this"),
}

COMPONENTS = {
    "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
    "schemas": {
        "Error": {
            "type": "object",
            "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
            "required": ["error", "message"],
        },
        "ValidationErrors": {
            "type": "object",
            "properties": {
                "errors": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                }
            },
            "required": ["errors"],
        },
        "User": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "email": {"type": "string", "format": "email"},
                "name": {"type": "string"},
                "role": {"type": "string",
                         "enum": ["admin", "officer", "field", "sponsor", "auditor"]},
                "active": {"type": "boolean"},
            },
        },
    },
}

PATHS: dict[str, dict] = {
    "/api/v1/tokens": {
        "post": {
            "summary": "Exchange email and password for a bearer token",
            "security": [],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object",
                "properties": {"email": {"type": "string"}, "password": {"type": "string"}},
                "required": ["email", "password"],
            }}}},
            "responses": {
                "201": _json({"type": "object", "properties": {
                    "token": {"type": "string"},
                    "expires_at": {"type": "string", "format": "date-time"},
                }}, "Token issued"),
                "401": _json(ERROR, "Wrong email or password, or inactive account"),
                "422": _json(VALIDATION, "Missing field"),
                "429": _json(ERROR, "Too many attempts; wait and retry"),
            },
        }
    },
    "/api/v1/me": {
        "get": {
            "summary": "The caller's account and role",
            "responses": {"200": _json({"$ref": "#/components/schemas/User"}, "The caller"),
                          **STANDARD_ERRORS},
        }
    },
    "/api/v1/openapi.json": {
        "get": {
            "summary": "This document",
            "security": [],
            "responses": {"200": {"description": "OpenAPI 3 document"}},
        }
    },
}


def register_paths(paths: dict[str, dict]) -> None:
    """Areas add the documentation of their endpoints next to the endpoints themselves."""
    for path, operations in paths.items():
        PATHS.setdefault(path, {}).update(operations)


def document() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Asuh API",
            "version": "1.0.0",
            "description": "Bapak/Bunda Asuh Anak Stunting: registry, matching, "
                           "contributions and accountability letters.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": PATHS,
        "components": COMPONENTS,
    }


@bp.route("/openapi.json")
@public
def openapi():
    return jsonify(document())
