"""The JSON API under /api/v1: a published contract for integrators."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Each module registers its routes (and their OpenAPI paths) on bp when imported.
from asuh.api import (  # noqa: E402,F401
    accounts,
    audit,
    children,
    commodities,
    contributions,
    letters,
    matches,
    openapi,
    regions,
    sponsors,
    stats,
)
