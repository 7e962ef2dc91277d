"""API sign-in (tokens) and the caller's own identity."""

from flask import jsonify
from flask_login import current_user
from marshmallow import validate

from asuh.accounts import services
from asuh.accounts.throttle import SignInLocked, throttled
from asuh.api.core import bp, refusals
from asuh.api.fields import Flag, Id, Schema, Text, filled, one_of
from asuh.api.moments import Moment
from asuh.permissions import Permission, Role, public, requires


class CredentialsSchema(Schema):
    email = filled()
    password = filled()
    label = Text(load_default=None, validate=validate.Length(max=80),
                 metadata={"description": "What the token is for (shown on the owner's "
                                          "profile page, where it can be revoked)"})


class TokenSchema(Schema):
    token = Text(required=True)
    expires_at = Moment(required=True)


class UserSchema(Schema):
    id = Id()
    email = Text(metadata={"format": "email"})
    name = Text()
    role = one_of([r.value for r in Role])
    active = Flag()
    # Issue 15 (an addition): the province or kabupaten/kota code the account works in;
    # null for the whole installation or a sponsor.
    scope_code = Text(allow_none=True, metadata={"example": "19.71"})


@bp.route("/tokens", methods=["POST"])
@public
@throttled
@bp.doc(summary="Exchange email and password for a bearer token", security=[])
@bp.arguments(CredentialsSchema)
@bp.response(201, TokenSchema, description="Token issued")
@refusals(401, 429)
def create_token(credentials):
    """Failed sign-ins share one budget with the sign-in page (per account and client,
    and per account): once spent, 429 until the time the message names."""
    try:
        user = services.authenticate(credentials["email"], credentials["password"])
    except SignInLocked as locked:
        response = jsonify(error="too_many_failures", message=str(locked))
        response.status_code = 429
        return response
    if user is None:
        return jsonify(error="invalid_credentials",
                       message="Email atau kata sandi salah, atau akun tidak aktif."), 401
    token, session = services.open_session(user, "api", label=credentials.get("label"))
    return {"token": token, "expires_at": session.expires_at}


@bp.route("/tokens/current", methods=["DELETE"])
@requires(Permission.SIGNED_IN)
@bp.doc(summary="Revoke the bearer token this request carries")
@bp.response(204, description="Revoked; the token answers 401 from now on")
@refusals(401)
def revoke_current_token():
    services.revoke_token(current_user._get_current_object())
    return ""


@bp.route("/me")
@requires(Permission.SIGNED_IN)
@bp.doc(summary="The caller's account and role")
@bp.response(200, UserSchema, description="The caller")
@refusals(401)
def me():
    return current_user
