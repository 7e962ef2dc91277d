"""Reading letters: the filtered list each role may see, one letter, its chain, lookups by
verification token and short code. The same functions serve the pages and the API."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import joinedload, undefer

from asuh.contributions import access as contributions
from asuh.contributions.models import CONFIRMED, Contribution
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.letters import offices
from asuh.letters.models import CURRENT, LETTER_KINDS, SUPERSEDED, Letter
from asuh.letters.periods import Period, parse_period
from asuh.letters.rendering import normalise_short_code
from asuh.letters.services import own_sponsor_id
from asuh.matching.models import Match
from asuh.permissions import Permission, has_permission
from asuh.regions import scopes
from asuh.sponsors.models import Sponsor

STATUSES = {CURRENT: "Berlaku", SUPERSEDED: "Digantikan"}


@dataclass
class Filters:
    kind: str = ""
    status: str = ""
    number: str = ""
    sponsor_id: int | None = None
    sponsor: str = ""  # part of the sponsor's name (pages)
    contribution_id: int | None = None
    period: Period | None = None  # letters whose period overlaps this one
    period_text: str = ""

    def as_args(self) -> dict:
        """The filters as the page's query arguments (for pagination links)."""
        values = {"kind": self.kind, "status": self.status, "number": self.number,
                  "sponsor_id": self.sponsor_id, "sponsor": self.sponsor,
                  "contribution_id": self.contribution_id, "period": self.period_text}
        return {k: v for k, v in values.items() if v not in (None, "")}


def parse_filters(args, *, strict: bool) -> Filters:
    """Query arguments → Filters. Pages take ``period`` in the letter period syntax; the
    API ``period_start``/``period_end`` dates. ``strict`` (the API) refuses bad values."""
    filters, errors = Filters(), {}
    kind = (args.get("kind") or "").strip()
    if kind in LETTER_KINDS:
        filters.kind = kind
    elif kind:
        errors["kind"] = [f"Harus salah satu dari: {', '.join(LETTER_KINDS)}."]
    status = (args.get("status") or "").strip()
    if status in STATUSES:
        filters.status = status
    elif status:
        errors["status"] = [f"Harus salah satu dari: {', '.join(STATUSES)}."]
    filters.number = " ".join((args.get("number") or "").split())[:80]
    # ``q`` is every list's name search; here the name is the sponsor's.
    filters.sponsor = " ".join((args.get("sponsor") or args.get("q") or "").split())[:120]
    for name in ("sponsor_id", "contribution_id"):
        raw = (args.get(name) or "").strip()
        if raw.isdigit():
            setattr(filters, name, int(raw))
        elif raw:
            errors[name] = ["Harus bilangan bulat."]
    text = (args.get("period") or "").strip()
    if text:
        try:
            filters.period, filters.period_text = parse_period(text), text
        except ValidationFailed as failure:
            errors.update(failure.errors)
    bounds = {}
    for name in ("period_start", "period_end"):
        raw = (args.get(name) or "").strip()
        try:
            bounds[name] = date.fromisoformat(raw) if raw else None
        except ValueError:
            errors[name] = ["Tanggal harus berformat YYYY-MM-DD."]
    if any(bounds.values()) and not filters.period:
        filters.period = Period(bounds.get("period_start") or date.min,
                                bounds.get("period_end") or date.max)
    if errors and strict:
        raise ValidationFailed(errors)
    return filters


def scoped(stmt, user):
    """For VIEW_LETTERS the letters of the offices in the user's scope (a city's officer:
    their city's; a provincial one: every city's and the province's own); a sponsor the
    letters about them; others nothing."""
    if has_permission(user, Permission.VIEW_LETTERS):
        condition = offices.office_condition(scopes.scope_of(user), Letter.office_code)
        return stmt if condition is None else stmt.where(condition)
    sponsor_id = own_sponsor_id(user)
    if sponsor_id is None:
        return stmt.where(false())
    return stmt.where(Letter.sponsor_id == sponsor_id)


