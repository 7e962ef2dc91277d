"""Region rules: loading a city's list, looking regions up, field users' kelurahan."""

from sqlalchemy import delete, insert, select

from asuh.audit import services as audit
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.permissions import Permission, ensure_permitted
from asuh.regions.models import KECAMATAN, KELURAHAN, Region, field_assignments
from asuh.regions.regionfile import RegionRow
from asuh.transactions import use_case


@use_case
def import_regions(rows: list[RegionRow], *, actor=None) -> tuple[int, int]:
    """Insert new regions and rename changed ones; returns (created, updated).

    Regions are never removed: children and sponsors keep pointing at them.
    """
    ensure_permitted(actor, Permission.MANAGE_REGIONS)
    existing = {r.code: r for r in db.session.scalars(select(Region))}
    created = updated = 0
    for row in sorted(rows, key=lambda r: (r.level != KECAMATAN, r.code)):
        region = existing.get(row.code)
        if region is None:
            db.session.add(Region(code=row.code, name=row.name, level=row.level,
                                  parent_code=row.parent_code, village_type=row.village_type))
            created += 1
        elif (region.name, region.parent_code, region.village_type) != (
                row.name, row.parent_code, row.village_type):
            region.name = row.name
            region.parent_code = row.parent_code
            region.village_type = row.village_type
            updated += 1
        db.session.flush()
    if created or updated:
        audit.record("import", "region", None, user=actor,
                     summary=f"Wilayah diimpor: {created} baru, {updated} diperbarui")
    return created, updated


def kecamatan_list() -> list[Region]:
    return list(db.session.scalars(
        select(Region).where(Region.level == KECAMATAN).order_by(Region.name)))


def kelurahan_list(kecamatan_code: str | None = None) -> list[Region]:
    stmt = select(Region).where(Region.level == KELURAHAN).order_by(Region.name)
    if kecamatan_code:
        stmt = stmt.where(Region.parent_code == kecamatan_code)
    return list(db.session.scalars(stmt))


def kelurahan_choices() -> list[tuple[str, str]]:
    """``(code, "Kelurahan — Kecamatan")`` for select fields, grouped by kecamatan."""
    rows = sorted(kelurahan_list(), key=lambda r: (r.parent.name if r.parent else "", r.name))
    return [(r.code, f"{r.name} — {r.parent.name if r.parent else ''}") for r in rows]


def get_kelurahan(code: str | None, field: str = "kelurahan_code") -> Region:
    if not (code or "").strip():
        raise ValidationFailed({field: ["Kelurahan wajib dipilih."]})
    region = db.session.get(Region, code)
    if region is None or region.level != KELURAHAN:
        raise ValidationFailed({field: ["Kelurahan/desa tidak dikenal."]})
    return region


def regions(level: str | None = None) -> list[Region]:
    stmt = select(Region).order_by(Region.code)
    if level:
        stmt = stmt.where(Region.level == level)
    return list(db.session.scalars(stmt))


def assigned_kelurahan(user) -> list[str]:
    """Kelurahan codes a field user works in."""
    return list(db.session.scalars(
        select(field_assignments.c.kelurahan_code).where(field_assignments.c.user_id == user.id)
    ))


@use_case
def assign_kelurahan(user, codes: list[str], *, actor) -> None:
    """Replace the field user's kelurahan with ``codes``."""
    ensure_permitted(actor, Permission.MANAGE_USERS)
    for code in codes:
        get_kelurahan(code, "kelurahan")
    before = sorted(assigned_kelurahan(user))
    after = sorted(set(codes))
    if before == after:
        return
    db.session.execute(delete(field_assignments).where(field_assignments.c.user_id == user.id))
    if after:
        db.session.execute(insert(field_assignments),
                           [{"user_id": user.id, "kelurahan_code": c} for c in after])
    audit.record("assign_kelurahan", "user", user.id, user=actor,
                 summary=f"Wilayah kerja {user.email}: {', '.join(after) or '-'}",
                 changes={"kelurahan": [before, after]})


def assigned_kelurahan_names(user) -> list[str]:
    codes = assigned_kelurahan(user)
    if not codes:
        return []
    return list(db.session.scalars(
        select(Region.name).where(Region.code.in_(codes)).order_by(Region.name)))
