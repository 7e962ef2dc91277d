"""Region rules: loading region lists, looking regions up, field users' kelurahan."""

from sqlalchemy import delete, insert, select

from asuh.audit import services as audit
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.permissions import Permission, ensure_permitted
from asuh.regions.models import (
    KABUPATEN,
    KECAMATAN,
    KELURAHAN,
    LEVELS,
    PROVINSI,
    Region,
    field_assignments,
)
from asuh.regions.provinces import placeholder_city_name, province_name
from asuh.regions.regionfile import RegionRow, parent_of
from asuh.regions.scopes import kelurahan_codes_in, scope_of, within
from asuh.transactions import use_case


@use_case
def import_regions(rows: list[RegionRow], *, actor=None) -> tuple[int, int]:
    """Insert new regions and rename changed ones; returns (created, updated).

    Regions are never removed: children and sponsors keep pointing at them. A province or
    kabupaten/kota the file leaves out (a file of one city's kecamatan and villages, as
    older installations kept) is added with the province's own name or a placeholder
    name that a later file with the row replaces.
    """
    ensure_permitted(actor, Permission.MANAGE_REGIONS)
    existing = {r.code: r for r in db.session.scalars(select(Region))}
    rows = list(rows) + _missing_ancestors(rows, existing)
    created = updated = 0
    for row in sorted(rows, key=lambda r: (LEVELS.index(r.level), r.code)):
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


def _missing_ancestors(rows: list[RegionRow], existing: dict) -> list[RegionRow]:
    have = set(existing) | {row.code for row in rows}
    added: list[RegionRow] = []
    for row in rows:
        code = row.parent_code
        while code and code not in have:
            level = PROVINSI if len(code) == 2 else KABUPATEN
            name = province_name(code) if level == PROVINSI else placeholder_city_name(code)
            added.append(RegionRow(0, code, name, level, parent_of(code), None))
            have.add(code)
            code = parent_of(code)
    return added


def _in_scope(stmt, scope: str | None):
    if scope is None:
        return stmt
    if len(scope) == 2:
        return stmt.where(Region.province_code == scope)
    return stmt.where(Region.city_code == scope)


def kecamatan_list(scope: str | None = None) -> list[Region]:
    """Kecamatan by name; only those in ``scope`` when given."""
    return list(db.session.scalars(_in_scope(
        select(Region).where(Region.level == KECAMATAN).order_by(Region.name), scope)))


def kelurahan_list(kecamatan_code: str | None = None, scope: str | None = None) -> list[Region]:
    stmt = select(Region).where(Region.level == KELURAHAN).order_by(Region.name)
    if kecamatan_code:
        stmt = stmt.where(Region.parent_code == kecamatan_code)
    return list(db.session.scalars(_in_scope(stmt, scope)))


def kelurahan_codes(scope: str | None) -> set[str]:
    """The kelurahan codes in ``scope``, as a set (for the few places that test many)."""
    return set(db.session.scalars(kelurahan_codes_in(scope)))


def kelurahan_choices(scope: str | None = None) -> list[tuple[str, str]]:
    """``(code, "Kelurahan — Kecamatan")`` for select fields, grouped by kecamatan."""
    rows = sorted(kelurahan_list(scope=scope),
                  key=lambda r: (r.parent.name if r.parent else "", r.name))
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
    # A field user works inside their scope, and an admin hands out only kelurahan in
    # their own.
    for code in codes:
        region = get_kelurahan(code, "kelurahan")
        for scope in (scope_of(user), scope_of(actor)):
            if not within(scope, region.code):
                raise ValidationFailed({"kelurahan": [
                    f"Kelurahan {region.name} di luar wilayah akun ini."]})
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
