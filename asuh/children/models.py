"""Stunted children in the registry and their growth measurements."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from asuh.accounts.models import User
from asuh.checks import not_negative, one_of, positive
from asuh.children.growth import (
    SEX_LABELS,
    WASTING_CATEGORY_LABELS,
    WEIGHT_CATEGORY_LABELS,
)
from asuh.extensions import db
from asuh.regions.models import Region
from asuh.timeutil import utcnow

CHILD_STATUSES = {
    "active": "Aktif",
    "graduated": "Lulus (tidak stunting lagi)",
    "moved": "Pindah",
    "deceased": "Meninggal",
    "withdrawn": "Keluar dari program",
    # 60 months old: no longer a balita (services.age_out_children).
    "aged_out": "Lulus usia balita (60 bulan)",
}
# Whose NIK a child's record carries. Posyandu files register children before they have
# one and siblings under their mother's; only an own NIK identifies one child.
NIK_STATUSES = {
    "own": "NIK anak",
    "parent": "NIK orang tua",
    "not_own": "NIK bukan milik anak",
    "missing": "NIK belum ada",
}
HEIGHT_CATEGORIES = {
    "severely_stunted": "Sangat pendek",
    "stunted": "Pendek",
    "normal": "Normal",
    "tall": "Tinggi",
}


class Child(db.Model):
    __tablename__ = "children"
    __table_args__ = (
        one_of("sex", SEX_LABELS),
        one_of("status", CHILD_STATUSES),
        one_of("latest_category", HEIGHT_CATEGORIES),
        one_of("nik_status", NIK_STATUSES),
        CheckConstraint("(nik IS NULL) = (nik_status = 'missing')", name="nik_missing"),
        # Siblings may share a parent's NIK; a child's own NIK is one child's only.
        Index("uq_children_own_nik", "nik", unique=True,
              sqlite_where=text("nik_status = 'own'"),
              postgresql_where=text("nik_status = 'own'")),
        # The registry list's order with every column its filters test (issue 16:
        # listing.py reads a page's ids from this index alone; migration 0017).
        Index("ix_children_list", "status", "name", "id",
              postgresql_include=["kelurahan_code", "latest_category", "needs_remeasure",
                                  "is_matched", "birth_date"]),
        # Imports look for children without a NIK by birth date; they are few.
        Index("ix_children_without_nik", "birth_date",
              sqlite_where=text("nik_status = 'missing'"),
              postgresql_where=text("nik_status = 'missing'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    nik: Mapped[str | None] = mapped_column(String(16), index=True)
    nik_status: Mapped[str] = mapped_column(String(8), default="own", server_default="own")
    name: Mapped[str] = mapped_column(String(120), index=True)
    sex: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[date] = mapped_column(index=True)
    guardian_name: Mapped[str] = mapped_column(String(120))
    guardian_phone: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(300))
    kelurahan_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    posyandu: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(12), default="active", index=True)
    status_reason: Mapped[str | None] = mapped_column(String(500))
    status_changed_at: Mapped[datetime | None]
    # NIK/birth-date/sex disagreements the officer looked at and confirmed.
    nik_warnings: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The newest measurement's figures, kept by the measurement service so that lists and
    # the dashboard filter by category without scanning every measurement.
    latest_measured_on: Mapped[date | None]
    latest_haz: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    # The category is that of the latest PLAUSIBLE measurement with a height (rules.py):
    # a weight-only weighing or a flagged measurement does not change it.
    latest_category: Mapped[str | None] = mapped_column(String(20), index=True)
    # The newest measurement (or newest height) is beyond WHO's plausibility limits: shown
    # "perlu diukur ulang", and left out of the stunting figures and matching until a
    # plausible measurement comes, as WHO leaves flagged values out of prevalence.
    needs_remeasure: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Kept by the matching services (a higher area writes it; this one only reads it).
    is_matched: Mapped[bool] = mapped_column(default=False, index=True)

    kelurahan: Mapped[Region] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship(lazy="raise")
    measurements: Mapped[list["Measurement"]] = relationship(
        back_populates="child", lazy="raise", order_by="Measurement.measured_on"
    )

    @property
    def registry_number(self) -> str:
        # The child's own number in this registry, whatever its NIK: a child without one,
        # or under a parent's, is still told apart by it.
        return f"A-{self.id:06d}" if self.id else ""

    @property
    def nik_status_label(self) -> str:
        return NIK_STATUSES[self.nik_status]

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name else ""

    @property
    def status_label(self) -> str:
        return CHILD_STATUSES[self.status]

    @property
    def category_label(self) -> str:
        return HEIGHT_CATEGORIES.get(self.latest_category or "", "Belum diukur")


REMEASURE_LABEL = "Perlu diukur ulang"


class Measurement(db.Model):
    __tablename__ = "measurements"
    __table_args__ = (
        # One live measurement per child per day: re-imports match on it.
        Index(
            "uq_measurements_child_day", "child_id", "measured_on", unique=True,
            sqlite_where=text("voided_at IS NULL"),
            postgresql_where=text("voided_at IS NULL"),
        ),
        positive("height_cm"),
        positive("weight_kg"),
        positive("height_adjusted_cm"),
        # Day 0 is a newborn measured on the day of birth.
        not_negative("age_days"),
        # A weight-only weighing has none of the three; a measurement with a height all.
        CheckConstraint("(height_cm IS NULL) = (height_adjusted_cm IS NULL) "
                        "AND (height_cm IS NULL) = (position IS NULL)", name="height_given"),
        one_of("position", ("lying", "standing")),
        one_of("category", HEIGHT_CATEGORIES),
        one_of("weight_category", WEIGHT_CATEGORY_LABELS),
        one_of("wasting_category", WASTING_CATEGORY_LABELS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    measured_on: Mapped[date]
    # None for a weight-only weighing (then position and height_adjusted_cm are None too).
    height_cm: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    weight_kg: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    position: Mapped[str | None] = mapped_column(String(8))  # "lying" | "standing"
    measured_by: Mapped[str | None] = mapped_column(String(120))
    # The form's one-time token (issue 13): a resend from a phone's outbox finds this row.
    submission_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    age_days: Mapped[int]
    height_adjusted_cm: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    haz: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    waz: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    whz: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    category: Mapped[str | None] = mapped_column(String(20))
    weight_category: Mapped[str | None] = mapped_column(String(24))
    wasting_category: Mapped[str | None] = mapped_column(String(24))
    # WHO biologically implausible z-scores, comma-separated ("haz,whz"); stored, not refused.
    flags: Mapped[str] = mapped_column(String(20), default="")
    # WHO Anthro's flag: under 9 months and recorded standing (taken as a length).
    standing_under_9m: Mapped[bool] = mapped_column(default=False, server_default=false())
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    voided_at: Mapped[datetime | None]
    void_reason: Mapped[str | None] = mapped_column(String(500))

    child: Mapped[Child] = relationship(back_populates="measurements", lazy="raise")
    recorded_by: Mapped[User | None] = relationship(lazy="raise")
