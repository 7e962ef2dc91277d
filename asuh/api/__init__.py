"""The JSON API under /api/v1: a published contract for integrators."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Each module registers its routes (and their OpenAPI paths) on bp when imported.
from asuh.api import accounts, children, openapi, regions, sponsors  # noqa: E402,F401
