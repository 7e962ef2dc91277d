"""Queueing mail with the event, and delivering it later from a worker.

``queue_mail`` joins the caller's transaction: the message is stored exactly when the
event is. ``deliver_due`` (a tick of every job worker) sends what is due, each message
in its own short transaction; a message the server did not take is tried again later,
waiting twice as long each time (1 minute … 6 hours), and given up only after
``MAX_ATTEMPTS`` (about two days of trying), so a mail server that is down for a night
delays mail and loses none.
"""

import logging
import smtplib
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from asuh.accounts.models import User
from asuh.extensions import db
from asuh.notifications import preferences
from asuh.notifications.mailer import MailServer
from asuh.notifications.models import FAILED, QUEUED, SENT, SKIPPED, OutgoingMail
from asuh.notifications.texts import Message
from asuh.timeutil import utcnow
from asuh.transactions import end_read, use_case

log = logging.getLogger("asuh.notifications")
MAX_ATTEMPTS = 16
FIRST_RETRY_SECONDS = 60
LONGEST_WAIT_SECONDS = 6 * 3600
BATCH = 50
CLAIM_SECONDS = 300


def retry_delay(attempts: int) -> timedelta:
    """The wait before the next try after ``attempts`` failed ones (1 min, 2, 4 … 6 h)."""
    return timedelta(seconds=min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0),
                                 LONGEST_WAIT_SECONDS))


def queue_mail(user: User | None, kind: str, message: Message, *,
               dedupe_key: str | None = None) -> OutgoingMail | None:
    """Store a message for ``user`` in the current transaction; None when the user has
    switched this kind off, cannot receive mail, or already has it (``dedupe_key``)."""
    if user is None or not user.active or not user.email:
        return None
    if not preferences.wanted(user.id, kind):
        return None
    if dedupe_key is not None and db.session.scalar(
            select(OutgoingMail.id).where(OutgoingMail.dedupe_key == dedupe_key)):
        return None
    config = current_app.config
    mail = OutgoingMail(
        user_id=user.id, kind=kind, to_address=user.email, subject=message.subject,
        body=message.email(user.name, config["OFFICE_NAME"], preferences.settings_url()),
        dedupe_key=dedupe_key, status=QUEUED, next_attempt_at=utcnow())
    db.session.add(mail)
    db.session.flush()
    return mail


def withdraw_mail(dedupe_key: str) -> bool:
    """A message still waiting that no longer holds (a confirmation undone) is not sent:
    marked skipped, and its key freed so a later decision of the same kind is told."""
    withdrawn = db.session.execute(
        update(OutgoingMail).where(OutgoingMail.dedupe_key == dedupe_key,
                                   OutgoingMail.status == QUEUED)
        .values(status=SKIPPED, dedupe_key=None))
    return withdrawn.rowcount > 0


def _due_ids() -> list[int]:
    now = utcnow()
    ids = list(db.session.scalars(
        select(OutgoingMail.id).where(
            OutgoingMail.status == QUEUED, OutgoingMail.next_attempt_at <= now,
            or_(OutgoingMail.claimed_until.is_(None), OutgoingMail.claimed_until < now))
        .order_by(OutgoingMail.next_attempt_at, OutgoingMail.id).limit(BATCH)))
    end_read()
    return ids


@use_case
def _claim(mail_id: int) -> OutgoingMail | None:
    now = utcnow()
    taken = db.session.execute(
        update(OutgoingMail).where(
            OutgoingMail.id == mail_id, OutgoingMail.status == QUEUED,
            or_(OutgoingMail.claimed_until.is_(None), OutgoingMail.claimed_until < now))
        .values(claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
        .execution_options(synchronize_session=False)).rowcount
    if taken != 1:
        return None
    mail = db.session.get(OutgoingMail, mail_id, populate_existing=True)
    db.session.expunge(mail)
    return mail


@use_case
def _settle(mail_id: int, status: str, *, error: str | None = None,
            count_attempt: bool = True) -> None:
    mail = db.session.get(OutgoingMail, mail_id, populate_existing=True)
    now = utcnow()
    if count_attempt:
        mail.attempts += 1
    mail.claimed_until = None
    mail.last_error = error[:300] if error else None
    if status == SENT:
        mail.status, mail.sent_at = SENT, now
    elif status == SKIPPED:
        mail.status = SKIPPED
    elif mail.attempts >= MAX_ATTEMPTS:
        mail.status = FAILED
    else:
        mail.next_attempt_at = now + retry_delay(mail.attempts)


def _error_text(error: Exception) -> str:
    # The reply code and exception class: an SMTP reply may quote the address, so its
    # text is not kept.
    code = getattr(error, "smtp_code", None)
    return f"{type(error).__name__}" + (f" {code}" if code else "")


def deliver_due() -> int:
    """Send what is due; how many were delivered. A tick of every job worker."""
    ids = _due_ids()
    if not ids:
        return 0
    config = current_app.config
    if not config.get("SMTP_URL"):
        for mail_id in ids:
            _settle(mail_id, SKIPPED, error="ASUH_SMTP_URL belum diatur", count_attempt=False)
        log.warning("ASUH_SMTP_URL is not set: %d notification email(s) not sent "
                    "(recorded as skipped)", len(ids))
        return 0
    sender = config.get("MAIL_FROM") or config["OFFICE_EMAIL"]
    sent = 0
    try:
        with MailServer(config["SMTP_URL"]) as server:
            for mail_id in ids:
                mail = _claim(mail_id)
                if mail is None:
                    continue
                try:
                    server.send(sender=sender, sender_name=config["OFFICE_SHORT_NAME"],
                                to=mail.to_address, subject=mail.subject, body=mail.body)
                except smtplib.SMTPRecipientsRefused as error:
                    _settle(mail_id, QUEUED, error=_error_text(error))
                    log.warning("mail %s (%s, user %s) refused: %s", mail_id, mail.kind,
                                mail.user_id, _error_text(error))
                    continue
                _settle(mail_id, SENT)
                sent += 1
                log.info("mail %s (%s) sent to user %s", mail_id, mail.kind, mail.user_id)
    except (OSError, smtplib.SMTPException) as error:
        # The server is down or hung up: whatever was not sent waits for its next try.
        _defer_unsent(ids, _error_text(error))
        log.warning("mail server unreachable (%s): %d message(s) wait for the next try",
                    _error_text(error), len(ids) - sent)
    return sent


def _defer_unsent(ids: list[int], error: str) -> None:
    for mail_id in ids:
        mail = db.session.get(OutgoingMail, mail_id, populate_existing=True)
        end_read()
        if mail is not None and mail.status == QUEUED:
            _settle(mail_id, QUEUED, error=error)
