"""Puts /api/v1 on the app: called once by the factory (``asuh.api.register``)."""

from flask import Flask

from asuh.api import (
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
from asuh.api.core import AsuhApi, bp
from asuh.extensions import csrf

# The modules whose routes make up /api/v1: each adds its operations to ``bp`` when
# imported, and this list is where they are named.
AREAS = (accounts, regions, sponsors, children, matches, contributions, commodities,
         letters, stats, audit, openapi)

SPEC = {
    "title": "Asuh API",
    "version": "1.0.0",
    "openapi_version": "3.0.3",
    "info": {"description": "Bapak/Bunda Asuh Anak Stunting: registry, matching, "
                            "contributions and accountability letters."},
    "servers": [{"url": "/"}],
    "security": [{"bearer": []}],
}


def register(app: Flask) -> None:
    api = AsuhApi(app, spec_kwargs=SPEC)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.register_blueprint(bp)
    # The API authenticates with bearer tokens, never cookies: nothing to forge.
    csrf.exempt(bp)
