"""API sign-in (tokens) and the caller's own identity."""

from flask import jsonify
from flask_login import current_user

from asuh.accounts import services
from asuh.accounts.throttle import note_failure, throttled
from asuh.api import bp
from asuh.api.helpers import iso, json_body, require_fields
from asuh.extensions import db
from asuh.permissions import Permission, public, requires


def user_json(user) -> dict:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "active": user.active,
    }


@bp.route("/tokens", methods=["POST"])
@public
@throttled
def create_token():
    payload = json_body()
    require_fields(payload, "email", "password")
    user = services.authenticate(str(payload["email"]), str(payload["password"]))
    if user is None:
        db.session.commit()
        note_failure()
        return jsonify(error="invalid_credentials",
                       message="Email atau kata sandi salah, atau akun tidak aktif."), 401
    token, session = services.open_session(user, "api")
    db.session.commit()
    return jsonify(token=token, expires_at=iso(session.expires_at) + "Z"), 201


@bp.route("/me")
@requires(Permission.SIGNED_IN)
def me():
    return jsonify(user_json(current_user))
