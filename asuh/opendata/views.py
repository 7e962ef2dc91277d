"""The public figures page and its CSV: no sign-in, cached by version, rate-limited."""

from flask import Blueprint, Response, current_app, render_template, request

from asuh.errors import NotFoundError
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
    """``(code, etag, 304 response or None)`` for the page asked for: ``?wilayah=CODE``
    (a kabupaten/kota, a kecamatan, the province), or ``?kecamatan=CODE`` as links made
    before the province had it."""
    code = (request.args.get("wilayah") or request.args.get("kecamatan") or "").strip()[:13]
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
    try:
        view = services.public_page(code or None)
    except NotFoundError as unknown:
        # The public pages say which regions there are: the app's usual 404 says
        # nothing, which protects records, not the names of kecamatan.
        return render_template("errors/error.html", code=404, title="Wilayah tidak dikenal",
                               message=str(unknown)), 404
    response = Response(render_template("opendata/index.html", view=view))
    _cache_headers(response, etag)
    return response


@bp.route("/statistik.csv")
@public
@limiter.limit(_limit)
def download_csv():
    code, etag, not_modified = _conditional("csv")
    if not_modified is not None:
        return not_modified
    try:
        view = services.public_page(code or None)
    except NotFoundError as unknown:
        return Response(f"{unknown}\n", status=404, mimetype="text/plain")
    body = services.public_csv(view, settings.get("city_name"))
    name = f"asuh-statistik-{view['code'] or view['area']['level']}.csv"
    response = Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename={name}"})
    response.charset = "utf-8"
    _cache_headers(response, etag)
    return response
