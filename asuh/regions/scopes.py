"""Whose regions a user reaches: the ONE rule of scope (issue 15).

An installation may hold a whole province. Officers, field users and auditors belong to a
kabupaten/kota (scope ``19.71``) or, provincial staff, to a province (scope ``19``);
admins to a kabupaten/kota or (no scope) to the whole installation. A Kemendagri code
carries its ancestors, so "is this kelurahan in that scope" is a prefix test on a code,
and "which kelurahan are in it" an index lookup on ``regions.city_code`` /
``regions.province_code``. Other areas call these; none re-derives a scope.

Out of scope is *not found* (404), never *forbidden*: for that user the object does not
exist, and the answer must not tell them otherwise.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, select

from asuh.errors import NotFoundError
from asuh.extensions import db
from asuh.regions.models import KABUPATEN, KELURAHAN, Region

PROVINCE_SCOPE_LENGTH = 2
CITY_SCOPE_LENGTH = 5


def city_code_of(code: str) -> str:
    """The kabupaten/kota a code lies in (``19.71.01.1004`` → ``19.71``)."""
    return code[:CITY_SCOPE_LENGTH]


def province_code_of(code: str) -> str:
    """The province a code lies in (``19.71.01.1004`` → ``19``)."""
    return code[:PROVINCE_SCOPE_LENGTH]


def scope_of(user) -> str | None:
    """The user's scope code; None is unlimited (an installation admin, the system).

    A sponsor has no scope: what they reach is their own records, which their own rules
    (ownership) decide, wherever the child lives.
    """
    if user is None:
        return None
    return getattr(user, "scope_code", None) or None


def within(scope: str | None, code: str | None) -> bool:
    """Whether the region ``code`` lies in ``scope`` (itself included)."""
    if scope is None:
        return True
    if not code or len(code) < len(scope):
        return False
    if len(scope) == PROVINCE_SCOPE_LENGTH:
        return province_code_of(code) == scope
    return city_code_of(code) == scope


def kelurahan_codes_in(scope: str | None) -> Select:
    """The kelurahan codes in a province or kabupaten/kota (all of them for None), as a
    subquery: ``Child.kelurahan_code.in_(kelurahan_codes_in(scope))``."""
    stmt = select(Region.code).where(Region.level == KELURAHAN)
    if scope is None:
        return stmt
    if len(scope) == PROVINCE_SCOPE_LENGTH:
        return stmt.where(Region.province_code == scope)
    return stmt.where(Region.city_code == scope)


def scope_condition(user, kelurahan_column) -> ColumnElement | None:
    """A WHERE clause keeping the rows whose ``kelurahan_column`` is in the user's scope;
    None when the user has no limit (add nothing)."""
    scope = scope_of(user)
    if scope is None:
        return None
    return kelurahan_column.in_(kelurahan_codes_in(scope))


def ensure_in_scope(user, code: str | None) -> None:
    """Raise ``NotFoundError`` unless ``code`` lies in the user's scope."""
    if not within(scope_of(user), code):
        raise NotFoundError("Data tidak ditemukan.")


def cities_in(scope: str | None) -> list[Region]:
    """The kabupaten/kota rows in a scope (all for None), by code."""
    stmt = select(Region).where(Region.level == KABUPATEN).order_by(Region.code)
    if scope is not None:
        stmt = stmt.where(Region.province_code == province_code_of(scope))
        if len(scope) > PROVINCE_SCOPE_LENGTH:
            stmt = stmt.where(Region.code == city_code_of(scope))
    return list(db.session.scalars(stmt))


def scope_region(code: str | None) -> Region | None:
    """The province or kabupaten/kota row a scope names (None for no scope)."""
    return db.session.get(Region, code) if code else None


def scope_label(code: str | None) -> str:
    """How a scope reads for people: the region's name, or the whole installation."""
    region = scope_region(code)
    if region is None:
        return "Seluruh instalasi" if code is None else code
    return region.name
