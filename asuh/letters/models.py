"""Issued letters: immutable PDFs with their hash, number and public verification token."""

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from asuh.accounts.models import User
from asuh.checks import not_negative, one_of, positive
from asuh.contributions.models import Contribution
from asuh.extensions import db
from asuh.regions.models import Region
from asuh.sponsors.models import Sponsor
from asuh.timeutil import utcnow

SPONSOR_STATEMENT = "sponsor_statement"
HANDOVER_RECEIPT = "handover_receipt"
RECAP = "recap"
LETTER_KINDS = {
    SPONSOR_STATEMENT: "Surat pertanggungjawaban Bapak/Bunda Asuh",
    HANDOVER_RECEIPT: "Berita acara serah terima",
    RECAP: "Rekapitulasi",
}
CURRENT = "current"
SUPERSEDED = "superseded"


class Letter(db.Model):
    __tablename__ = "letters"
    __table_args__ = (
        # Each kabupaten/kota office (and a province's, for its recap) numbers its own
        # letters: the same number may be printed by two offices, never twice by one.
        UniqueConstraint("office_code", "year", "seq", name="uq_letters_office_seq"),
        UniqueConstraint("office_code", "number", name="uq_letters_office_number"),
        one_of("kind", LETTER_KINDS),
        one_of("status", (CURRENT, SUPERSEDED)),
        positive("seq"),
        not_negative("audit_seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    number: Mapped[str] = mapped_column(String(80))
    # The office that issued it: the kabupaten/kota of the child (statement, receipt,
    # a city's or kecamatan's recap) or the province (a provincial recap). Its letterhead,
    # head and number sequence are that office's (settings.for_city / for_province).
    office_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    year: Mapped[int]
    seq: Mapped[int]
    sponsor_id: Mapped[int | None] = mapped_column(ForeignKey("sponsors.id"), index=True)
    contribution_id: Mapped[int | None] = mapped_column(ForeignKey("contributions.id"),
                                                        index=True)
    kecamatan_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    period_start: Mapped[date | None]
    period_end: Mapped[date | None]
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # The bytes handed out are the bytes stored: a download never re-renders.
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    verify_token: Mapped[str] = mapped_column(String(64), unique=True)
    short_code: Mapped[str] = mapped_column(String(16), unique=True)
    status: Mapped[str] = mapped_column(String(12), default=CURRENT, index=True)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("letters.id"))
    superseded_at: Mapped[datetime | None]
    # The audit chain's head when the letter was issued, printed small in it: a paper
    # copy proves the trail up to here (``audit verify --anchor SEQ:HASH``). NULL for
    # letters issued before the anchor was recorded.
    audit_seq: Mapped[int | None]
    audit_hash: Mapped[str | None] = mapped_column(String(64))
    # What the public verification page shows (no child's personal data).
    public_summary: Mapped[dict] = mapped_column(JSON, default=dict)

    issued_by: Mapped[User | None] = relationship(lazy="raise")
    sponsor: Mapped[Sponsor | None] = relationship(lazy="raise")
    contribution: Mapped[Contribution | None] = relationship(lazy="raise")
    kecamatan: Mapped[Region | None] = relationship(foreign_keys=[kecamatan_code],
                                                    lazy="raise")
    office: Mapped[Region] = relationship(foreign_keys=[office_code], lazy="raise")
    superseded_by: Mapped["Letter | None"] = relationship(remote_side=[id], lazy="raise")

    @property
    def kind_label(self) -> str:
        return LETTER_KINDS[self.kind]

    @property
    def audit_anchor(self) -> str | None:
        """``SEQ:HASH`` as printed in the letter, or None for an older letter."""
        return None if self.audit_seq is None else f"{self.audit_seq}:{self.audit_hash}"

    @property
    def is_current(self) -> bool:
        return self.status == CURRENT

    @property
    def file_name(self) -> str:
        """``007-BAAS-DPPPAKB-XI-2026.pdf``: the number, safe as a file name."""
        return self.number.replace("/", "-").replace("\\", "-") + ".pdf"


class LetterSequence(db.Model):
    """The last number an office (kabupaten/kota, or province) issued in a year; locked
    while a letter is numbered (gapless per office and year)."""

    __tablename__ = "letter_sequences"
    __table_args__ = (not_negative("last_seq"),)

    office_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(default=0)
