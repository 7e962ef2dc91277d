"""``GET /healthz``: may the load balancer send this app server requests?

It answers 200 ``{"status": "ok", "checks": {…}}`` when the server reaches everything a
request needs, else 503 naming each check that failed (the kind of error only: no
address, password, personal data or stack trace). Checked, each as cheaply as it can be:

- ``database``: ``SELECT 1`` (a read: never the write lock);
- ``redis``: ``PING``, when ``ASUH_REDIS_URL`` is set (rate limits, sign-in throttle and
  jobs share their counts and queue there);
- ``storage``: the file store can take a file (``asuh.storage.probe``: the local folder
  is written and the probe removed; the database store's table answers, nothing written);
- ``audit_key``: the newest audit record is sealed with this server's audit key. A server
  started without the shared ``ASUH_AUDIT_KEY`` makes a key of its own in its instance
  folder, and every record it then wrote would break ``audit verify`` for the others.

Open to anyone (no sign-in, nothing personal in it), never rate-limited or audited, and
it sets no session cookie: it runs every few seconds from every balancer.
"""

import hmac

from flask import Flask, current_app, jsonify
from sqlalchemy import select, text

from asuh import storage
from asuh.extensions import csrf, db, limiter
from asuh.permissions import public
from asuh.transactions import end_read

REDIS_TIMEOUT_S = 2.0
NOT_CONFIGURED = "not configured"


def _failed(error: BaseException) -> str:
    # The class name says what kind of failure; the message could name hosts or users.
    cause = getattr(error, "orig", None) or error
    return f"failed ({type(cause).__name__})"


def _database() -> str:
    db.session.execute(text("SELECT 1")).scalar()
    return "ok"


def _redis() -> str:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return NOT_CONFIGURED
    from redis import Redis

    client = Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT_S,
                            socket_timeout=REDIS_TIMEOUT_S)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def _storage() -> str:
    try:
        storage.probe()
    except storage.StorageUnavailable as error:
        return f"failed ({error})"
    return "ok"


def _audit_key() -> str:
    from asuh.audit.chain import keyed_digest, legacy_digest
    from asuh.audit.models import AuditHead, AuditRecord

    newest = db.session.scalar(select(AuditRecord).join(
        AuditHead, AuditHead.last_seq == AuditRecord.id))
    if newest is None:
        return "ok"  # nothing sealed yet
    if hmac.compare_digest(keyed_digest(newest), newest.hash) or \
            hmac.compare_digest(legacy_digest(newest), newest.hash):
        return "ok"
    return "failed (the newest audit record is sealed with another key: set ASUH_AUDIT_KEY)"


def _run(check) -> str:
    try:
        return check()
    except Exception as error:  # any failure is an answer here, never a 500
        current_app.logger.warning("healthz: %s check failed: %r", check.__name__[1:], error)
        end_read()
        return _failed(error)


@csrf.exempt
@limiter.exempt
@public
def healthz():
    checks = {"database": _run(_database)}
    checks["redis"] = _run(_redis)
    checks["storage"] = _run(_storage)
    checks["audit_key"] = (_run(_audit_key) if checks["database"] == "ok"
                           else "skipped (no database)")
    end_read()
    healthy = all(value in ("ok", NOT_CONFIGURED) for value in checks.values())
    response = jsonify({"status": "ok" if healthy else "fail", "checks": checks})
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def register(app: Flask) -> None:
    app.add_url_rule("/healthz", "healthz", healthz, methods=["GET"])
