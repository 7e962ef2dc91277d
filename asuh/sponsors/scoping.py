"""Which sponsors a kabupaten/kota's staff reach (issue 15): the sponsors area's rule.

A sponsor registers in one kabupaten/kota (the city of their address kelurahan) and may
be matched to children in another of the same province. An officer sees the sponsors
living in their scope and the sponsors matched (any status) to a child in their scope,
so each city sees who sponsors its children; approving, correcting and withdrawing a
sponsor stays with the sponsor's own city (or the province). Out of scope is not found.

The matching and children areas sit above or beside this one, so their tables are named
here (``matches.sponsor_id``, ``children.kelurahan_code``), not imported.
"""

from sqlalchemy import column, exists, or_, select, table

from asuh.errors import NotFoundError, NotPermitted, ValidationFailed
from asuh.extensions import db
from asuh.regions.scopes import city_code_of, kelurahan_codes_in, scope_of, within
from asuh.sponsors.models import Sponsor

_matches = table("matches", column("sponsor_id"), column("child_id"))
_children = table("children", column("id"), column("kelurahan_code"))


def _matched_in(scope: str):
    return (select(_matches.c.sponsor_id)
            .join(_children, _children.c.id == _matches.c.child_id)
            .where(_children.c.kelurahan_code.in_(kelurahan_codes_in(scope))))


def scope_condition(user):
    """A WHERE clause on ``Sponsor`` for the sponsors ``user`` reaches (None: all)."""
    scope = scope_of(user)
    if scope is None:
        return None
    return or_(Sponsor.kelurahan_code.in_(kelurahan_codes_in(scope)),
               Sponsor.id.in_(_matched_in(scope)))


def lives_in_scope(user, sponsor: Sponsor) -> bool:
    """The sponsor is registered in the user's kabupaten/kota or province."""
    return within(scope_of(user), sponsor.kelurahan_code)


def in_scope(user, sponsor: Sponsor) -> bool:
    """The user reaches the sponsor: theirs by address, or matched to a child of theirs."""
    scope = scope_of(user)
    if scope is None or within(scope, sponsor.kelurahan_code):
        return True
    return bool(db.session.scalar(select(exists(
        _matched_in(scope).where(_matches.c.sponsor_id == sponsor.id)))))


def ensure_visible(user, sponsor: Sponsor) -> None:
    if user is not None and not in_scope(user, sponsor):
        raise NotFoundError("Bapak/Bunda Asuh tidak ditemukan.")


def ensure_own_city(user, sponsor: Sponsor) -> None:
    """Approve, correct, withdraw: the sponsor's own city's (or province's) staff only;
    another city that sees the sponsor through a match is refused, one that does not
    see them at all is told nothing (404)."""
    if user is None:
        return
    ensure_visible(user, sponsor)
    if not lives_in_scope(user, sponsor):
        raise NotPermitted("Bapak/Bunda Asuh ini terdaftar di kabupaten/kota lain; "
                           "perubahan dilakukan oleh petugas kabupaten/kota tersebut.")


def ensure_address_in_scope(user, kelurahan_code: str | None) -> None:
    if kelurahan_code and not within(scope_of(user), kelurahan_code):
        raise ValidationFailed({"kelurahan_code": ["Kelurahan di luar wilayah kerja Anda."]})


def sponsor_city(sponsor_id) -> str | None:
    """The sponsor's kabupaten/kota, for the audit trail's scope of their records."""
    code = db.session.scalar(select(Sponsor.kelurahan_code).where(Sponsor.id == int(sponsor_id)))
    return city_code_of(code) if code else None
