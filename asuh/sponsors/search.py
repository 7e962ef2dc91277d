"""The sponsor list's search and filters, as the viewer may see them (issue 15: only the
sponsors in their scope, ``asuh.sponsors.scoping``)."""

from sqlalchemy import or_, select

from asuh.extensions import db
from asuh.permissions import Role
from asuh.regions.models import Region
from asuh.sponsors import scoping
from asuh.sponsors.models import SPONSOR_KINDS, Sponsor
from asuh.sponsors.registrations import awaiting_decision


def sees_identifiers(user) -> bool:
    """Officers and admins need full NIP/NIK (to check documents); others see them masked."""
    return getattr(user, "is_authenticated", False) and user.role in (Role.ADMIN, Role.OFFICER)


def search_sponsors(*, q: str | None = None, kind: str | None = None,
                    kecamatan_code: str | None = None, approved: bool | None = None,
                    with_children: bool | None = None, viewer=None):
    """The list's query: search by name or agency (any part), by a whole NIP/NIK (only
    for a ``viewer`` who sees them unmasked), and filters.

    ``with_children`` reads ``Sponsor.active_matches``, which the matching area keeps.
    """
    stmt = select(Sponsor).order_by(Sponsor.name, Sponsor.id)
    if (in_scope := scoping.scope_condition(viewer)) is not None:
        stmt = stmt.where(in_scope)
    q = " ".join((q or "").split())
    if q:
        terms = [Sponsor.name.icontains(q, autoescape=True),
                 Sponsor.agency.icontains(q, autoescape=True)]
        # People type NIPs in their printed groups ("19850315 201001 1 002").
        digits = "".join(q.split())
        if digits.isdigit() and sees_identifiers(viewer):
            # The whole number only: a match on any part would let a reader rebuild a
            # number digit by digit from which queries find someone (issue 12).
            terms += [Sponsor.nip == digits, Sponsor.nik == digits]
        stmt = stmt.where(or_(*terms))
    if kind in SPONSOR_KINDS:
        stmt = stmt.where(Sponsor.kind == kind)
    if kecamatan_code:
        stmt = stmt.where(Sponsor.kelurahan_code.in_(
            select(Region.code).where(Region.parent_code == kecamatan_code)))
    if approved is True:
        stmt = stmt.where(Sponsor.approved_at.is_not(None))
    elif approved is False:
        stmt = stmt.where(Sponsor.approved_at.is_(None))
    if with_children is True:
        stmt = stmt.where(Sponsor.active_matches > 0)
    elif with_children is False:
        stmt = stmt.where(Sponsor.active_matches == 0)
    return stmt


YES_NO = {"yes": True, "no": False}
# The list's "Persetujuan" filter: "no" is a registration still waiting for a decision
# (the officer's to-do), so refused and withdrawn ones are not in it.
DECISIONS = {"yes": Sponsor.approved_at.is_not(None), "no": awaiting_decision(),
             "rejected": Sponsor.rejected_at.is_not(None)}


def parse_list_filters(args) -> dict:
    """The list's filters from query arguments, as the form shows them (unknown values
    dropped). The list page and the export both read them here."""
    def yes_no(name: str) -> str:
        return args.get(name, "") if args.get(name) in YES_NO else ""

    return {
        "q": args.get("q", "").strip(),
        "kind": args.get("kind", "") if args.get("kind") in SPONSOR_KINDS else "",
        "kecamatan": args.get("kecamatan", "").strip(),
        "approved": (args.get("approved", "")
                     if args.get("approved") in DECISIONS else ""),
        "children": yes_no("children"),
    }


def search_filtered(filters: dict, viewer=None):
    """``search_sponsors`` for the filters of ``parse_list_filters``, as ``viewer`` may."""
    stmt = search_sponsors(q=filters["q"], viewer=viewer, kind=filters["kind"] or None,
                           kecamatan_code=filters["kecamatan"] or None,
                           with_children=YES_NO.get(filters["children"]))
    if filters["approved"]:
        stmt = stmt.where(DECISIONS[filters["approved"]])
    return stmt


def list_sponsors(*, page: int = 1, per_page: int = 25, **filters):
    return db.paginate(search_sponsors(**filters), page=page, per_page=per_page,
                       error_out=False)
