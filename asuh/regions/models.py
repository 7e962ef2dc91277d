"""Kecamatan and kelurahan/desa, keyed by their Kemendagri codes."""

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from asuh.checks import one_of
from asuh.extensions import db
from asuh.regions.regionfile import VILLAGE_TYPES

KECAMATAN = "kecamatan"
KELURAHAN = "kelurahan"

# Which kelurahan a field user (kader, TPK, bidan) works in; their view of the registry
# is narrowed to these.
field_assignments = Table(
    "field_assignments",
    db.metadata,
    Column("user_id", ForeignKey("users.id"), primary_key=True),
    Column("kelurahan_code", ForeignKey("regions.code"), primary_key=True),
)


class Region(db.Model):
    __tablename__ = "regions"
    __table_args__ = (one_of("level", (KECAMATAN, KELURAHAN)),
                      one_of("village_type", VILLAGE_TYPES.values()))

    code: Mapped[str] = mapped_column(String(13), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(10), index=True)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    # 1 kelurahan, 2 desa, 3 customary village (Kemendagri); None for a kecamatan.
    village_type: Mapped[str | None] = mapped_column(String(10))

    parent: Mapped["Region | None"] = relationship(remote_side=[code], lazy="joined")

    @property
    def kecamatan_code(self) -> str:
        return self.code if self.level == KECAMATAN else (self.parent_code or "")

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.name}>"