def search(user, filters: Filters):
    stmt = scoped(select(Letter), user).options(
        joinedload(Letter.sponsor), joinedload(Letter.issued_by))
    if filters.kind:
        stmt = stmt.where(Letter.kind == filters.kind)
    if filters.status:
        stmt = stmt.where(Letter.status == filters.status)
    if filters.number:
        stmt = stmt.where(Letter.number.icontains(filters.number, autoescape=True))
    if filters.sponsor_id is not None:
        stmt = stmt.where(Letter.sponsor_id == filters.sponsor_id)
    if filters.contribution_id is not None:
        stmt = stmt.where(Letter.contribution_id == filters.contribution_id)
    if filters.sponsor:
        stmt = stmt.where(Letter.sponsor_id.in_(select(Sponsor.id).where(
            Sponsor.name.icontains(filters.sponsor, autoescape=True))))
    if filters.period is not None:
        # Receipts have no period: they count by the day of their delivery, which the
        # letter does not store, so a period filter leaves them out.
        stmt = stmt.where(Letter.period_start <= filters.period.end,
                          Letter.period_end >= filters.period.start)
    return stmt.order_by(Letter.issued_at.desc(), Letter.id.desc())


def list_letters(user, filters: Filters, *, page: int = 1, per_page: int = 25):
    return db.paginate(search(user, filters), page=page, per_page=per_page, error_out=False)


def load(letter_id: int) -> Letter | None:
    """One letter with who issued it, its subject's records and what superseded it."""
    return db.session.scalar(
        select(Letter).options(joinedload(Letter.issued_by), joinedload(Letter.sponsor),
                               joinedload(Letter.kecamatan), joinedload(Letter.office),
                               joinedload(Letter.superseded_by))
        .where(Letter.id == letter_id))


def load_with_pdf(letter_id: int) -> Letter | None:
    return db.session.scalar(select(Letter).options(undefer(Letter.pdf))
                             .where(Letter.id == letter_id))


def superseded_ones(letter: Letter) -> list[Letter]:
    """The letters this one replaced (normally one), newest first."""
    return list(db.session.scalars(select(Letter).where(Letter.superseded_by_id == letter.id)
                                   .order_by(Letter.issued_at.desc(), Letter.id.desc())))


def by_token(token: str) -> Letter | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(Letter).options(joinedload(Letter.superseded_by))
                             .where(Letter.verify_token == token))


def by_short_code(text) -> Letter | None:
    code = normalise_short_code(text)
    if not code:
        return None
    return db.session.scalar(select(Letter).where(Letter.short_code == code))


def current_for(kind: str, *, sponsor_id=None, contribution_id=None) -> list[Letter]:
    """Current letters of a kind for a sponsor or a delivery, newest first (pages)."""
    stmt = select(Letter).where(Letter.kind == kind, Letter.status == CURRENT)
    if sponsor_id is not None:
        stmt = stmt.where(Letter.sponsor_id == sponsor_id)
    if contribution_id is not None:
        stmt = stmt.where(Letter.contribution_id == contribution_id)
    return list(db.session.scalars(stmt.order_by(Letter.issued_at.desc(), Letter.id.desc())))


CHOICES_SHOWN = 100


def _keep(stmt, column, keep_id):
    # The one already picked stays in the list whatever the search says.
    keep = str(keep_id or "").strip()
    return or_(stmt, column == int(keep)) if keep.isdigit() else stmt


def sponsors_for_choice(*, q: str = "", keep_id=None) -> list[Sponsor]:
    """Sponsors who have had a match (only they can have a statement), by name; ``q``
    narrows by part of the name. Withdrawn sponsors stay: their past periods may still
    need a statement."""
    condition = Sponsor.id.in_(select(Match.sponsor_id))
    if q:
        condition = and_(condition, Sponsor.name.icontains(q, autoescape=True))
    return list(db.session.scalars(
        select(Sponsor).where(_keep(condition, Sponsor.id, keep_id))
        .order_by(Sponsor.name, Sponsor.id).limit(CHOICES_SHOWN)))


def receipt_candidates(user, *, q: str = "", keep_id=None) -> list:
    """Confirmed deliveries ``user`` may see, newest first, for the receipt's picker;
    ``q`` narrows by the sponsor's or the child's name."""
    confirmed = contributions.Filters(status=CONFIRMED, q=q)
    chosen = contributions.search(user, confirmed).limit(CHOICES_SHOWN)
    found = list(db.session.scalars(chosen).unique())
    keep = str(keep_id or "").strip()
    if keep.isdigit() and int(keep) not in {c.id for c in found}:
        kept = contributions.search(user, contributions.Filters()).where(
            Contribution.id == int(keep))
        found += list(db.session.scalars(kept).unique())
    return found
