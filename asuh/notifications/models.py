"""The outbox of outgoing mail, and who switched which notification off.

A message is written to the outbox in the same transaction as the event it tells of (an
approval, a rejected delivery), so it exists exactly when the event does; workers send
it later and keep trying while the mail server is down. The row is also the record of
what was sent to whom and when; the application log only ever names its id and kind.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from asuh.checks import not_negative, one_of
from asuh.extensions import db
from asuh.timeutil import utcnow

QUEUED, SENT, FAILED, SKIPPED = "queued", "sent", "failed", "skipped"
MAIL_STATUS_LABELS = {
    QUEUED: "Menunggu dikirim",
    SENT: "Terkirim",
    FAILED: "Gagal",
    SKIPPED: "Tidak dikirim (server email belum diatur)",
}


class OutgoingMail(db.Model):
    __tablename__ = "outgoing_mail"
    __table_args__ = (one_of("status", MAIL_STATUS_LABELS), not_negative("attempts"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # One message per (kind, user, day/month/event): the daily command can run twice.
    dedupe_key: Mapped[str | None] = mapped_column(String(160), unique=True)
    status: Mapped[str] = mapped_column(String(10), default=QUEUED, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # A worker sending it holds it until then; another worker leaves it alone meanwhile.
    claimed_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    # The SMTP reply code and class only, never an address.
    last_error: Mapped[str | None] = mapped_column(String(300))


class NotificationPreference(db.Model):
    """A notification a user switched off (or on again). No row: it is on."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    enabled: Mapped[bool] = mapped_column(default=True)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
