"""Deliveries, monthly totals and the checks of ``tests/bench_scale_seed.py`` (not collected
by pytest): split off to keep modules small."""

import math
from datetime import datetime, timedelta

FULL_CHECK_CHILDREN = 100_000


def check_seed(children: int, sample: int = 2_000) -> list[str]:
    """Differences between the seeded derived data and the app's own computation.

    Up to FULL_CHECK_CHILDREN children: ``check_all()``, the app's ``dashboard check``
    (every aggregate recomputed from the raw rows in Python). Above, that takes longer
    than the seed on a shared machine, so: the growth summaries of ``sample`` random
    children recomputed by ``asuh.dashboard.growth.summary_rows`` over their live
    measurements, the matched flags and sponsor counters against the matches, and the
    monthly item totals against the deliveries' own totals (two independent sums).
    Call inside an app context.
    """
    from sqlalchemy import text

    from asuh.dashboard.aggregates import check_all
    from asuh.dashboard.growth import _COMPARED, _live_rows, _norm, summary_rows
    from asuh.extensions import db

    if children <= FULL_CHECK_CHILDREN:
        return check_all()
    problems = []
    ids = list(db.session.execute(text(
        "SELECT child_id FROM child_growth_summaries TABLESAMPLE BERNOULLI (1) LIMIT :n"),
        {"n": sample}).scalars())
    stored = {row[0]: dict(zip(_COMPARED, row[1:], strict=True)) for row in db.session.execute(
        text(f"SELECT child_id, {', '.join(_COMPARED)} FROM child_growth_summaries "
             "WHERE child_id = ANY(:ids)"), {"ids": ids})}
    for row in summary_rows(_live_rows(ids)):
        have = stored.get(row["child_id"], {})
        if any(_norm(row[name]) != _norm(have.get(name)) for name in _COMPARED):
            problems.append(f"growth summary of child {row['child_id']} differs")
    checks = {
        "children.is_matched": "SELECT count(*) FROM children c WHERE c.is_matched <> EXISTS "
        "(SELECT 1 FROM matches m WHERE m.child_id = c.id AND m.ended_on IS NULL)",
        "sponsors.active_matches": "SELECT count(*) FROM sponsors s WHERE s.active_matches <> "
        "(SELECT count(*) FROM matches m WHERE m.sponsor_id = s.id AND m.ended_on IS NULL)",
        "monthly totals": "SELECT abs((SELECT sum(value_idr) FROM monthly_commodity_totals) - "
        "(SELECT sum(total_value_idr) FROM contributions WHERE status = 'confirmed'))",
        "delivery counts": "SELECT abs((SELECT sum(contributions) FROM monthly_delivery_counts)"
        " - (SELECT count(*) FROM contributions WHERE status = 'confirmed'))",
    }
    for name, sql in checks.items():
        if db.session.execute(text(sql)).scalar_one():
            problems.append(f"{name} differs from the raw rows")
    return problems


def apply_scopes(url: str) -> None:
    """Each staff login's scope (``STAFF``), where the schema has ``users.scope_code``."""
    from tests.bench_scale_seed import STAFF, _Copier

    copier = _Copier(url, print)
    try:
        if copier.sql("SELECT 1 FROM information_schema.columns WHERE table_name = 'users' "
                      "AND column_name = 'scope_code'"):
            for email, _role, scope in STAFF:
                copier.sql("UPDATE users SET scope_code = %s WHERE email = %s", (scope, email))
    finally:
        copier.close()


def _contributions(copier, rng, today, matches, items, commodity_ids,
                   child_kelurahan) -> int:
    """About one delivery per month of each match, ``items`` items in all."""
    from tests.bench_scale_seed import ITEM_SHAPES

    now = datetime(today.year, today.month, today.day, 1, 0)
    deliveries = []
    for match_id, sponsor_id, child_id, start, end in matches:
        day = start + timedelta(days=rng.randint(3, 20))
        stop = end or today
        while day <= stop:
            deliveries.append((match_id, sponsor_id, child_id, day))
            day += timedelta(days=rng.randint(26, 34))
    deliveries = deliveries[:items]
    if not deliveries:
        return 0
    base, extra = divmod(items, len(deliveries))
    statuses = ["confirmed"] * 90 + ["pending"] * 5 + ["rejected"] * 3 + ["voided"] * 2
    codes = list(ITEM_SHAPES)
    totals = [0] * (len(deliveries) + 1)

    def item_rows():
        item_id = 0
        for number in range(1, len(deliveries) + 1):
            total = 0
            for _ in range(base + (1 if number <= extra else 0)):
                code = codes[math.floor(rng.random() * len(codes))]
                quantities, price = ITEM_SHAPES[code]
                quantity = quantities[math.floor(rng.random() * len(quantities))]
                total += quantity * price
                item_id += 1
                yield (item_id, number, commodity_ids[code], quantity,
                       "Rp" if code == "cash" else "satuan", quantity, quantity * price)
            totals[number] = total

    def contribution_rows():
        for number, (match_id, sponsor_id, child_id, day) in enumerate(deliveries, start=1):
            status = rng.choice(statuses)
            if day > today - timedelta(days=10) and status == "confirmed" and rng.random() < 0.5:
                status = "pending"
            yield (number, match_id, sponsor_id, child_id, child_kelurahan[child_id], day,
                   status, totals[number], now, now,
                   now if status in ("confirmed", "rejected") else None,
                   "Foto tidak jelas" if status == "rejected" else None,
                   now if status == "voided" else None,
                   "Dicatat ganda" if status == "voided" else None)

    # Items first: a delivery's total is the sum of its items.
    copier.copy("contribution_items", ("id", "contribution_id", "commodity_id", "quantity",
                                       "unit", "canonical_quantity", "value_idr"),
                item_rows())
    copier.copy("contributions", (
        "id", "match_id", "sponsor_id", "child_id", "kelurahan_code", "delivered_on", "status",
        "total_value_idr", "created_at", "updated_at", "verified_at", "rejection_reason",
        "voided_at", "void_reason"), contribution_rows())
    return len(deliveries)


def _monthly_totals(copier) -> None:
    """The sums ``asuh.contributions.totals`` keeps, from the raw rows in one pass each
    (``check_all`` afterwards compares them with the app's own recomputation)."""
    copier.sql("DELETE FROM monthly_commodity_totals")
    copier.sql("DELETE FROM monthly_delivery_counts")
    copier.sql(
        "INSERT INTO monthly_commodity_totals (month, kelurahan_code, commodity_id, "
        "canonical_quantity, value_idr, item_count) "
        "SELECT date_trunc('month', c.delivered_on)::date, c.kelurahan_code, i.commodity_id, "
        "sum(i.canonical_quantity), sum(i.value_idr), count(*) "
        "FROM contributions c JOIN contribution_items i ON i.contribution_id = c.id "
        "WHERE c.status = 'confirmed' GROUP BY 1, 2, 3")
    copier.sql(
        "INSERT INTO monthly_delivery_counts (month, kelurahan_code, sponsor_kind, "
        "contributions, value_idr) "
        "SELECT date_trunc('month', c.delivered_on)::date, c.kelurahan_code, s.kind, "
        "count(*), sum(c.total_value_idr) FROM contributions c "
        "JOIN sponsors s ON s.id = c.sponsor_id WHERE c.status = 'confirmed' GROUP BY 1, 2, 3")
