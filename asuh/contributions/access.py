"""Who may see, log, verify and void which contribution, and the lists each role gets.

Staff with VIEW_CONTRIBUTIONS see those of the children in their scope (their
kabupaten/kota or province, issue 15), field users those of their kelurahan; a sponsor
sees their own, wherever the child lives. The same scoping serves the pages and the API.
A delivery outside the staff member's scope does not exist for them (``load`` → None).
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import false, select, update
from sqlalchemy.orm import joinedload, selectinload

from asuh.accounts.models import User
from asuh.audit.models import AuditRecord
from asuh.children.models import Child
from asuh.children.visibility import can_see as can_see_child
from asuh.children.visibility import visible_kelurahan
from asuh.contributions.models import (
    CONFIRMED,
    CONTRIBUTION_STATUSES,
    PENDING,
    Contribution,
)
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.matching.models import Match
from asuh.matching.queries import clean_name_query, sponsor_or_child_named
from asuh.permissions import Permission, Role, has_permission
from asuh.regions.models import Region
from asuh.regions.scopes import city_code_of, scope_of, within
from asuh.sponsors.services import sponsor_for_user

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _sponsor_id(user) -> int | None:
    sponsor = sponsor_for_user(user) if user.role == Role.SPONSOR else None
    return sponsor.id if sponsor is not None else None


def _in_work_area(user, kelurahan_code: str) -> bool:
    # A delivery is seen where its child is: the children area says which kelurahan.
    codes = visible_kelurahan(user)
    return codes is None or kelurahan_code in codes


def can_view(user, contribution: Contribution) -> bool:
    if has_permission(user, Permission.VIEW_CONTRIBUTIONS):
        return _in_work_area(user, contribution.kelurahan_code)
    if has_permission(user, Permission.OWN_SPONSORSHIP):
        sponsor_id = _sponsor_id(user)
        return sponsor_id is not None and contribution.sponsor_id == sponsor_id
    return False


def in_scope(user, contribution: Contribution) -> bool:
    """Staff: the child's kelurahan lies in their scope; a sponsor reaches their own."""
    if has_permission(user, Permission.OWN_SPONSORSHIP) and user.role == Role.SPONSOR:
        return True
    return within(scope_of(user), contribution.kelurahan_code)


def match_in_scope(user, match: Match) -> bool:
    scope = scope_of(user)
    if scope is None:
        return True
    return within(scope, db.session.scalar(
        select(Child.kelurahan_code).where(Child.id == match.child_id)))


def can_log_for(user, match: Match, *, sponsor_id: int | None = None) -> bool:
    """Admins log for any match in their scope (on a sponsor's behalf); a sponsor for
    their own. ``sponsor_id``: the user's own sponsor record, when the caller has it
    already (a list of the sponsor's matches looks it up once, not per match)."""
    if not has_permission(user, Permission.LOG_CONTRIBUTIONS):
        return False
    if user.role == Role.ADMIN:
        return match_in_scope(user, match)
    if sponsor_id is None:
        sponsor_id = _sponsor_id(user)
    return sponsor_id is not None and match.sponsor_id == sponsor_id


def can_edit(user, contribution: Contribution) -> bool:
    """Whose delivery it is; whether it may still change (pending) is the service's rule."""
    if not has_permission(user, Permission.LOG_CONTRIBUTIONS):
        return False
    if user.role == Role.ADMIN:
        return in_scope(user, contribution)
    sponsor_id = _sponsor_id(user)
    return sponsor_id is not None and contribution.sponsor_id == sponsor_id


def can_verify(user, contribution: Contribution) -> bool:
    if not has_permission(user, Permission.VERIFY_CONTRIBUTIONS):
        return False
    return _in_work_area(user, contribution.kelurahan_code)


def can_void(user) -> bool:
    return has_permission(user, Permission.VOID_CONTRIBUTIONS)


