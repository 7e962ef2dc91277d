"""Reading matches: lists, a child's or sponsor's history, suggestions, who sees what.

These functions are the matching area's published reading interface (the contributions
area calls ``active_match_for`` and ``matches_for_sponsor``): keep their signatures.
"""

from datetime import date

from sqlalchemy import case, false, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from asuh import timeutil
from asuh.children import services as children
from asuh.children.models import Child
from asuh.children.rules import STUNTING_CATEGORIES, stunted_condition
from asuh.extensions import db
from asuh.matching import scoping
from asuh.matching.models import Match
from asuh.matching.priority import (
    SAME_CITY,
    SAME_KECAMATAN,
    SAME_KELURAHAN,
    SAME_PROVINCE,
    priority_order_by,
    sponsor_load_order_by,
)
from asuh.permissions import Permission, has_permission
from asuh.regions.models import Region
from asuh.regions.scopes import city_code_of, kelurahan_codes_in, province_code_of
from asuh.settings import services as settings
from asuh.sponsors import services as sponsors
from asuh.sponsors.models import Sponsor

ALL, OWN, NONE = "all", "own", "none"


# --- one child, one sponsor ----------------------------------------------------------


def active_match_for(sponsor: Sponsor, child: Child) -> Match | None:
    """The active match between these two, or None (e.g. before logging a delivery)."""
    return db.session.scalar(select(Match).where(
        Match.sponsor_id == sponsor.id, Match.child_id == child.id, Match.ended_on.is_(None)))


def current_match(child: Child) -> Match | None:
    """The child's active match with its sponsor loaded, or None."""
    return db.session.scalar(
        select(Match).options(joinedload(Match.sponsor))
        .where(Match.child_id == child.id, Match.ended_on.is_(None)))


def matches_for_sponsor(sponsor: Sponsor, *, active: bool | None = None) -> list[Match]:
    """A sponsor's matches with their children and the children's kelurahan and
    kecamatan loaded (pages show where to deliver): active first, newest first."""
    stmt = (select(Match).options(
                joinedload(Match.child).joinedload(Child.kelurahan).joinedload(Region.parent))
            .where(Match.sponsor_id == sponsor.id)
            .order_by(Match.ended_on.is_not(None), Match.start_on.desc(), Match.id.desc()))
    if active is not None:
        stmt = stmt.where(Match.ended_on.is_(None) if active else Match.ended_on.is_not(None))
    return list(db.session.scalars(stmt))


def matches_for_child(child: Child) -> list[Match]:
    """A child's matches, the active one first, with sponsors and who made/ended them."""
    return list(db.session.scalars(
        select(Match)
        .options(joinedload(Match.sponsor), joinedload(Match.created_by),
                 joinedload(Match.ended_by))
        .where(Match.child_id == child.id)
        .order_by(Match.ended_on.is_not(None), Match.start_on.desc(), Match.id.desc())))


def get_match(match_id: int) -> Match | None:
    return db.session.scalar(
        select(Match)
        .options(joinedload(Match.sponsor), joinedload(Match.child),
                 joinedload(Match.created_by), joinedload(Match.ended_by))
        .where(Match.id == match_id))


# --- who sees which matches ----------------------------------------------------------


def match_scope(user) -> tuple[str, int | None]:
    """``(ALL, None)`` for staff holding VIEW_MATCHES, ``(OWN, sponsor_id)`` for a sponsor
    (their own record's matches only), ``(NONE, None)`` for anyone else."""
    if has_permission(user, Permission.VIEW_MATCHES):
        return ALL, None
    if has_permission(user, Permission.OWN_SPONSORSHIP):
        sponsor = sponsors.sponsor_for_user(user)
        return (OWN, sponsor.id) if sponsor is not None else (NONE, None)
    return NONE, None


def clean_name_query(text) -> str:
    """What a list's ``?q=`` searches for: spaces collapsed, at most a name's length."""
    return " ".join(str(text or "").split())[:120]


def sponsor_or_child_named(q: str, sponsor_id_column, child_id_column):
    """SQL: the sponsor's or the child's name contains ``q`` (any case). Lists of
    matches and of deliveries search names with this one rule."""
    return or_(
        sponsor_id_column.in_(select(Sponsor.id).where(Sponsor.name.icontains(q,
                                                                              autoescape=True))),
        child_id_column.in_(select(Child.id).where(Child.name.icontains(q, autoescape=True))))


def matches_query(user, *, sponsor_id: int | None = None, child_id: int | None = None,
                  active: bool | None = None, q: str = ""):
    """Matches ``user`` may see, filtered (``q``: part of the sponsor's or the child's
    name); newest first."""
    stmt = (select(Match).options(joinedload(Match.sponsor), joinedload(Match.child))
            .order_by(Match.created_at.desc(), Match.id.desc()))
    scope, own_sponsor = match_scope(user)
    if scope == OWN:
        stmt = stmt.where(Match.sponsor_id == own_sponsor)
    elif scope == NONE:
        stmt = stmt.where(false())
    elif (in_scope := scoping.match_condition(user)) is not None:
        stmt = stmt.where(in_scope)  # staff: the matches of children in their scope
    if sponsor_id is not None:
        stmt = stmt.where(Match.sponsor_id == sponsor_id)
    if child_id is not None:
        stmt = stmt.where(Match.child_id == child_id)
    if active is not None:
        stmt = stmt.where(Match.ended_on.is_(None) if active else Match.ended_on.is_not(None))
    if q := clean_name_query(q):
        stmt = stmt.where(sponsor_or_child_named(q, Match.sponsor_id, Match.child_id))
    return stmt


