"""Invitations: how a sponsor registered by an officer sets their first password.

There is no mail server, so the officer passes a link on (WhatsApp): a one-time link of
``asuh.accounts.links`` (also the password reset's), bound to the account's password hash.
Until it is used the hash is an unusable marker, so a link replaced by a newer one (which
draws a new marker) no longer works either.
"""

import secrets

from asuh.accounts import services as accounts
from asuh.accounts.links import OneTimeLink
from asuh.accounts.models import User
from asuh.accounts.passwords import check_password_policy
from asuh.audit import services as audit
from asuh.errors import ValidationFailed
from asuh.permissions import Role
from asuh.timeutil import utcnow
from asuh.transactions import use_case

# Werkzeug refuses any hash without "$" separators, so no password can ever match this;
# the marker also tells us the invitation has not been used yet (as Django's "!" does).
UNUSABLE_PREFIX = "!"

DEAD_LINK = ("Tautan undangan ini tidak berlaku lagi (sudah dipakai, sudah diganti, atau "
             "kedaluwarsa). Minta petugas membuat tautan baru.")

LINK = OneTimeLink("sponsor-invitation", "SPONSOR_INVITATION_HOURS", DEAD_LINK,
                   accepts=lambda user: user.role == Role.SPONSOR)


def unusable_password_hash() -> str:
    return UNUSABLE_PREFIX + secrets.token_hex(32)


def is_pending(user: User | None) -> bool:
    """True while the account still waits for its owner to set a password."""
    return user is not None and user.password_hash.startswith(UNUSABLE_PREFIX)


def lifetime_hours() -> int:
    return LINK.lifetime_hours()


def make_token(user: User) -> str:
    return LINK.make(user)


def user_for_token(token: str) -> User:
    """The account this live link is for; refuses dead, used or forged links."""
    return LINK.user_for(token)


@use_case
def accept(token: str, password: str) -> User:
    """Set the invited sponsor's password; the link dies with the old hash."""
    user = user_for_token(token)
    check_password_policy(password, user_inputs=(user.email, user.name))
    user.password_hash = accounts.hash_password(password)
    user.password_changed_at = utcnow()
    audit.record("accept_invitation", "user", user.id, user=user,
                 summary=f"{user.email} mengatur kata sandi lewat tautan undangan")
    return user


def reissue(user: User | None, *, actor) -> str:
    """A fresh link for an account still waiting for its password; older links die.

    Refused once the sponsor has a password: a new link would let whoever holds it
    take the account over (a forgotten password is reset instead: accounts.resets).
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
