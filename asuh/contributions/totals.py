"""Monthly aggregates of confirmed deliveries, kept exact.

A confirmation adds its items to ``MonthlyCommodityTotal`` and one delivery to
``MonthlyDeliveryCount`` in the same transaction; voiding a confirmed delivery subtracts
the same amounts. Both go through an atomic upsert (``x = x + delta``), so two
verifiers confirming at once cannot overwrite each other's increment.

``check_monthly_totals()`` recomputes everything from the raw rows and lists every
difference; ``rebuild_monthly_totals()`` replaces the aggregates with that recomputation
(for instance after an officer changed a sponsor's kind, which moves their deliveries
to the other ``sponsor_kind`` row).
"""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from asuh.audit import services as audit
from asuh.contributions.models import (
    Contribution,
    ContributionItem,
    MonthlyCommodityTotal,
    MonthlyDeliveryCount,
)
from asuh.contributions.rules import confirmed_delivery
from asuh.extensions import db
from asuh.sponsors.models import Sponsor
from asuh.transactions import use_case

_QUANTITY = Decimal("0.001")


def month_of(day: date) -> date:
    return day.replace(day=1)


def _upsert(model, keys: dict, increments: dict) -> None:
    table = model.__table__
    dialect = db.session.get_bind().dialect.name
    make_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = make_insert(table).values(**keys, **increments)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: table.c[name] + stmt.excluded[name] for name in increments})
    db.session.execute(stmt)


def apply(contribution: Contribution, items: list[ContributionItem], sign: int) -> None:
    """Add (``sign=1``, on confirmation) or subtract (``-1``, on voiding) a delivery."""
    month = month_of(contribution.delivered_on)
    per_commodity: dict[int, list] = defaultdict(lambda: [Decimal(0), 0, 0])
    for item in items:
        totals = per_commodity[item.commodity_id]
        totals[0] += Decimal(item.canonical_quantity)
        totals[1] += item.value_idr
        totals[2] += 1
    for commodity_id, (quantity, value, count) in sorted(per_commodity.items()):
        _upsert(MonthlyCommodityTotal,
                {"month": month, "kelurahan_code": contribution.kelurahan_code,
                 "commodity_id": commodity_id},
                {"canonical_quantity": sign * quantity, "value_idr": sign * value,
                 "item_count": sign * count})
    kind = db.session.scalar(select(Sponsor.kind).where(Sponsor.id == contribution.sponsor_id))
    _upsert(MonthlyDeliveryCount,
            {"month": month, "kelurahan_code": contribution.kelurahan_code,
             "sponsor_kind": kind},
            {"contributions": sign, "value_idr": sign * contribution.total_value_idr})
    if sign < 0:
        # A month emptied by voids looks exactly like one that never had deliveries,
        # which is what a recomputation from scratch produces.
        db.session.execute(delete(MonthlyCommodityTotal).where(
            MonthlyCommodityTotal.month == month,
            MonthlyCommodityTotal.kelurahan_code == contribution.kelurahan_code,
            MonthlyCommodityTotal.item_count <= 0))
        db.session.execute(delete(MonthlyDeliveryCount).where(
            MonthlyDeliveryCount.month == month,
            MonthlyDeliveryCount.kelurahan_code == contribution.kelurahan_code,
            MonthlyDeliveryCount.contributions <= 0))


# --- recomputing from the raw rows ------------------------------------------------------


def _expected() -> tuple[dict, dict]:
    """``({(month, kelurahan, commodity_id): [qty, value, count]},
    {(month, kelurahan, sponsor_kind): [contributions, value]})`` summed with Decimal."""
    commodity: dict[tuple, list] = defaultdict(lambda: [Decimal(0), 0, 0])
    rows = db.session.execute(
        select(Contribution.delivered_on, Contribution.kelurahan_code,
               ContributionItem.commodity_id, ContributionItem.canonical_quantity,
               ContributionItem.value_idr)
        .join(ContributionItem, ContributionItem.contribution_id == Contribution.id)
        .where(confirmed_delivery())
        .execution_options(yield_per=5000))
    for delivered_on, kelurahan, commodity_id, quantity, value in rows:
        totals = commodity[(month_of(delivered_on), kelurahan, commodity_id)]
        totals[0] += Decimal(quantity)
        totals[1] += value
        totals[2] += 1
    deliveries: dict[tuple, list] = defaultdict(lambda: [0, 0])
    rows = db.session.execute(
        select(Contribution.delivered_on, Contribution.kelurahan_code, Sponsor.kind,
               Contribution.total_value_idr)
        .join(Sponsor, Sponsor.id == Contribution.sponsor_id)
        .where(confirmed_delivery())
        .execution_options(yield_per=5000))
    for delivered_on, kelurahan, kind, value in rows:
        totals = deliveries[(month_of(delivered_on), kelurahan, kind)]
        totals[0] += 1
        totals[1] += value
    return commodity, deliveries


