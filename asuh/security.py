"""Security headers on every response."""

from flask import current_app, request
from flask_login import current_user

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; "
    "img-src 'self' data: blob:; "
    "style-src 'self'; "
    "script-src 'self'; "
    "object-src 'none'; "
    "base-uri 'self'; "
    "form-action 'self'; "
    "frame-ancestors 'none'"
)


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if current_app.config.get("HSTS_SECONDS"):
        # No includeSubDomains: other hosts under the city's domain may still be plain HTTP.
        headers.setdefault("Strict-Transport-Security",
                           f"max-age={current_app.config['HSTS_SECONDS']}")
    # Anything shown to a signed-in user, and every API answer, may hold personal data:
    # no shared or back-button cache may keep it. Static assets stay cacheable.
    if request.endpoint != "static" and (
        current_user.is_authenticated or request.path.startswith("/api/")
    ) and "no-store" not in headers.get("Cache-Control", ""):
        headers["Cache-Control"] = "no-store"
    return response
