"""What the Dinas's recap (*rekapitulasi*) says for a period, for the city or one kecamatan:
per kelurahan, children stunted at the period's end, children with a sponsor during it and
children who received a confirmed delivery; totals per commodity; and the sponsors whose
deliveries fell short of the monthly package (the contributions area's progress rules).
"""

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import distinct, func, or_, select
from sqlalchemy.orm import joinedload

from asuh import timeutil
from asuh.children.models import Child
from asuh.children.rules import latest_plausible_measurement
from asuh.contributions import progress
from asuh.contributions.models import Commodity, Contribution, ContributionItem
from asuh.contributions.rules import confirmed_between
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.formatting import MONTHS_ID, format_quantity
from asuh.letters.content import STUNTED, commodity_totals
from asuh.letters.periods import Period
from asuh.letters.statement import overlapping
from asuh.matching.models import Match
from asuh.matching.rules import active_during
from asuh.regions.models import KECAMATAN, Region
from asuh.regions.services import kelurahan_list


def check_kecamatan(code) -> Region | None:
    """None for the whole city; a kecamatan's Region; refuses anything else."""
    if code in (None, ""):
        return None
    region = db.session.get(Region, str(code))
    if region is None or region.level != KECAMATAN:
        raise ValidationFailed({"kecamatan_code": ["Kecamatan tidak dikenal."]})
    return region


def _by_kelurahan(stmt) -> dict:
    return {code: tuple(values) for code, *values in db.session.execute(stmt)}


def _stunted(period: Period, codes: list[str]) -> dict:
    # A flagged measurement does not classify (issue 11): the latest plausible one does.
    current = latest_plausible_measurement(as_of=period.end)
    # Children who left the programme (moved, died) before the period are not counted.
    still_here = or_(Child.status == "active",
                     Child.status_changed_at >= datetime.combine(period.start,
                                                                 datetime.min.time()))
    return _by_kelurahan(
        select(Child.kelurahan_code, func.count(Child.id))
        .join(current, current.child_id == Child.id)
        .where(current.category.in_(STUNTED), Child.kelurahan_code.in_(codes), still_here)
        .group_by(Child.kelurahan_code))


def _matched(period: Period, codes: list[str]) -> dict:
    return _by_kelurahan(
        select(Child.kelurahan_code, func.count(distinct(Match.child_id)))
        .join(Child, Child.id == Match.child_id)
        .where(overlapping(period), Child.kelurahan_code.in_(codes))
        .group_by(Child.kelurahan_code))


def _in_period(period: Period, codes: list[str]):
    return (confirmed_between(period.start, period.end),
            Contribution.kelurahan_code.in_(codes))


def _delivered(period: Period, codes: list[str]) -> dict:
    return _by_kelurahan(
        select(Contribution.kelurahan_code, func.count(distinct(Contribution.child_id)),
               func.count(Contribution.id), func.sum(Contribution.total_value_idr))
        .where(*_in_period(period, codes))
        .group_by(Contribution.kelurahan_code))


def _commodity_totals(period: Period, codes: list[str]):
    sums = db.session.execute(
        select(ContributionItem.commodity_id, func.sum(ContributionItem.canonical_quantity),
               func.sum(ContributionItem.value_idr))
        .join(Contribution, Contribution.id == ContributionItem.contribution_id)
        .where(*_in_period(period, codes))
        .group_by(ContributionItem.commodity_id)).all()
    commodities = {c.id: c for c in db.session.scalars(
        select(Commodity).where(Commodity.id.in_([row[0] for row in sums])))}
    return commodity_totals((commodities[cid], Decimal(q or 0), int(v or 0))
                            for cid, q, v in sums)


def _month_label(month: date) -> str:
    return f"{MONTHS_ID[month.month - 1][:3]} {month.year}"


