"""A match: one sponsor committed to one child for a period."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from asuh.accounts.models import User
from asuh.checks import one_of
from asuh.children.models import Child
from asuh.extensions import db
from asuh.sponsors.models import Sponsor
from asuh.timeutil import utcnow

END_REASONS = {
    "child_graduated": "Anak lulus (tidak stunting lagi)",
    "moved": "Anak pindah",
    "sponsor_withdrew": "Bapak/Bunda Asuh mengundurkan diri",
    "period_over": "Masa komitmen selesai",
    "other": "Lainnya",
}


class Match(db.Model):
    __tablename__ = "matches"
    __table_args__ = (
        # The database itself guarantees a child has at most one active match, so two
        # officers matching the same child at the same moment cannot both succeed.
        Index(
            "uq_matches_active_child", "child_id", unique=True,
            sqlite_where=text("ended_on IS NULL"),
            postgresql_where=text("ended_on IS NULL"),
        ),
        one_of("end_reason", END_REASONS),
        # A match is active (no end) or ended with a reason: never one without the other.
        CheckConstraint("(ended_on IS NULL) = (end_reason IS NULL)", name="ended"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sponsor_id: Mapped[int] = mapped_column(ForeignKey("sponsors.id"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    start_on: Mapped[date]
    planned_end_on: Mapped[date]
    note: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_on: Mapped[date | None] = mapped_column(index=True)
    end_reason: Mapped[str | None] = mapped_column(String(20))
    end_note: Mapped[str | None] = mapped_column(String(500))
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    sponsor: Mapped[Sponsor] = relationship(lazy="raise")
    child: Mapped[Child] = relationship(lazy="raise")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id], lazy="raise")
    ended_by: Mapped[User | None] = relationship(foreign_keys=[ended_by_id], lazy="raise")

    @property
    def is_active(self) -> bool:
        return self.ended_on is None

    @property
    def end_reason_label(self) -> str:
        return END_REASONS.get(self.end_reason or "", "")
