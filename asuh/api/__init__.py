"""The JSON API under /api/v1: a published contract for integrators."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from asuh.api import accounts, openapi  # noqa: E402,F401  (routes register on bp)
