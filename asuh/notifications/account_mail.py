"""Mail about one's account (password reset, a registration with one's email): the hooks
the accounts area calls inside its use cases. These are not switchable: they answer an
act, and the person needs them to get back in."""

from flask import current_app

from asuh import timeutil
from asuh.notifications import texts
from asuh.notifications.outbox import queue_mail

PASSWORD_RESET = "password_reset"
REGISTRATION_ATTEMPT = "registration_attempt"


def mail_configured() -> bool:
    """Whether emailed links can reach anyone (``ASUH_SMTP_URL`` set)."""
    return bool(current_app.config.get("SMTP_URL"))


def password_reset_mail(user, reset_url: str, *, valid_hours: int = 1) -> bool:
    """Queue the reset link for ``user`` in the caller's transaction; False if the
    account cannot receive it (inactive)."""
    return queue_mail(user, PASSWORD_RESET, texts.password_reset(reset_url, valid_hours)) \
        is not None


def known_owner_mail(user, *, login_url: str, reset_url: str) -> bool:
    """Tell the owner of an email someone tried to register with (registration answers
    the same either way; the owner learns of it here)."""
    # One a day at most: someone registering again and again must not flood the inbox.
    key = f"{REGISTRATION_ATTEMPT}:{user.id}:{timeutil.today().isoformat()}"
    return queue_mail(user, REGISTRATION_ATTEMPT, texts.registration_attempt(
        login_url, reset_url), dedupe_key=key) is not None
