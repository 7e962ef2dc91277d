"""What the Dinas's recap (*rekapitulasi*) says for a period, for a kecamatan, a
kabupaten/kota or the province (whose rows are its kabupaten/kota): per kelurahan,
children stunted at the period's end, children with a sponsor during it and children who
received a confirmed delivery; totals per commodity; and the sponsors whose deliveries
fell short of the monthly package (the contributions area's progress rules).
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
from asuh.dashboard import levels
from asuh.extensions import db
from asuh.formatting import MONTHS_ID, format_quantity
from asuh.letters.content import STUNTED, commodity_totals
from asuh.letters.packages import package_text
from asuh.letters.periods import Period
from asuh.letters.statement import overlapping
from asuh.matching.models import Match
from asuh.matching.rules import active_during
from asuh.regions.models import KECAMATAN, PROVINSI, Region
from asuh.regions.scopes import city_code_of
from asuh.settings import services as settings


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


def recap_content(period: Period, region: Region, today: date | None = None) -> dict:
    """The recap of a kecamatan, a kabupaten/kota or (a provincial recap) a province,
    with the same definitions at every level: a province's rows are its kabupaten/kota,
    each the sum of its kelurahan, as a city's total is the sum of its kecamatan."""
    today = today or timeutil.today()
    tree = levels.Tree()
    codes = tree.kelurahan_under(region.code)
    stunted, matched = _stunted(period, codes), _matched(period, codes)
    delivered = _delivered(period, codes)
    keys = ("stunted", "matched", "delivered_children", "deliveries", "value_idr")
    total = dict.fromkeys(keys, 0)
    provincial = region.level == PROVINSI

    def group_of(code: str) -> tuple[str, str]:
        """(group name, row name): a city's rows are kelurahan grouped by kecamatan; a
        province's are its cities, in one group."""
        node = tree.get(code)
        parent = tree.get(node.parent_code) if node else None
        if provincial:
            city = tree.get(city_code_of(code))
            return "", city.name if city else city_code_of(code)
        return (parent.name if parent else "", node.name if node else code)

    groups: dict[str, dict] = {}
    rows: dict[tuple, dict] = {}
    for code in sorted(codes, key=lambda c: (city_code_of(c), *group_of(c))):
        group_name, row_name = group_of(code)
        group = groups.setdefault(group_name, {"kecamatan": group_name, "rows": [],
                                               "subtotal": dict.fromkeys(keys, 0)})
        row = rows.get((group_name, row_name))
        if row is None:
            row = rows[(group_name, row_name)] = {"kelurahan": row_name,
                                                  **dict.fromkeys(keys, 0)}
            group["rows"].append(row)
        children, count, value = delivered.get(code, (0, 0, 0))
        values = {"stunted": stunted.get(code, (0,))[0], "matched": matched.get(code, (0,))[0],
                  "delivered_children": children, "deliveries": count,
                  "value_idr": int(value or 0)}
        for key in keys:
            row[key] += values[key]
            group["subtotal"][key] += values[key]
            total[key] += values[key]
    office = settings.for_office(region.code if provincial else city_code_of(region.code))
    return {
        "scope": _scope_text(region),
        "level": region.level,
        "region_code": region.code,
        "kecamatan_code": region.code if region.level == KECAMATAN else None,
        "groups": list(groups.values()),
        "total": total,
        "totals": _commodity_totals(period, codes),
        "behind": _behind(period, codes, today),
        "package": package_text(office["monthly_package"]),
        "province_package": package_text(office["province_package"]),
    }


def _scope_text(region: Region) -> str:
    if region.level == KECAMATAN:
        return f"Kecamatan {region.name}"
    if region.level == PROVINSI:
        return "seluruh provinsi"
    return "seluruh kota" if region.name.startswith("Kota") else "seluruh kabupaten"


def recap_summary(content: dict) -> dict:
    """Counts and totals only: no child, and no sponsor named on the public page."""
    total = content["total"]
    return {"scope": content["scope"], "level": content.get("level"),
            "region_code": content.get("region_code"), "stunted_count": total["stunted"],
            "matched_count": total["matched"],
            "delivered_children_count": total["delivered_children"],
            "delivery_count": total["deliveries"], "behind_count": len(content["behind"]),
            **content["totals"].summary()}
