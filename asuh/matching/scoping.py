"""Matches across a province (issue 15): the matching area's scope rules.

A sponsor may be matched to a child in another kabupaten/kota of the SAME province (an
ASN of the provincial government, a company), never in another province. A match
belongs to the child's kabupaten/kota: its officers see it, end it, and receive its
deliveries; the sponsor's own city sees the sponsor's record (``sponsors.scoping``).
"""

from sqlalchemy import select

from asuh.children import visibility
from asuh.children.models import Child
from asuh.errors import NotFoundError
from asuh.extensions import db
from asuh.matching.models import Match
from asuh.regions.scopes import (
    city_code_of,
    kelurahan_codes_in,
    province_code_of,
    scope_of,
    within,
)

OTHER_PROVINCE = ("Bapak/Bunda Asuh ini terdaftar di provinsi lain; pengasuhan hanya "
                  "dengan anak di provinsi yang sama.")


def province_problem(sponsor, child) -> str | None:
    """Why this sponsor may not take this child because of where they live; None if fine."""
    if sponsor is None or child is None:
        return None
    if province_code_of(sponsor.kelurahan_code) != province_code_of(child.kelurahan_code):
        return OTHER_PROVINCE
    return None


def match_condition(user):
    """A WHERE clause on ``Match`` for the matches whose child lies in the user's scope
    (None: no limit)."""
    scope = scope_of(user)
    if scope is None:
        return None
    return Match.child_id.in_(
        select(Child.id).where(Child.kelurahan_code.in_(kelurahan_codes_in(scope))))


def match_in_scope(user, match: Match) -> bool:
    scope = scope_of(user)
    if scope is None:
        return True
    kelurahan = db.session.scalar(select(Child.kelurahan_code).where(Child.id == match.child_id))
    return within(scope, kelurahan)


def ensure_match_in_scope(user, match: Match) -> None:
    if user is not None and not match_in_scope(user, match):
        raise NotFoundError("Pengasuhan tidak ditemukan.")


def ensure_child_in_scope(user, child: Child) -> None:
    if user is not None:
        visibility.ensure_in_scope(user, child)


def match_city(match_id) -> str | None:
    """A match's records belong to its child's kabupaten/kota."""
    code = db.session.scalar(select(Child.kelurahan_code).join(Match, Match.child_id == Child.id)
                             .where(Match.id == int(match_id)))
    return city_code_of(code) if code else None
