"""What a visit list holds, as plain data (a PDF template and a page read the same dict).

Children to measure: those due in the month (``children.rules.due_for_measurement``: in
the programme, still a balita, no live plausible measurement in the month yet), with
their last measurement (``children.rules.current_measurement``) and the sponsor of their
running match (``matching.rules.running``). Deliveries to confirm: the pending ones in
the kelurahan, as the verification queue lists them (``contributions.access.search``).
Who may see which kelurahan is the children area's answer (``children.visibility``):
field users their own, staff any.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from asuh import timeutil
from asuh.children.growth import SEX_LABELS, age_label
from asuh.children.models import Child
from asuh.children.rules import current_measurement, due_for_measurement
from asuh.children.visibility import visible_kelurahan
from asuh.contributions import access as contributions
from asuh.contributions.models import PENDING, Contribution
from asuh.errors import NotFoundError, NotPermitted, ValidationFailed
from asuh.extensions import db
from asuh.formatting import format_fixed, format_month, format_quantity
from asuh.matching.models import Match
from asuh.matching.rules import running
from asuh.permissions import Permission, ensure_permitted, has_permission
from asuh.regions.models import KELURAHAN, Region
from asuh.regions.scopes import ensure_in_scope
from asuh.sponsors.models import Sponsor

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
# How far from this month a list may be asked for: a past month shows who was missed,
# the next ones prepare a visit; beyond that "due" means little.
MONTHS_BACK, MONTHS_AHEAD = 24, 3
ALL_POSYANDU = ""


@dataclass(frozen=True)
class VisitQuery:
    kelurahan_code: str
    month: date  # its first day
    posyandu: str = ALL_POSYANDU

    @property
    def last_day(self) -> date:
        return (self.month + timedelta(days=32)).replace(day=1) - timedelta(days=1)

    def as_args(self) -> dict:
        args = {"kelurahan_code": self.kelurahan_code, "month": f"{self.month:%Y-%m}"}
        if self.posyandu:
            args["posyandu"] = self.posyandu
        return args


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def kelurahan_choices(actor) -> list[Region]:
    """The kelurahan ``actor`` may make a list for, by kecamatan and name."""
    codes = visible_kelurahan(actor)
    stmt = select(Region).where(Region.level == KELURAHAN)
    if codes is not None:
        stmt = stmt.where(Region.code.in_(codes))
    regions = list(db.session.scalars(stmt))
    return sorted(regions, key=lambda r: (r.parent.name if r.parent else "", r.name))


def posyandu_names(kelurahan_code: str) -> list[str]:
    """The posyandu named on the kelurahan's children (import files carry them)."""
    return list(db.session.scalars(
        select(Child.posyandu).distinct()
        .where(Child.kelurahan_code == kelurahan_code, Child.posyandu.is_not(None),
               Child.posyandu != "")
        .order_by(Child.posyandu)))


def parse_query(args, actor, *, today: date | None = None) -> VisitQuery | None:
    """The list asked for by query arguments; None when no kelurahan is chosen yet.

    A field user with one kelurahan gets it without choosing. Refuses (ValidationFailed)
    a month that is malformed or out of range; the kelurahan is checked by
    :func:`visit_list`.
    """
    today = today or timeutil.today()
    errors = {}
    raw_month = (args.get("month") or "").strip()
    month = today.replace(day=1)
    if raw_month:
        found = _MONTH.match(raw_month)
        if not found:
            errors["month"] = ["Bulan harus berformat YYYY-MM."]
        else:
            month = date(int(found[1]), int(found[2]), 1)
            offset = _month_index(month) - _month_index(today)
            if not -MONTHS_BACK <= offset <= MONTHS_AHEAD:
                errors["month"] = [f"Pilih bulan paling lama {MONTHS_BACK} bulan lalu dan "
                                   f"paling jauh {MONTHS_AHEAD} bulan ke depan."]
    if errors:
        raise ValidationFailed(errors)
    code = (args.get("kelurahan_code") or "").strip()[:13]
    if not code:
        codes = visible_kelurahan(actor)
        if codes is not None and len(codes) == 1:
            code = codes[0]
    if not code:
        return None
    posyandu = " ".join((args.get("posyandu") or "").split())[:120]
    return VisitQuery(code, month, posyandu)


def _weight(kg: Decimal) -> str:
    # As it was recorded: 8,5 or 7,61 (a scale's tenths or hundredths), never "6".
    return format_fixed(kg, 1 if kg == kg.quantize(Decimal("0.1")) else 2)