def actions_open(user, contribution: Contribution) -> dict[str, bool]:
    """The delivery page's buttons: what ``user`` may do to it in its present state."""
    return {
        "can_edit": contribution.status == PENDING and can_edit(user, contribution),
        "can_verify": contribution.status == PENDING and can_verify(user, contribution),
        "can_void": contribution.status in (PENDING, CONFIRMED) and can_void(user),
    }


def offers_logging(user, match: Match, *, sponsor_id: int | None = None) -> bool:
    """Whether a page about ``match`` offers ``user`` the "log a delivery" button: who may
    log for it, while it runs (an admin enters a late delivery from the match's list)."""
    return match.ended_on is None and can_log_for(user, match, sponsor_id=sponsor_id)


# --- lists -----------------------------------------------------------------------------


@dataclass
class Filters:
    status: str = ""
    match_id: int | None = None
    sponsor_id: int | None = None
    child_id: int | None = None
    kecamatan_code: str = ""
    kelurahan_code: str = ""
    month: str = ""  # YYYY-MM
    delivered_from: date | None = None
    delivered_to: date | None = None
    q: str = ""  # part of the sponsor's or the child's name (pages)

    def as_args(self) -> dict:
        """The filters as query-string arguments (for pagination links)."""
        values = {k: v for k, v in self.__dict__.items() if v not in (None, "")}
        return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


def _month_range(text: str) -> tuple[date, date]:
    first = date(int(text[:4]), int(text[5:7]), 1)
    return first, (first + timedelta(days=32)).replace(day=1)


def parse_filters(args, *, strict: bool) -> Filters:
    """Filters from query arguments; ``strict`` (the API) refuses bad ones, pages drop them."""
    filters, errors = Filters(), {}
    status = (args.get("status") or "").strip()
    if status in CONTRIBUTION_STATUSES:
        filters.status = status
    elif status:
        errors["status"] = [f"Harus salah satu dari: {', '.join(CONTRIBUTION_STATUSES)}."]
    for name in ("match_id", "sponsor_id", "child_id"):
        raw = (args.get(name) or "").strip()
        if raw.isdigit():
            setattr(filters, name, int(raw))
        elif raw:
            errors[name] = ["Harus bilangan bulat."]
    for name in ("kecamatan_code", "kelurahan_code"):
        setattr(filters, name, (args.get(name) or "").strip()[:13])
    filters.q = clean_name_query(args.get("q"))
    month = (args.get("month") or "").strip()
    if _MONTH.match(month):
        filters.month = month
    elif month:
        errors["month"] = ["Bulan harus berformat YYYY-MM."]
    for name in ("delivered_from", "delivered_to"):
        raw = (args.get(name) or "").strip()
        try:
            setattr(filters, name, date.fromisoformat(raw) if raw else None)
        except ValueError:
            errors[name] = ["Tanggal harus berformat YYYY-MM-DD."]
    if errors and strict:
        raise ValidationFailed(errors)
    return filters


def scoped(stmt, user):
    """Narrow a select of contributions to what ``user`` may see."""
    if has_permission(user, Permission.VIEW_CONTRIBUTIONS):
        if (codes := visible_kelurahan(user)) is not None:
            stmt = stmt.where(Contribution.kelurahan_code.in_(codes))
        return stmt
    sponsor_id = _sponsor_id(user) if has_permission(user, Permission.OWN_SPONSORSHIP) else None
    if sponsor_id is None:
        return stmt.where(false())
    return stmt.where(Contribution.sponsor_id == sponsor_id)


def _with_details(stmt):
    # Lists show the sponsor, the child and the items: loaded up front, not per row.
    return stmt.options(
        joinedload(Contribution.match).joinedload(Match.sponsor),
        joinedload(Contribution.match).joinedload(Match.child),
        selectinload(Contribution.items),
    )