def _behind(period: Period, codes: list[str], today: date) -> list[dict]:
    """One row per match short of the package in at least one ended month of the period.

    A month still running is not judged (on 1 December nobody is "short" for December
    after one day). A month the match or the period covers only in part owes that share
    of the package, by days.
    """
    shortfalls: dict[int, dict] = {}
    for month in period.months():
        after = progress.next_month(month)
        if after > today:
            break
        matches = {m.id: m for m in db.session.scalars(
            select(Match).options(joinedload(Match.sponsor), joinedload(Match.child))
            .join(Child, Child.id == Match.child_id)
            .where(active_during(month, after - timedelta(days=1)),
                   Child.kelurahan_code.in_(codes)))}
        for match_id, month_progress in progress.progress_for_matches(
                list(matches.values()), month, first=period.start, last=period.end).items():
            if not month_progress.behind:
                continue
            match = matches[match_id]
            row = shortfalls.setdefault(match_id, {
                "sponsor": match.sponsor.name,
                "kelurahan": match.child.kelurahan.name if match.child.kelurahan else "",
                "months": [], "missing": defaultdict(Decimal), "units": {}})
            row["months"].append(_month_label(month))
            for line in month_progress.lines:
                if line.behind:
                    row["missing"][line.name] += line.package - line.delivered
                    row["units"][line.name] = line.unit
    rows = []
    for row in sorted(shortfalls.values(), key=lambda r: (r["sponsor"], r["kelurahan"])):
        rows.append({"sponsor": row["sponsor"], "kelurahan": row["kelurahan"],
                     "months": ", ".join(row["months"]),
                     "missing": "; ".join(f"{name} {format_quantity(amount)} "
                                          f"{row['units'][name]}"
                                          for name, amount in row["missing"].items())})
    return rows


def recap_content(period: Period, kecamatan: Region | None = None,
                  today: date | None = None) -> dict:
    today = today or timeutil.today()
    kelurahan = kelurahan_list(kecamatan.code if kecamatan else None)
    codes = [k.code for k in kelurahan]
    stunted, matched = _stunted(period, codes), _matched(period, codes)
    delivered = _delivered(period, codes)
    groups: dict[str, dict] = {}
    keys = ("stunted", "matched", "delivered_children", "deliveries", "value_idr")
    total = dict.fromkeys(keys, 0)
    for region in sorted(kelurahan, key=lambda r: (r.parent.name if r.parent else "",
                                                   r.name)):
        parent = region.parent.name if region.parent else ""
        group = groups.setdefault(parent, {"kecamatan": parent, "rows": [],
                                           "subtotal": dict.fromkeys(keys, 0)})
        children, count, value = delivered.get(region.code, (0, 0, 0))
        row = {"kelurahan": region.name, "stunted": stunted.get(region.code, (0,))[0],
               "matched": matched.get(region.code, (0,))[0], "delivered_children": children,
               "deliveries": count, "value_idr": int(value or 0)}
        group["rows"].append(row)
        for key in keys:
            group["subtotal"][key] += row[key]
            total[key] += row[key]
    return {
        "scope": f"Kecamatan {kecamatan.name}" if kecamatan else "seluruh kota",
        "kecamatan_code": kecamatan.code if kecamatan else None,
        "groups": list(groups.values()),
        "total": total,
        "totals": _commodity_totals(period, codes),
        "behind": _behind(period, codes, today),
        "package": _package_text(),
    }


def _package_text() -> str:
    """``Beras 10 kg, Telur 30 butir``: the monthly package the shortfalls are measured by."""
    names = {c.code: c for c in progress.catalogue.commodities()}
    return ", ".join(
        f"{names[code].name if code in names else code} {format_quantity(amount)} "
        f"{names[code].canonical_unit if code in names else ''}".strip()
        for code, amount in progress.catalogue.monthly_package().items())


def recap_summary(content: dict) -> dict:
    """Counts and totals only: no child, and no sponsor named on the public page."""
    total = content["total"]
    return {"scope": content["scope"], "stunted_count": total["stunted"],
            "matched_count": total["matched"],
            "delivered_children_count": total["delivered_children"],
            "delivery_count": total["deliveries"], "behind_count": len(content["behind"]),
            **content["totals"].summary()}
