"""Which scope an account may be given (issue 15): the accounts area's rule.

Officers and auditors work in a kabupaten/kota or (provincial staff) a whole province;
field users in one kabupaten/kota; admins in a kabupaten/kota or, with no scope, the
whole installation; sponsors have none (they reach their own records). An admin hands
out only scopes inside their own.
"""

from __future__ import annotations

from sqlalchemy import column, or_, select, table

from asuh.accounts.models import User
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.permissions import Role
from asuh.regions.models import KABUPATEN, PROVINSI
from asuh.regions.scopes import (
    cities_in,
    kelurahan_codes_in,
    province_code_of,
    scope_of,
    scope_region,
    within,
)
from asuh.regions.services import regions

# Which levels a scope may name, per role; a role missing here takes no scope.
SCOPE_LEVELS: dict[Role, tuple[str, ...]] = {
    Role.ADMIN: (KABUPATEN,),
    Role.OFFICER: (KABUPATEN, PROVINSI),
    Role.AUDITOR: (KABUPATEN, PROVINSI),
    Role.FIELD: (KABUPATEN,),
}
# Roles that must have one once the installation holds more than one kabupaten/kota.
NEEDS_SCOPE = (Role.OFFICER, Role.AUDITOR, Role.FIELD)


def check_scope(role: Role, code: str | None, *, actor=None) -> str | None:
    """The scope code to store for an account of ``role``; raises ValidationFailed.

    No code given: the actor's own scope, or the installation's only kabupaten/kota, or
    (admins, and staff while no region is loaded) none.
    """
    code = (code or "").strip() or None
    levels = SCOPE_LEVELS.get(role, ())
    actor_scope = scope_of(actor)
    if code is None:
        if role not in NEEDS_SCOPE:
            return None if role != Role.ADMIN else actor_scope
        if actor_scope is not None:
            return actor_scope
        cities = cities_in(None)
        if len(cities) == 1:
            return cities[0].code
        if not cities:
            return None
        raise ValidationFailed({"scope_code": [
            "Pilih wilayah akun ini: kode kabupaten/kota (mis. 19.71) atau provinsi (19)."]})
    if not levels:
        raise ValidationFailed({"scope_code": ["Peran ini tidak memakai wilayah."]})
    region = scope_region(code)
    if region is None or region.level not in levels:
        allowed = " atau ".join("kabupaten/kota" if lv == KABUPATEN else "provinsi"
                                for lv in levels)
        raise ValidationFailed({"scope_code": [
            f"Wilayah {code} bukan kode {allowed} yang terdaftar."]})
    if not within(actor_scope, code):
        raise ValidationFailed({"scope_code": [f"Wilayah {code} di luar wilayah Anda."]})
    return region.code


def scope_choices(actor, role: Role | None = None) -> list[tuple[str, str]]:
    """``(code, label)`` for the admin's scope select: what ``actor`` may hand out."""
    actor_scope = scope_of(actor)
    choices: list[tuple[str, str]] = []
    if actor_scope is None:
        choices.append(("", "Seluruh instalasi / otomatis"))
    for region in regions(PROVINSI):
        if actor_scope is None:
            choices.append((region.code, f"Provinsi {region.name} ({region.code})"))
    for city in cities_in(actor_scope):
        if actor_scope is None or within(actor_scope, city.code):
            choices.append((city.code, f"{city.name} ({city.code}, "
                                       f"prov. {province_code_of(city.code)})"))
    return choices



def users_in_scope(actor):
    """A WHERE clause on ``User`` for the accounts a scoped admin manages (None: all):
    the staff of their kabupaten/kota, and the sponsors living there."""
    scope = scope_of(actor)
    if scope is None:
        return None
    # Sponsors are found through their sponsor record's address; the sponsors area sits
    # above accounts, so its table is named here, not imported.
    sponsors = table("sponsors", column("user_id"), column("kelurahan_code"))
    own_sponsors = select(sponsors.c.user_id).where(
        sponsors.c.kelurahan_code.in_(kelurahan_codes_in(scope)))
    return or_(User.scope_code == scope, User.id.in_(own_sponsors))


def user_scope(user_id) -> str | None:
    """An account's records belong to its scope (None: the actor's, see audit)."""
    return db.session.scalar(select(User.scope_code).where(User.id == int(user_id)))


def manages(actor, user) -> bool:
    """Whether ``actor`` (an admin) reaches ``user``'s account: no scope reaches all; a
    city admin their city's staff and the sponsors living in their city."""
    condition = users_in_scope(actor)
    if condition is None:
        return True
    return db.session.scalar(select(User.id).where(User.id == user.id, condition)) is not None
