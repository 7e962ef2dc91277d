"""Errors shown to people (HTML pages) and to programs (JSON under /api/v1)."""

from flask import current_app, jsonify, render_template, request
from werkzeug.exceptions import Forbidden, HTTPException, NotFound

MESSAGES = {
    400: "Permintaan tidak dapat diproses.",
    401: "Silakan masuk terlebih dahulu.",
    403: "Anda tidak memiliki izin untuk halaman atau tindakan ini.",
    404: "Halaman atau data yang Anda cari tidak ditemukan.",
    405: "Metode tidak diizinkan.",
    409: "Data bertentangan dengan data yang sudah ada.",
    413: "Berkas terlalu besar untuk diunggah.",
    422: "Data tidak valid.",
    429: "Terlalu banyak percobaan. Tunggu beberapa menit, lalu coba lagi.",
    500: "Terjadi kesalahan pada server. Tim teknis sudah dicatat; silakan coba lagi.",
}


class ValidationFailed(Exception):
    """A rule refused the input; ``errors`` maps field names to messages."""

    def __init__(self, errors: dict[str, list[str]], status: int = 422):
        super().__init__("; ".join(m for msgs in errors.values() for m in msgs))
        self.errors = errors
        self.status = status


class NotPermitted(Exception):
    """The actor may not do this to this object (a use case's own check): 403."""


class NotFoundError(Exception):
    """A use case could not load the object it was asked to act on: 404."""


def json_error(error: str, message: str, status: int):
    """The API's one shape for a refusal not about a field (``asuh.api.errors``)."""
    response = jsonify(error=error, message=message)
    response.status_code = status
    return response


def wants_json() -> bool:
    return request.blueprint == "api" or request.path.startswith("/api/")


def _http_error(exc: HTTPException):
    code = exc.code or 500
    message = MESSAGES.get(code, exc.description)
    if code == 429:
        message = f"{MESSAGES[429]} (batas: {exc.description})"
    if code == 413:
        limit_mb = current_app.config["MAX_CONTENT_LENGTH"] // 1_048_576
        message = f"{MESSAGES[413]} Ukuran maksimal satu kiriman {limit_mb} MB."
    if wants_json():
        response = json_error(exc.name.lower().replace(" ", "_"), message, code)
        # Keep what the exception says about itself: Allow on 405, WWW-Authenticate on 401.
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response
    template = "errors/error.html"
    return render_template(template, code=code, title=exc.name, message=message), code


def _validation_failed(exc: ValidationFailed):
    if wants_json():
        return jsonify(errors=exc.errors), exc.status
    return render_template("errors/error.html", code=exc.status, title="Data tidak valid",
                           message=str(exc)), exc.status


def register_error_handlers(app) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(ValidationFailed, _validation_failed)
    # Domain refusals answer exactly as the HTTP errors they stand for.
    app.register_error_handler(NotPermitted, lambda exc: _http_error(Forbidden()))
    app.register_error_handler(NotFoundError, lambda exc: _http_error(NotFound()))

    @app.errorhandler(500)
    def _server_error(exc):
        if wants_json():
            return json_error("internal_server_error", MESSAGES[500], 500)
        return render_template("errors/error.html", code=500, title="Kesalahan server",
                               message=MESSAGES[500]), 500
