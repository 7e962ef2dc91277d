"""Users and their login sessions (browser cookies and API tokens alike)."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from asuh.checks import one_of
from asuh.extensions import db
from asuh.permissions import ROLE_LABELS, Role
from asuh.timeutil import utcnow


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (one_of("role", Role),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    deactivated_at: Mapped[datetime | None]
    deactivation_reason: Mapped[str | None] = mapped_column(String(500))
    # The province or kabupaten/kota this account works in (asuh.regions.scopes); None:
    # the whole installation (an installation admin) or no region at all (a sponsor).
    scope_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))

    sessions: Mapped[list["LoginSession"]] = relationship(back_populates="user", lazy="raise")

    # The login session this request was authenticated by; Flask-Login stores it in the
    # cookie instead of the user id, so revoking the session invalidates the cookie.
    current_session_token = None

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[Role(self.role)]

    def get_id(self) -> str | None:
        return self.current_session_token

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class LoginSession(db.Model):
    """One sign-in: a browser session (``web``) or an API token (``api``).

    Only a SHA-256 of the secret is stored, so a database leak does not hand out logins.
    """

    __tablename__ = "login_sessions"
    __table_args__ = (one_of("kind", ("web", "api")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    # What the owner called an API token when asking for it, and when it was last used
    # (to within minutes): how the owner tells their tokens apart on the profile page.
    label: Mapped[str | None] = mapped_column(String(80))
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="sessions", lazy="joined")


class LoginFailure(db.Model):
    """One failed sign-in, counted by ``asuh.accounts.throttle`` (the default store).

    Holds no typed text: the account (the email as typed, normalised) and the client
    address are keyed hashes, enough to count attempts and never enough to read them.
    Rows are counters, not records (the audit trail keeps the record of each failure):
    they are pruned once older than the longest window and cleared by a password reset.
    """

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_account_at", "account_key", "failed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_key: Mapped[str] = mapped_column(String(64))
    client_key: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime]
