"""The public figures page and its CSV: no sign-in, cached by version, rate-limited."""

from flask import Blueprint, Response, current_app, render_template, request

from asuh.extensions import limiter
from asuh.opendata import services
from asuh.permissions import public
from asuh.settings import services as settings

bp = Blueprint("opendata", __name__)

DEFAULT_LIMIT = "60 per minute"


def _limit() -> str:
    # ASUH_PUBLIC_FIGURES_LIMIT (config.py); read per request so tests and admins can
    # change it without a restart of the limiter.
    return current_app.config.get("PUBLIC_FIGURES_LIMIT", DEFAULT_LIMIT)


def _conditional(kind: str):
    """``(etag, 304 response or None)`` for the page asked for."""
    code = (request.args.get("kecamatan") or "").strip()[:13]
    etag = services.version(code, kind)
    if etag in request.if_none_match:
        response = Response(status=304)
        _cache_headers(response, etag)
        return code, etag, response
    return code, etag, None


def _cache_headers(response: Response, etag: str) -> None:
    response.set_etag(etag)
    # Anyone may keep a copy (no personal data), but must ask again each time: a cheap
    # question (one indexed query), and the figures are never older than the registry.
    response.headers["Cache-Control"] = "public, no-cache"


@bp.route("/statistik")
@public
@limiter.limit(_limit)
def index():
    code, etag, not_modified = _conditional("html")
    if not_modified is not None:
        return not_modified
    view = services.public_page(code or None)
    response = Response(render_template("opendata/index.html", view=view,
                                        kecamatan_code=code,
                                        city_name=settings.get("city_name")))
    _cache_headers(response, etag)
    return response


@bp.route("/statistik.csv")
@public
@limiter.limit(_limit)
def download_csv():
    code, etag, not_modified = _conditional("csv")
    if not_modified is not None:
        return not_modified
    view = services.public_page(code or None)
    body = services.public_csv(view, settings.get("city_name"))
    name = f"asuh-statistik-{code or 'kota'}.csv"
    response = Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename={name}"})
    response.charset = "utf-8"
    _cache_headers(response, etag)
    return response
