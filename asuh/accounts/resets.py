"""A way back in: password reset links, issued by an officer or admin (or, once outgoing
mail exists, sent to the owner), that set a new password and open a locked account.

The link is a one-time link of ``asuh.accounts.links`` (the sponsor invitation's kind):
bound to the current password hash, so it dies once used, and kept short-lived.
"""

from blinker import Namespace

from asuh.accounts import services
from asuh.accounts.links import OneTimeLink
from asuh.accounts.models import User
from asuh.accounts.passwords import check_password_policy
from asuh.accounts.throttle import clear_failures
from asuh.audit import services as audit
from asuh.errors import NotPermitted, ValidationFailed
from asuh.permissions import Permission, Role, has_permission
from asuh.timeutil import utcnow
from asuh.transactions import use_case

DEAD_LINK = ("Tautan atur ulang kata sandi ini tidak berlaku lagi (sudah dipakai, atau "
             "kedaluwarsa). Minta petugas membuat tautan baru, atau buka “Lupa kata sandi”.")

LINK = OneTimeLink("password-reset", "PASSWORD_RESET_HOURS", DEAD_LINK)

# Sent with (user, token=...) when the owner of an active account asks for a reset link by
# email; the notifications area mails it (accounts must not depend on how mail is sent).
reset_link_requested = Namespace().signal("password-reset-link-requested")


def may_issue_reset(actor, user: User) -> bool:
    """Admins for every account; officers (who register sponsors) for sponsor accounts."""
    if actor is None or user is None or actor.id == user.id:
        return False
    if has_permission(actor, Permission.MANAGE_USERS):
        return True
    return user.role == Role.SPONSOR and has_permission(actor, Permission.EDIT_SPONSORS)


def make_reset_token(user: User) -> str:
    """A reset token for ``user`` (the link is ``url_for('accounts.reset_password',
    token=...)``). For callers that deliver it to the owner themselves, e.g. the reset
    email; no check of who asks, no audit record: see ``issue_reset_link`` for that."""
    return LINK.make(user)


@use_case
def issue_reset_link(user: User, *, actor) -> str:
    """An officer or admin makes a reset token for ``user``'s owner, to pass on."""
    if user is None:
        raise ValidationFailed({"reset": ["Belum ada akun untuk dibuatkan tautan."]})
    if not may_issue_reset(actor, user):
        raise NotPermitted("Anda tidak dapat membuat tautan atur ulang kata sandi untuk akun ini.")
    if not user.active:
        raise ValidationFailed({"reset": ["Akun ini nonaktif; aktifkan dahulu."]}, status=409)
    audit.record("issue_password_reset", "user", user.id, user=actor,
                 summary=f"Tautan atur ulang kata sandi untuk {user.email}")
    return make_reset_token(user)


def user_for_reset_token(token: str) -> User:
    return LINK.user_for(token)


@use_case
def reset_password(token: str, password: str) -> User:
    """Set the new password from a live link: the link dies with the old hash, every
    session and API token of the account ends, and its sign-in lockout is lifted."""
    user = user_for_reset_token(token)
    check_password_policy(password, user_inputs=(user.email, user.name))
    user.password_hash = services.hash_password(password)
    user.password_changed_at = utcnow()
    services.revoke_all_sessions(user)
    clear_failures(user.email)
    audit.record("reset_password", "user", user.id, user=user,
                 summary=f"{user.email} mengatur ulang kata sandi lewat tautan")
    return user


@use_case
def request_password_reset_email(email: str) -> None:
    """"Lupa kata sandi": the owner of ``email`` asks for a reset link by email.

    An active account with this email gets a link through ``reset_link_requested`` (the
    notifications area queues the mail in this transaction; without outgoing mail it is
    recorded as not sent). The page answers the same whether or not the email has an
    account, and nothing personal is recorded: the typed email is an anonymous client's.
    """
    user = services.find_user_by_email(email)
    if user is not None and user.active:
        reset_link_requested.send(user, token=make_reset_token(user))