def _children(query: VisitQuery, today: date) -> list[dict]:
    last = current_measurement()
    stmt = (select(Child, last)
            .outerjoin(last, last.child_id == Child.id)
            .where(Child.kelurahan_code == query.kelurahan_code,
                   due_for_measurement(query.month, query.last_day, today))
            .order_by(Child.posyandu, Child.name, Child.id))
    if query.posyandu:
        stmt = stmt.where(Child.posyandu == query.posyandu)
    rows = db.session.execute(stmt).all()
    sponsors = _sponsor_names([child.id for child, _ in rows])
    on = min(max(today, query.month), query.last_day)
    children = []
    for child, measurement in rows:
        children.append({
            "id": child.id,
            "registry_number": child.registry_number,
            "name": child.name,
            "sex": SEX_LABELS[child.sex],
            "birth_date": child.birth_date,
            "age": age_label(child.birth_date, on),
            "guardian_name": child.guardian_name,
            "address": child.address,
            "posyandu": child.posyandu or "",
            "category": child.category_label,
            "needs_remeasure": child.needs_remeasure,
            "sponsor": ", ".join(sponsors.get(child.id, [])),
            "last": None if measurement is None else {
                "measured_on": measurement.measured_on,
                "weight": _weight(measurement.weight_kg),
                "height": format_fixed(measurement.height_cm, 1, empty=""),
                "haz": format_fixed(measurement.haz, 2, empty=""),
                "flagged": bool(measurement.flags),
            },
        })
    return children


def _sponsor_names(child_ids: list[int]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = {}
    if not child_ids:
        return names
    for child_id, name in db.session.execute(
            select(Match.child_id, Sponsor.name).join(Sponsor, Sponsor.id == Match.sponsor_id)
            .where(running(), Match.child_id.in_(child_ids))
            .order_by(Match.start_on, Match.id)):
        names.setdefault(child_id, []).append(name)
    return names


def _deliveries(actor, query: VisitQuery) -> list[dict]:
    filters = contributions.Filters(status=PENDING, kelurahan_code=query.kelurahan_code,
                                    delivered_to=query.last_day)
    stmt = contributions.search(actor, filters)
    if query.posyandu:
        stmt = stmt.where(Contribution.child_id.in_(
            select(Child.id).where(Child.kelurahan_code == query.kelurahan_code,
                                   Child.posyandu == query.posyandu)))
    deliveries = []
    # Oldest first, as the verification queue: the longest waiting family on top.
    for c in sorted(db.session.scalars(stmt).unique(), key=lambda c: (c.delivered_on, c.id)):
        deliveries.append({
            "id": c.id,
            "delivered_on": c.delivered_on,
            "child_name": c.match.child.name,
            "registry_number": c.match.child.registry_number,
            "address": c.match.child.address,
            "posyandu": c.match.child.posyandu or "",
            "sponsor": c.match.sponsor.name,
            "goods": "; ".join(f"{i.commodity.name} {format_quantity(i.quantity)} {i.unit}"
                               for i in c.items),
            "value_idr": c.total_value_idr,
        })
    return deliveries


def visit_list(actor, query: VisitQuery, *, today: date | None = None) -> dict:
    """The list for ``query``, as plain data; refuses a kelurahan ``actor`` may not see.

    Reads only: the caller renders after ending the read (``transactions.end_read``)."""
    if actor is None:
        raise NotPermitted("Daftar kunjungan dibuat untuk seorang pengguna.")
    ensure_permitted(actor, Permission.VIEW_CHILDREN)
    today = today or timeutil.today()
    region = db.session.get(Region, query.kelurahan_code)
    if region is None or region.level != KELURAHAN:
        raise NotFoundError("Kelurahan tidak dikenal.")
    # Another kabupaten/kota's kelurahan does not exist for this user (issue 15).
    ensure_in_scope(actor, region.code)
    codes = visible_kelurahan(actor)
    if codes is not None and query.kelurahan_code not in codes:
        raise NotPermitted("Kelurahan ini di luar wilayah kerja Anda.")
    may_see_deliveries = has_permission(actor, Permission.VIEW_CONTRIBUTIONS)
    return {
        "kelurahan": {"code": region.code, "name": region.name,
                      "kecamatan": region.parent.name if region.parent else ""},
        "posyandu": query.posyandu,
        "month": query.month,
        "month_label": format_month(query.month),
        "last_day": query.last_day,
        "today": today,
        "children": _children(query, today),
        "deliveries": _deliveries(actor, query) if may_see_deliveries else [],
        "shows_deliveries": may_see_deliveries,
    }
