"""Deliveries (contributions) of food to a matched child, with items, photos and proof."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from asuh.accounts.models import User
from asuh.checks import not_negative, one_of, positive
from asuh.extensions import db
from asuh.matching.models import Match
from asuh.sponsors.models import SPONSOR_KINDS
from asuh.timeutil import utcnow

PENDING = "pending"
CONFIRMED = "confirmed"
REJECTED = "rejected"
VOIDED = "voided"
CONTRIBUTION_STATUSES = {
    PENDING: "Menunggu konfirmasi",
    CONFIRMED: "Dikonfirmasi",
    REJECTED: "Ditolak",
    VOIDED: "Dibatalkan",
}


class Commodity(db.Model):
    """A catalogue entry (rice, eggs, milk, honey, other, cash) with its canonical unit."""

    __tablename__ = "commodities"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    canonical_unit: Mapped[str] = mapped_column(String(20))
    # The cash value given instead of goods is reported apart from goods.
    is_cash: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    # Issue 15: a kabupaten/kota's own addition (its Kemendagri code, ``19.01``), offered
    # only for its children's deliveries; NULL is the installation's shared catalogue.
    city_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)

    units: Mapped[list["CommodityUnit"]] = relationship(
        back_populates="commodity", lazy="selectin", order_by="CommodityUnit.id")


class CommodityUnit(db.Model):
    """A pack unit and how many canonical units it holds (karung 5 kg = 5 kg)."""

    __tablename__ = "commodity_units"
    __table_args__ = (UniqueConstraint("commodity_id", "name"), positive("factor"))

    id: Mapped[int] = mapped_column(primary_key=True)
    commodity_id: Mapped[int] = mapped_column(ForeignKey("commodities.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    factor: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    active: Mapped[bool] = mapped_column(default=True)

    commodity: Mapped[Commodity] = relationship(back_populates="units", lazy="raise")


class Contribution(db.Model):
    __tablename__ = "contributions"
    __table_args__ = (one_of("status", CONTRIBUTION_STATUSES), not_negative("total_value_idr"))

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("matches.id"), index=True)
    # Copied from the match so that totals per sponsor, child and kelurahan need no joins.
    sponsor_id: Mapped[int] = mapped_column(ForeignKey("sponsors.id"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    kelurahan_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    delivered_on: Mapped[date] = mapped_column(index=True)
    note: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(10), default=PENDING, index=True)
    total_value_idr: Mapped[int] = mapped_column(default=0)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None]
    # The confirming form's one-time token (issue 13): a confirmation resent from a phone's
    # outbox is recognised as the one already made (or undone) and changes nothing.
    confirmation_key: Mapped[str | None] = mapped_column(String(120))
    rejection_reason: Mapped[str | None] = mapped_column(String(500))
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    voided_at: Mapped[datetime | None]
    void_reason: Mapped[str | None] = mapped_column(String(500))
    # A form's one-time token or an API Idempotency-Key (prefixed with the user id):
    # a retried submit finds the contribution it already made instead of making another.
    submission_key: Mapped[str | None] = mapped_column(String(120), unique=True)

    match: Mapped[Match] = relationship(lazy="raise")
    items: Mapped[list["ContributionItem"]] = relationship(
        back_populates="contribution", lazy="raise", order_by="ContributionItem.id")
    photos: Mapped[list["ContributionPhoto"]] = relationship(
        back_populates="contribution", lazy="raise", order_by="ContributionPhoto.id")
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id],
                                                     lazy="raise")
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id], lazy="raise")

    @property
    def status_label(self) -> str:
        return CONTRIBUTION_STATUSES[self.status]


class ContributionItem(db.Model):
    __tablename__ = "contribution_items"
    # A value may be Rp 0 (a gift whose worth nobody estimated); a quantity may not be 0.
    __table_args__ = (positive("quantity"), positive("canonical_quantity"),
                      not_negative("value_idr"))

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contributions.id"), index=True)
    commodity_id: Mapped[int] = mapped_column(ForeignKey("commodities.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    unit: Mapped[str] = mapped_column(String(40))
    # Quantity converted to the commodity's canonical unit when it was recorded, so a
    # later change of a conversion factor does not rewrite history.
    canonical_quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    value_idr: Mapped[int] = mapped_column(default=0)

    contribution: Mapped[Contribution] = relationship(back_populates="items", lazy="raise")
    commodity: Mapped[Commodity] = relationship(lazy="joined")


class ContributionPhoto(db.Model):
    __tablename__ = "contribution_photos"
    # The types photos.py stores (it imports this module, so they are written here).
    __table_args__ = (one_of("content_type", ("image/jpeg", "image/png", "image/webp")),
                      positive("width"), positive("height"), positive("size_bytes"))

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contributions.id"), index=True)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(20))
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    contribution: Mapped[Contribution] = relationship(back_populates="photos", lazy="raise")


class MonthlyCommodityTotal(db.Model):
    """Confirmed quantities per month, kelurahan and commodity.

    Kept up to date in the same transaction as every confirmation or void, because
    summing millions of item rows per dashboard request takes seconds.
    """

    __tablename__ = "monthly_commodity_totals"

    month: Mapped[date] = mapped_column(primary_key=True)  # first day of the month
    kelurahan_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), primary_key=True)
    commodity_id: Mapped[int] = mapped_column(ForeignKey("commodities.id"), primary_key=True)
    canonical_quantity: Mapped[Decimal] = mapped_column(Numeric(16, 3), default=0)
    value_idr: Mapped[int] = mapped_column(default=0)
    item_count: Mapped[int] = mapped_column(default=0)


class MonthlyDeliveryCount(db.Model):
    """Confirmed deliveries per month and kelurahan, split by the sponsor's kind."""

    __tablename__ = "monthly_delivery_counts"
    # The counts themselves may pass through negative within a void (totals.apply), so
    # only the kind is checked.
    __table_args__ = (one_of("sponsor_kind", SPONSOR_KINDS),)

    month: Mapped[date] = mapped_column(primary_key=True)
    kelurahan_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), primary_key=True)
    sponsor_kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    contributions: Mapped[int] = mapped_column(default=0)
    value_idr: Mapped[int] = mapped_column(default=0)
