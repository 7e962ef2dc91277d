"""Invitations: how a sponsor registered by an officer sets their first password.

There is no mail server, so the officer passes a link on (WhatsApp). The link is signed
(itsdangerous) over the user id and a fingerprint of the current password hash: setting a
password changes the hash, so a used link, or one replaced by a newer one, no longer works.
"""

import hashlib
import secrets

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from asuh.accounts import services as accounts
from asuh.accounts.models import User
from asuh.audit import services as audit
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.permissions import Role
from asuh.timeutil import utcnow
from asuh.transactions import use_case

_SALT = "sponsor-invitation"
# Werkzeug refuses any hash without "$" separators, so no password can ever match this;
# the marker also tells us the invitation has not been used yet (as Django's "!" does).
UNUSABLE_PREFIX = "!"

DEAD_LINK = ("Tautan undangan ini tidak berlaku lagi (sudah dipakai, sudah diganti, atau "
             "kedaluwarsa). Minta petugas membuat tautan baru.")


def unusable_password_hash() -> str:
    return UNUSABLE_PREFIX + secrets.token_hex(32)


def is_pending(user: User | None) -> bool:
    """True while the account still waits for its owner to set a password."""
    return user is not None and user.password_hash.startswith(UNUSABLE_PREFIX)


def lifetime_hours() -> int:
    return int(current_app.config["SPONSOR_INVITATION_HOURS"])


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def make_token(user: User) -> str:
    return _serializer().dumps([user.id, _fingerprint(user)])


def user_for_token(token: str) -> User:
    """The account this live link is for; refuses dead, used or forged links."""
    try:
        user_id, fingerprint = _serializer().loads(token, max_age=lifetime_hours() * 3600)
    except SignatureExpired as exc:
        raise ValidationFailed({"token": [DEAD_LINK]}, status=410) from exc
    except (BadSignature, ValueError, TypeError) as exc:
        raise ValidationFailed({"token": [DEAD_LINK]}, status=404) from exc
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if (user is None or not user.active or user.role != Role.SPONSOR
            or not secrets.compare_digest(str(fingerprint), _fingerprint(user))):
        raise ValidationFailed({"token": [DEAD_LINK]}, status=410)
    return user


@use_case
def accept(token: str, password: str) -> User:
    """Set the invited sponsor's password; the link dies with the old hash."""
    user = user_for_token(token)
    accounts.check_password_strength(password)
    user.password_hash = accounts.hash_password(password)
    user.password_changed_at = utcnow()
    audit.record("accept_invitation", "user", user.id, user=user,
                 summary=f"{user.email} mengatur kata sandi lewat tautan undangan")
    return user


def reissue(user: User | None, *, actor) -> str:
    """A fresh link for an account still waiting for its password; older links die.

    Refused once the sponsor has a password: a new link would let whoever holds it
    take the account over.
    """
    if user is None:
        raise ValidationFailed({"invitation": ["Bapak/Bunda Asuh ini belum memiliki akun."]})
    if not is_pending(user):
        raise ValidationFailed(
            {"invitation": ["Akun ini sudah memiliki kata sandi; tautan undangan tidak "
                            "diperlukan lagi."]}, status=409)
    user.password_hash = unusable_password_hash()
    audit.record("reissue_invitation", "user", user.id, user=actor,
                 summary=f"Tautan undangan baru untuk {user.email}")
    return make_token(user)
