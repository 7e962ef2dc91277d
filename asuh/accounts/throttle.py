"""Login throttling shared by the sign-in page and the API token endpoint.

Two limits, both through Flask-Limiter: failed attempts per email (the rule people see:
five wrong passwords lock that email for a while) and attempts per client address, so a
password sprayer cannot make the server spend ~150 ms of scrypt per guess without end.
"""

from flask import current_app, g, request

from asuh.extensions import limiter


def _email_key() -> str:
    if request.is_json:
        payload = request.get_json(silent=True)
        email = payload.get("email", "") if isinstance(payload, dict) else ""
    else:
        email = request.form.get("email", "")
    return "login-email:" + str(email).strip().lower()


def note_failure() -> None:
    """Tell the limiter that this request was a failed sign-in."""
    g.login_failed = True


def _failed(_response) -> bool:
    return bool(g.get("login_failed"))


def throttled(view):
    """Apply both login limits to a view that handles POSTed credentials."""
    view = limiter.limit(
        lambda: current_app.config["LOGIN_FAILURE_LIMIT"],
        key_func=_email_key,
        methods=["POST"],
        deduct_when=_failed,
    )(view)
    return limiter.limit(
        lambda: current_app.config["LOGIN_ATTEMPT_LIMIT"],
        methods=["POST"],
    )(view)