def _stored() -> tuple[dict, dict]:
    # Plain column rows, not ORM objects: the upserts bypass the identity map.
    commodity = {
        (month, kelurahan, commodity_id): [Decimal(quantity), value, count]
        for month, kelurahan, commodity_id, quantity, value, count in db.session.execute(
            select(MonthlyCommodityTotal.month, MonthlyCommodityTotal.kelurahan_code,
                   MonthlyCommodityTotal.commodity_id,
                   MonthlyCommodityTotal.canonical_quantity,
                   MonthlyCommodityTotal.value_idr, MonthlyCommodityTotal.item_count))
    }
    deliveries = {
        (month, kelurahan, kind): [count, value]
        for month, kelurahan, kind, count, value in db.session.execute(
            select(MonthlyDeliveryCount.month, MonthlyDeliveryCount.kelurahan_code,
                   MonthlyDeliveryCount.sponsor_kind, MonthlyDeliveryCount.contributions,
                   MonthlyDeliveryCount.value_idr))
    }
    return commodity, deliveries


def _quantized(values: list) -> list:
    return [v.quantize(_QUANTITY) if isinstance(v, Decimal) else v for v in values]


def _compare(label: str, expected: dict, stored: dict, names: tuple[str, ...]) -> list[str]:
    problems = []
    for key in sorted(set(expected) | set(stored), key=lambda k: tuple(map(str, k))):
        want = _quantized(expected.get(key, [0] * len(names)))
        have = _quantized(stored.get(key, [0] * len(names)))
        if want != have:
            where = " ".join(str(part) for part in key)
            detail = ", ".join(f"{name} stored {h} expected {w}"
                               for name, h, w in zip(names, have, want, strict=True)
                               if h != w)
            problems.append(f"{label} {where}: {detail}")
    return problems


def check_monthly_totals() -> list[str]:
    """Every difference between the aggregates and the raw rows; empty means exact."""
    expected_commodity, expected_deliveries = _expected()
    stored_commodity, stored_deliveries = _stored()
    problems = _compare("monthly_commodity_totals", expected_commodity, stored_commodity,
                        ("canonical_quantity", "value_idr", "item_count"))
    problems += _compare("monthly_delivery_counts", expected_deliveries, stored_deliveries,
                         ("contributions", "value_idr"))
    sums = db.session.execute(
        select(Contribution.id, Contribution.total_value_idr, ContributionItem.value_idr)
        .join(ContributionItem, ContributionItem.contribution_id == Contribution.id)
        .order_by(Contribution.id))
    item_values: dict[int, list] = {}
    for contribution_id, total, value in sums:
        item_values.setdefault(contribution_id, [total, 0])[1] += value
    problems += [f"contribution {cid}: total_value_idr {total} but items sum to {items}"
                 for cid, (total, items) in item_values.items() if total != items]
    return problems


@use_case
def rebuild_monthly_totals(*, actor=None) -> tuple[int, int]:
    """Replace both aggregates with a recomputation; returns the rows written."""
    # The audit record comes first: it takes the audit chain's lock, which every
    # confirmation and void also takes, so none of them interleaves with the rebuild.
    audit.record("rebuild_totals", "monthly_totals", None, user=actor,
                 summary="Rekap bulanan penyaluran dihitung ulang dari data mentah")
    commodity, deliveries = _expected()
    db.session.execute(delete(MonthlyCommodityTotal))
    db.session.execute(delete(MonthlyDeliveryCount))
    if commodity:
        db.session.execute(insert(MonthlyCommodityTotal), [
            {"month": month, "kelurahan_code": kelurahan, "commodity_id": commodity_id,
             "canonical_quantity": quantity, "value_idr": value, "item_count": count}
            for (month, kelurahan, commodity_id), (quantity, value, count) in commodity.items()])
    if deliveries:
        db.session.execute(insert(MonthlyDeliveryCount), [
            {"month": month, "kelurahan_code": kelurahan, "sponsor_kind": kind,
             "contributions": count, "value_idr": value}
            for (month, kelurahan, kind), (count, value) in deliveries.items()])
    db.session.flush()
    return len(commodity), len(deliveries)
