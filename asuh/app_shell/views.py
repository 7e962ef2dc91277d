"""Manifest, service worker and the outbox's helper routes.

Which pages a phone keeps is decided here, on the server: a page in ``OFFLINE_PAGES``
answered to a signed-in user carries ``X-Asuh-Offline: <that user's cache key>``, and the
service worker (static/js/sw.js) stores only pages whose key is its own. A worker left
behind by another account therefore never keeps (or serves) this user's pages, and the
cache name never reveals who the user is (the key is an HMAC of the id).
"""

import hashlib
import hmac
import json

from flask import (
    Blueprint,
    Response,
    current_app,
    has_request_context,
    jsonify,
    redirect,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from asuh.app_shell import rules
from asuh.permissions import Permission, Role, public, requires

bp = Blueprint("app_shell", __name__)

# The field pages worth having without signal (issue 13): a sponsor's children and each
# match's delivery form; a field user's children list, a child's page with its
# measurement form, and the deliveries waiting for confirmation. The home page is the
# app's start page, so it is kept too.
OFFLINE_PAGES = frozenset({
    "home.overview", "matching.own_children", "contributions.create", "contributions.own",
    "children.index", "children.detail", "contributions.queue", "contributions.confirm",
})
# Files the app needs on every page; fonts are left out (only the PDF renderer reads
# them) and so is the worker's own source.
SHELL_PREFIXES = ("css/", "js/", "vendor/pico/pico.min.css", "img/")
SHELL_EXCLUDED = {"js/sw.js", "css/letter.css", "css/visit_list.css"}
CACHE_DAYS = 7


def cache_key(user) -> str:
    """The user's cache name suffix: stable per account, meaningless to anyone else."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"offline-cache:{user.id}".encode(), hashlib.sha256).hexdigest()[:20]


def shell_urls() -> list[str]:
    manifest = current_app.extensions["asuh_static_manifest"]
    return sorted(url_for("static", filename=plain) for plain in manifest
                  if plain.startswith(SHELL_PREFIXES) and plain not in SHELL_EXCLUDED)


def landing_endpoint(user) -> str:
    from asuh.home import LANDING

    return LANDING.get(Role(user.role), "home.overview")


def kept_on_phone() -> bool:
    """This page, answered now, is one a signed-in user's phone keeps."""
    return (has_request_context() and request.method == "GET" and request.endpoint in OFFLINE_PAGES
            and current_user.is_authenticated)


def shell_context() -> dict:
    signed_in = current_user.is_authenticated
    return {"offline_user_key": cache_key(current_user) if signed_in else "",
            "offline_page": kept_on_phone(),
            "delivery_rules": rules.delivery_rules, "measurement_rules": rules.measurement_rules}


def mark_offline_pages(response: Response) -> Response:
    if response.status_code == 200 and kept_on_phone() and response.mimetype == "text/html":
        response.headers["X-Asuh-Offline"] = cache_key(current_user)
        if request.endpoint == landing_endpoint(current_user):
            # The worker keeps it as the installed app's start page too (no signal).
            response.headers["X-Asuh-Start"] = "1"
    if request.endpoint == "accounts.logout" and request.method == "POST":
        # The browser itself empties this site's caches, IndexedDB (the outbox) and the
        # service worker: nothing personal stays on a shared phone after signing out.
        response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/manifest.webmanifest")
@public
def manifest():
    icons = [{"src": url_for("static", filename=f"img/icon-{size}.png"),
              "sizes": f"{size}x{size}", "type": "image/png", "purpose": "any maskable"}
             for size in (192, 512)]
    body = {
        "name": "Asuh — Bapak/Bunda Asuh Anak Stunting",
        "short_name": "Asuh",
        "lang": "id",
        "start_url": url_for("app_shell.start"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1e6f5c",
        "icons": icons,
    }
    response = Response(json.dumps(body, ensure_ascii=False),
                        mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/app")
@public
def start():
    """The installed app's start page: each role's own landing (home.index decides)."""
    return redirect(url_for("home.index"))


@bp.route("/sw.js")
@public
def service_worker():
    """static/js/sw.js with this release's shell list in front: served from the root so
    its scope is the whole site, and never cached (a new release must reach phones)."""
    source = (current_app.static_folder + "/js/sw.js")
    with open(source, encoding="utf-8") as handle:
        script = handle.read()
    outbox = url_for("static", filename="js/outbox.js")
    settings = {"shell": shell_urls(), "outbox": outbox, "maxAgeDays": CACHE_DAYS,
                "start": url_for("app_shell.start"),
                "version": hashlib.sha256(json.dumps(shell_urls()).encode()).hexdigest()[:12]}
    response = Response(f"self.ASUH = {json.dumps(settings)};\n{script}",
                        mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.route("/app/csrf")
@requires(Permission.SIGNED_IN)
def csrf_token():
    """A fresh form token for the outbox: a delivery saved on the phone hours ago carries
    an expired one, and resending it must not fail for that."""
    return jsonify(csrf_token=generate_csrf(), user=cache_key(current_user))