ACTIVE_FILTERS = {"yes": True, "no": False}


def parse_active_filter(args) -> str:
    """The list's ``active`` argument: ``yes`` (the default), ``no`` or ``all``. The list
    page and the export both read it here."""
    active = args.get("active", "yes")
    return active if active in ACTIVE_FILTERS or active == "all" else "yes"


def list_matches(user, *, page: int = 1, per_page: int = 25, **filters):
    return db.paginate(matches_query(user, **filters), page=page, per_page=per_page,
                       error_out=False)


def sponsor_can_see_child(user, child: Child) -> bool:
    """True if ``user`` is the sponsor of an ACTIVE match with ``child``.

    A sponsor sees the children they currently sponsor (to deliver food and follow
    growth), never other children, and no longer those whose match has ended.
    """
    if not has_permission(user, Permission.OWN_SPONSORSHIP):
        return False
    return db.session.scalar(
        select(Match.id).join(Sponsor, Sponsor.id == Match.sponsor_id)
        .where(Sponsor.user_id == user.id, Match.child_id == child.id,
               Match.ended_on.is_(None))) is not None


def own_active_matches(user) -> list[Match]:
    """The signed-in sponsor's active matches with the children loaded."""
    sponsor = sponsors.sponsor_for_user(user)
    if sponsor is None:
        return []
    return matches_for_sponsor(sponsor, active=True)


# --- unmatched children and suggestions ----------------------------------------------


def sponsored_categories() -> tuple[str, ...]:
    """Height-for-age categories that get a sponsor: stunted and severely stunted, plus
    the ``sponsor_extra_categories`` setting (empty unless an admin adds e.g. "normal")."""
    extra = settings.get("sponsor_extra_categories") or ()
    return (*STUNTING_CATEGORIES, *(c for c in extra if c not in STUNTING_CATEGORIES))


def unmatched_condition(today: date | None = None):
    """Who waits for a sponsor: balita (active, under 60 months) without one, classified
    stunted or severely stunted on a plausible measurement (``children.rules``). A child to
    be re-measured, a normal child or one never measured waits for nothing. With the
    default settings this is exactly the dashboard's "belum diasuh"."""
    return (stunted_condition(today or timeutil.today(), sponsored_categories())
            & (Child.is_matched == false()))


def unmatched_children_query(user, *, kecamatan_code: str | None = None,
                             kelurahan_code: str | None = None, today: date | None = None):
    """Children waiting for a sponsor, in priority order (see ``priority.py``)."""
    stmt = select(Child).where(unmatched_condition(today))
    if (visible := children.visible_condition(user)) is not None:
        stmt = stmt.where(visible)
    if kelurahan_code:
        stmt = stmt.where(Child.kelurahan_code == kelurahan_code)
    if kecamatan_code:
        stmt = stmt.where(Child.kelurahan_code.in_(
            select(Region.code).where(Region.parent_code == kecamatan_code)))
    return stmt.order_by(*priority_order_by())


def list_unmatched_children(user, *, page: int = 1, per_page: int = 25, **filters):
    return db.paginate(unmatched_children_query(user, **filters), page=page,
                       per_page=per_page, error_out=False)


def eligible_sponsor_condition():
    """Approved, not withdrawn, with at least one free place."""
    return (Sponsor.approved_at.is_not(None) & Sponsor.withdrawn_at.is_(None)
            & (Sponsor.active_matches < Sponsor.capacity))


def free_sponsor_count(scope: str | None = None) -> int:
    """Sponsors with a free place, in the province ``scope`` lies in (all for None)."""
    stmt = select(func.count(Sponsor.id)).where(eligible_sponsor_condition())
    if scope is not None:
        stmt = stmt.where(Sponsor.kelurahan_code.in_(
            kelurahan_codes_in(province_code_of(scope))))
    return db.session.scalar(stmt)


def suggest_sponsors(child: Child, *, limit: int = 10) -> list[tuple[Sponsor, int]]:
    """Sponsors with free places for ``child``: ``(sponsor, distance level)``, nearest
    first (same kelurahan, same kecamatan, rest of the kabupaten/kota, rest of the
    province), then least loaded. Only sponsors of the child's province (issue 15)."""
    kecamatan_code = child.kelurahan.parent_code if child.kelurahan else None
    home = aliased(Region)
    distance = case(
        (Sponsor.kelurahan_code == child.kelurahan_code, SAME_KELURAHAN),
        (home.parent_code == kecamatan_code if kecamatan_code else false(), SAME_KECAMATAN),
        (home.city_code == city_code_of(child.kelurahan_code), SAME_CITY),
        else_=SAME_PROVINCE)
    stmt = (select(Sponsor, distance)
            .join(home, home.code == Sponsor.kelurahan_code)
            .where(eligible_sponsor_condition(),
                   home.province_code == province_code_of(child.kelurahan_code))
            .order_by(distance, *sponsor_load_order_by())
            .limit(limit))
    return [(sponsor, level) for sponsor, level in db.session.execute(stmt)]
