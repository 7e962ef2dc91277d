"""The region tree, keyed by Kemendagri codes: province → kabupaten/kota → kecamatan →
kelurahan/desa.

A code says its ancestors (``19.71.01.1004``: province ``19``, kabupaten/kota ``19.71``,
kecamatan ``19.71.01``), so each row also carries its kabupaten/kota and province code
as indexed columns, filled on insert: "which kelurahan are in this city" is then an index
lookup on this small table (``asuh.regions.scopes``), never a string match on the big ones.
"""

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from asuh.checks import one_of
from asuh.extensions import db
from asuh.regions.regionfile import (
    LEVEL_KABUPATEN,
    LEVEL_KECAMATAN,
    LEVEL_KELURAHAN,
    LEVEL_PROVINSI,
    VILLAGE_TYPES,
)

PROVINSI = LEVEL_PROVINSI
# Kabupaten (regency) and kota (city) alike: the same tier of government.
KABUPATEN = LEVEL_KABUPATEN
KECAMATAN = LEVEL_KECAMATAN
KELURAHAN = LEVEL_KELURAHAN
LEVELS = (PROVINSI, KABUPATEN, KECAMATAN, KELURAHAN)

# Which kelurahan a field user (kader, TPK, bidan) works in; their view of the registry
# is narrowed to these.
field_assignments = Table(
    "field_assignments",
    db.metadata,
    Column("user_id", ForeignKey("users.id"), primary_key=True),
    Column("kelurahan_code", ForeignKey("regions.code"), primary_key=True),
)


def _city_of_row(context) -> str | None:
    code = context.get_current_parameters()["code"]
    return code[:5] if len(code) >= 5 else None


def _province_of_row(context) -> str:
    return context.get_current_parameters()["code"][:2]


class Region(db.Model):
    __tablename__ = "regions"
    __table_args__ = (one_of("level", LEVELS),
                      one_of("village_type", VILLAGE_TYPES.values()))

    code: Mapped[str] = mapped_column(String(13), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(10), index=True)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    # 1 kelurahan, 2 desa, 3 customary village (Kemendagri); None above the village.
    village_type: Mapped[str | None] = mapped_column(String(10))
    # The kabupaten/kota (None for a province row) and the province: the code's own
    # prefixes, written once on insert (codes never change).
    city_code: Mapped[str | None] = mapped_column(String(5), index=True, default=_city_of_row)
    province_code: Mapped[str] = mapped_column(String(2), index=True,
                                               default=_province_of_row)

    parent: Mapped["Region | None"] = relationship(remote_side=[code], lazy="joined")

    @property
    def kecamatan_code(self) -> str:
        return self.code if self.level == KECAMATAN else (self.parent_code or "")

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.name}>"
