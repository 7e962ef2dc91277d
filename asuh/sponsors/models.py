"""Sponsors: civil servants (ASN, by NIP) and citizens (by NIK) who adopt a child."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, and_, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from asuh.accounts.models import User
from asuh.checks import between, not_negative, one_of
from asuh.extensions import db
from asuh.regions.models import Region
from asuh.timeutil import utcnow

ASN = "asn"
CITIZEN = "citizen"
SPONSOR_KINDS = {ASN: "ASN", CITIZEN: "Masyarakat"}


# A NIK/NIP belongs to a sponsor neither withdrawn nor rejected: a citizen whose
# registration was withdrawn or refused may register again with it, the old record kept
# for its history. The unique indexes' condition (SQL) and holds_identifiers() (query).
HOLDS_IDENTIFIERS = "withdrawn_at IS NULL AND rejected_at IS NULL"


class Sponsor(db.Model):
    __tablename__ = "sponsors"
    __table_args__ = (
        one_of("kind", SPONSOR_KINDS),
        one_of("registered_via", ("self", "officer", "api")),
        # 1 to sponsors.validation.MAX_CAPACITY (which imports this module, so the number
        # is written here; the schema-check tests hold the two together).
        between("capacity", 1, 20),
        # Not "<= capacity": an officer may lower a capacity below the running matches.
        not_negative("active_matches"),
        # Unique among sponsors who hold their identifier (holds_identifiers below).
        Index("uq_sponsors_live_nik", "nik", unique=True,
              sqlite_where=text(HOLDS_IDENTIFIERS), postgresql_where=text(HOLDS_IDENTIFIERS)),
        Index("uq_sponsors_live_nip", "nip", unique=True,
              sqlite_where=text(HOLDS_IDENTIFIERS), postgresql_where=text(HOLDS_IDENTIFIERS)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), index=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    nip: Mapped[str | None] = mapped_column(String(18))
    nik: Mapped[str | None] = mapped_column(String(16))
    is_pppk: Mapped[bool] = mapped_column(default=False)
    agency: Mapped[str | None] = mapped_column(String(150))
    rank: Mapped[str | None] = mapped_column(String(60))
    phone: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    address: Mapped[str] = mapped_column(String(300))
    kelurahan_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    capacity: Mapped[int] = mapped_column(default=1)
    # Kept by the matching services, so lists filter "with/without children" cheaply.
    active_matches: Mapped[int] = mapped_column(default=0)
    registered_via: Mapped[str] = mapped_column(String(10))  # "self" | "officer" | "api"
    approved_at: Mapped[datetime | None] = mapped_column(index=True)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]
    withdrawal_reason: Mapped[str | None] = mapped_column(String(500))
    # A self-registration an officer refused (sponsors/rejection.py); the record is kept.
    rejected_at: Mapped[datetime | None]
    rejected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rejection_reason: Mapped[str | None] = mapped_column(String(500))

    kelurahan: Mapped[Region] = relationship(lazy="joined")
    user: Mapped[User | None] = relationship(foreign_keys=[user_id], lazy="raise")
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id], lazy="raise")

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None

    @property
    def is_rejected(self) -> bool:
        return self.rejected_at is not None

    @property
    def is_pending(self) -> bool:
        """Waiting for an officer: neither approved, rejected nor withdrawn."""
        return (self.approved_at is None and self.rejected_at is None
                and self.withdrawn_at is None)

    @property
    def identifier(self) -> str:
        return (self.nip if self.kind == ASN else self.nik) or ""

    @property
    def kind_label(self) -> str:
        return SPONSOR_KINDS[self.kind]


CAPACITY_PENDING = "pending"
CAPACITY_APPROVED = "approved"
CAPACITY_REJECTED = "rejected"
CAPACITY_CANCELLED = "cancelled"  # the sponsor asked for their current capacity again
CAPACITY_STATUSES = (CAPACITY_PENDING, CAPACITY_APPROVED, CAPACITY_REJECTED,
                     CAPACITY_CANCELLED)


class CapacityRequest(db.Model):
    """A sponsor's own change of capacity, waiting for an officer (issue 12: a sponsor
    could raise their own capacity to 20 unreviewed). Until approved, the sponsor's
    ``capacity`` stays what it was; at most one request per sponsor is pending."""

    __tablename__ = "capacity_requests"
    __table_args__ = (
        one_of("status", CAPACITY_STATUSES),
        between("requested", 1, 20),
        between("previous", 1, 20),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sponsor_id: Mapped[int] = mapped_column(ForeignKey("sponsors.id"), index=True)
    previous: Mapped[int]
    requested: Mapped[int]
    status: Mapped[str] = mapped_column(String(10), default=CAPACITY_PENDING, index=True)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(String(500))


def holds_identifiers():
    """WHERE clause: the sponsor's NIK/NIP is taken by it (``HOLDS_IDENTIFIERS``)."""
    return and_(Sponsor.withdrawn_at.is_(None), Sponsor.rejected_at.is_(None))