def search(user, filters: Filters):
    stmt = scoped(select(Contribution), user)
    if filters.status:
        stmt = stmt.where(Contribution.status == filters.status)
    for name in ("match_id", "sponsor_id", "child_id"):
        value = getattr(filters, name)
        if value is not None:
            stmt = stmt.where(getattr(Contribution, name) == value)
    if filters.kelurahan_code:
        stmt = stmt.where(Contribution.kelurahan_code == filters.kelurahan_code)
    if filters.kecamatan_code:
        stmt = stmt.where(Contribution.kelurahan_code.in_(
            select(Region.code).where(Region.parent_code == filters.kecamatan_code)))
    if filters.month:
        first, after = _month_range(filters.month)
        stmt = stmt.where(Contribution.delivered_on >= first, Contribution.delivered_on < after)
    if filters.delivered_from:
        stmt = stmt.where(Contribution.delivered_on >= filters.delivered_from)
    if filters.delivered_to:
        stmt = stmt.where(Contribution.delivered_on <= filters.delivered_to)
    if filters.q:
        stmt = stmt.where(sponsor_or_child_named(filters.q, Contribution.sponsor_id,
                                                 Contribution.child_id))
    return _with_details(stmt).order_by(Contribution.delivered_on.desc(),
                                        Contribution.id.desc())


def list_contributions(user, filters: Filters, *, page: int = 1, per_page: int = 25):
    return db.paginate(search(user, filters), page=page, per_page=per_page, error_out=False)


def verification_queue(user, *, page: int = 1, per_page: int = 25):
    """Pending deliveries the user may verify, oldest first (longest waiting on top)."""
    stmt = select(Contribution).where(Contribution.status == PENDING)
    if (codes := visible_kelurahan(user)) is not None:
        stmt = stmt.where(Contribution.kelurahan_code.in_(codes))
    stmt = _with_details(stmt).order_by(Contribution.delivered_on, Contribution.created_at,
                                        Contribution.id)
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def load(contribution_id: int, user=None) -> Contribution | None:
    """One contribution with its match, sponsor, child, items and photos; None when
    there is none, or when it lies outside ``user``'s scope (for them it does not exist)."""
    contribution = db.session.scalar(_with_details(select(Contribution)).options(
        selectinload(Contribution.photos),
        joinedload(Contribution.submitted_by), joinedload(Contribution.verified_by),
    ).where(Contribution.id == contribution_id))
    if contribution is not None and user is not None and not in_scope(user, contribution):
        return None
    return contribution


def history(contribution: Contribution) -> list[tuple]:
    """``(moment, user name, summary)`` of every audited change, oldest first."""
    return list(db.session.execute(
        select(AuditRecord.at, User.name, AuditRecord.summary)
        .outerjoin(User, User.id == AuditRecord.user_id)
        .where(AuditRecord.entity_type == "contribution",
               AuditRecord.entity_id == str(contribution.id))
        .order_by(AuditRecord.id)))


def can_see_match(user, match: Match) -> bool:
    """Whose progress a user may read: staff, field users of the child's kelurahan, and
    the match's sponsor."""
    if has_permission(user, Permission.VIEW_MATCHES):
        return match_in_scope(user, match)
    if has_permission(user, Permission.VIEW_CONTRIBUTIONS):
        child = db.session.get(Child, match.child_id)
        return can_see_child(user, child)
    sponsor_id = _sponsor_id(user) if has_permission(user, Permission.OWN_SPONSORSHIP) else None
    return sponsor_id is not None and match.sponsor_id == sponsor_id


def contribution_city(contribution_id) -> str | None:
    """A delivery's records belong to its child's kabupaten/kota."""
    code = db.session.scalar(select(Contribution.kelurahan_code)
                             .where(Contribution.id == int(contribution_id)))
    return city_code_of(code) if code else None


def on_child_moved(child, *, before: str, after: str, **_) -> None:
    """A moved child's deliveries go with it (``children.moving``): a delivery is seen
    where its child is, so the receiving city sees them, the old one no longer."""
    db.session.execute(update(Contribution).where(Contribution.child_id == child.id)
                       .values(kelurahan_code=after))
