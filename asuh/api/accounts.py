"""API sign-in (tokens) and the caller's own identity."""

from flask import jsonify
from flask_login import current_user

from asuh.accounts import services
from asuh.accounts.throttle import note_failure, throttled
from asuh.api.core import bp, refusals
from asuh.api.fields import Flag, Id, Schema, Text, filled, one_of
from asuh.api.moments import Moment
from asuh.permissions import Permission, Role, public, requires


class CredentialsSchema(Schema):
    email = filled()
    password = filled()


class TokenSchema(Schema):
    token = Text(required=True)
    expires_at = Moment(required=True)


class UserSchema(Schema):
    id = Id()
    email = Text(metadata={"format": "email"})
    name = Text()
    role = one_of([r.value for r in Role])
    active = Flag()


@bp.route("/tokens", methods=["POST"])
@public
@throttled
@bp.doc(summary="Exchange email and password for a bearer token", security=[])
@bp.arguments(CredentialsSchema)
@bp.response(201, TokenSchema, description="Token issued")
@refusals(401, 429)
def create_token(credentials):
    user = services.authenticate(credentials["email"], credentials["password"])
    if user is None:
        note_failure()
        return jsonify(error="invalid_credentials",
                       message="Email atau kata sandi salah, atau akun tidak aktif."), 401
    token, session = services.open_session(user, "api")
    return {"token": token, "expires_at": session.expires_at}


@bp.route("/me")
@requires(Permission.SIGNED_IN)
@bp.doc(summary="The caller's account and role")
@bp.response(200, UserSchema, description="The caller")
@refusals(401)
def me():
    return current_user
