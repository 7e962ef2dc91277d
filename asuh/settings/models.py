"""Programme settings that admins change at run time (letterhead, commitment, package).

``settings`` holds the installation's values (the defaults every region falls back to);
``region_settings`` holds what a province or a kabupaten/kota sets for itself (issue 15).
"""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from asuh.extensions import db
from asuh.timeutil import utcnow


class Setting(db.Model):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[dict | list | str | int | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class RegionSetting(db.Model):
    """One value a province (``19``) or a kabupaten/kota (``19.71``) sets for itself.

    A key a city has no row for falls back to its province's row, then to the
    installation's ``settings`` row, then to the app config (``services.for_city``).
    """

    __tablename__ = "region_settings"

    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), primary_key=True)
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[dict | list | str | int | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
