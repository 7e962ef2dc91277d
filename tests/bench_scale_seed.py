"""A province for ``make bench-scale``, seeded by COPY into PostgreSQL (not collected by pytest).

``seed_province(url, scale)`` fills an EMPTY database (schema by the app's migrations, as
``flask db upgrade``) with ten kabupaten/kota of province 32 (``32.01`` … ``32.10``, ten
kecamatan of ten kelurahan each, in PROVINCE.md's shape: levels provinsi/kabupaten/
kecamatan/kelurahan and ``Region.city_code``/``province_code`` when the schema has them),
one login per staff role, then ``scale.children`` children with several measurements each,
``scale.sponsors`` sponsors, matches and ``scale.items`` contribution items, every bulk
table written with psycopg's ``cursor.copy`` (no row inserts, no ORM objects).

How the derived data stays the app's own:

- z-scores and categories of every measurement come from ``asuh.children.growth.assess``
  (the function the measurement form calls); heights are drawn from WHO's LHFA median and
  spread for a target z-score, so the z-scores are realistic, and a measurement the app
  would flag implausible is drawn again;
- ``children.latest_*`` follow the latest live measurement; ``child_growth_summaries``
  rows are made by ``asuh.dashboard.growth.summarize`` (what ``dashboard rebuild`` calls);
- ``children.is_matched`` and ``sponsors.active_matches`` are counted from the matches;
- the monthly totals are rebuilt by set-based SQL equal to ``totals._expected``'s sums
  (20M rows through Python Decimals would take longer than the seed), and afterwards
  ``asuh.dashboard.aggregates.check_all()`` — the app's own ``dashboard check`` —
  recomputes everything from the raw rows and must report no difference.

Indexes (other than primary keys and unique constraints) are dropped for the load and
built afterwards, and foreign-key triggers are off during COPY
(``session_replication_role = replica``: the generator writes only ids it made); VACUUM
ANALYZE at the end leaves the visibility map and statistics a maintained database has.
"""

import inspect
import random
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import islice

from asuh import timeutil
from tests.bench_city import BENCH_PASSWORD, _add_months, make_app
from tests.bench_scale_seed_checks import _contributions, _monthly_totals, check_seed

PROVINCE = "32"
CITIES = tuple(f"{PROVINCE}.{n:02d}" for n in range(1, 11))
KECAMATAN_PER_CITY = 10
KELURAHAN_PER_KECAMATAN = 10
# Staff logins: (email, role, scope). A scope is written only when the schema has
# users.scope_code (issue 15's province branch).
STAFF = (
    ("admin@bench.example.id", "admin", None),
    ("officer@bench.example.id", "officer", PROVINCE),       # provincial officer
    ("city-officer@bench.example.id", "officer", CITIES[0]),  # Kabupaten 32.01's officer
    ("field@bench.example.id", "field", CITIES[0]),
    ("auditor@bench.example.id", "auditor", PROVINCE),
)
# (canonical quantity choices, Rupiah per canonical unit) per commodity code.
ITEM_SHAPES = {
    "rice": ((5, 10), 13_000),
    "eggs": ((10, 15, 30), 2_000),
    "milk": ((1, 2, 4), 18_000),
    "milk_powder": ((400, 800), 150),
    "honey": ((250, 500), 200),
    "other": ((1, 2, 3), 25_000),
    "cash": ((50_000, 100_000, 150_000), 1),
}
BIG_TABLES = ("children", "measurements", "sponsors", "matches", "contributions",
              "contribution_items", "child_growth_summaries", "monthly_commodity_totals",
              "monthly_delivery_counts")


def region_rows(has_city_columns: bool):
    """``(code, name, level, parent_code, village_type[, city_code, province_code])``."""
    rows = []
    if has_city_columns:
        rows.append((PROVINCE, "Provinsi Bench", "provinsi", None, None, None, PROVINCE))
    for c, city in enumerate(CITIES, start=1):
        if has_city_columns:
            rows.append((city, f"Kabupaten Bench {c}", "kabupaten", PROVINCE, None, None,
                         PROVINCE))
        for k in range(1, KECAMATAN_PER_CITY + 1):
            kecamatan = f"{city}.{k:02d}"
            rows.append((kecamatan, f"Kecamatan Bench {c}-{k}", "kecamatan",
                         city if has_city_columns else None, None, city, PROVINCE))
            for v in range(1, KELURAHAN_PER_KECAMATAN + 1):
                rows.append((f"{kecamatan}.{1000 + v}", f"Kelurahan Bench {c}-{k}-{v}",
                             "kelurahan", kecamatan, "kelurahan", city, PROVINCE))
    return [row if has_city_columns else row[:5] for row in rows]


class _Copier:
    """One psycopg connection; ``copy(table, columns, rows)`` streams rows through COPY."""

    def __init__(self, url: str, log):
        import psycopg

        self.conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"),
                                    autocommit=True)
        self.log = log

    def sql(self, statement: str, params=None):
        with self.conn.cursor() as cur:
            cur.execute(statement, params)
            return cur.fetchall() if cur.description else None

    def copy(self, table: str, columns: tuple[str, ...], rows) -> int:
        started, count = time.perf_counter(), 0
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with self.conn.cursor() as cur, cur.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
                if count % 2_000_000 == 0:
                    self.log(f"    {table}: {count:,} rows, "
                             f"{count / (time.perf_counter() - started):,.0f}/s")
        self.log(f"    {table}: {count:,} rows in {time.perf_counter() - started:.0f} s")
        return count

    def close(self):
        self.conn.close()


def seed_province(url: str, children: int, sponsors: int, items: int, *,
                  today: date | None = None, seed: int = 20261206, log=print) -> dict:
    """Fill the EMPTY database at ``url``; returns timings and the logins."""
    from flask_migrate import upgrade

    from asuh.accounts import services as accounts
    from asuh.contributions.catalogue import install_default_catalogue
    from asuh.extensions import db

    rng = random.Random(seed)
    today = today or timeutil.today()
    app = make_app(url)
    timings: dict[str, float] = {}
    started = time.perf_counter()

    def lap(name: str) -> None:
        timings[name] = round(time.perf_counter() - started - sum(timings.values()), 1)
        log(f"  {name}: {timings[name]} s")

    copier = _Copier(url, log)
    with app.app_context():
        upgrade()
        columns = {row[0] for row in copier.sql(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'regions'")}
        has_city = "city_code" in columns
        region_columns = ("code", "name", "level", "parent_code", "village_type")
        if has_city:
            region_columns += ("city_code", "province_code")
        copier.copy("regions", region_columns, region_rows(has_city))
        install_default_catalogue()
        db.session.commit()
        scoped = "scope" in inspect.signature(accounts.create_user).parameters
        for email, role, scope in STAFF:
            # Issue 15's accounts take their scope here; before it, apply_scopes sets it
            # after the migration that adds the column.
            extra = {"scope": scope} if scoped else {}
            accounts.create_user(email, BENCH_PASSWORD, role, f"Bench {role}", **extra)
            db.session.commit()
        commodity_ids = dict(db.session.execute(db.text(
            "SELECT code, id FROM commodities")).all())
        db.session.remove()
        kelurahan = [r[0] for r in copier.sql(
            "SELECT code FROM regions WHERE level = 'kelurahan' AND code LIKE %s ORDER BY code",
            (f"{PROVINCE}.%",))]
        lap("schema (migrations), regions, catalogue, logins")

        indexes = _drop_indexes(copier)
        copier.sql("SET session_replication_role = replica")
        lap(f"{len(indexes)} indexes dropped for the load")
        child_kelurahan, latest = _children(copier, rng, today, children, kelurahan)
        lap(f"{children:,} children with measurements and growth summaries")
        eligible = _sponsors(copier, rng, today, sponsors, kelurahan)
        lap(f"{sponsors:,} sponsors")
        matches = _matches(copier, rng, today, latest, eligible)
        lap(f"{len(matches):,} matches")
        deliveries = _contributions(copier, rng, today, matches, items, commodity_ids,
                                    child_kelurahan)
        lap(f"{deliveries:,} contributions, {items:,} items")
        copier.sql("SET session_replication_role = origin")
        _monthly_totals(copier)
        lap("monthly totals (set-based SQL)")
        for statement in indexes:
            copier.sql(statement)
        lap(f"{len(indexes)} indexes built")
        for table in ("children", "measurements", "sponsors", "matches", "contributions",
                      "contribution_items"):
            copier.sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                       f"(SELECT coalesce(max(id), 1) FROM {table}))")
        copier.sql("VACUUM ANALYZE")
        lap("VACUUM ANALYZE")

        problems = check_seed(children)
        db.session.remove()
        if problems:
            raise RuntimeError(f"check after seeding: {problems[:5]}")
        lap("check against the app's own computation: no difference")
    size = copier.sql("SELECT pg_database_size(current_database())")[0][0]
    copier.close()
    timings["total"] = round(time.perf_counter() - started, 1)
    return {"timings": timings, "database_bytes": size,
            "logins": {email: role for email, role, _ in STAFF}, "password": BENCH_PASSWORD}


def _drop_indexes(copier: _Copier) -> list[str]:
    """Drop the big tables' indexes that no constraint owns; their CREATE statements."""
    rows = copier.sql(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class t ON t.oid = i.indrelid WHERE t.relname = ANY(%s) AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        (list(BIG_TABLES),))
    for name, _ in rows:
        copier.sql(f"DROP INDEX {name}")
    return [definition for _, definition in rows]


def _target_height(sex: str, age: int, z: float) -> float:
    from asuh.children.who_reference import LHFA

    _l, m, s = LHFA[sex][age]  # L is 1 for length/height: height = M (1 + S z)
    return m * (1 + s * z)


def _target_weight(sex: str, age: int, z: float) -> float:
    from asuh.children.who_reference import WFA

    lam, m, s = WFA[sex][age]
    return m * (1 + lam * s * z) ** (1 / lam)


def _children(copier: _Copier, rng, today, count, kelurahan):
    """Children born 45 days to 59 months ago, measured about monthly 1–8 times; their
    measurements and growth summaries. Returns (kelurahan per child, {id: (status, latest)})."""
    from asuh.children.growth import MeasurementError, assess
    from asuh.dashboard.growth import summarize

    now = datetime(today.year, today.month, today.day, 1, 0)
    child_columns = ("id", "nik", "name", "sex", "birth_date", "guardian_name", "address",
                     "kelurahan_code", "posyandu", "status", "created_at", "is_matched",
                     "latest_measured_on", "latest_haz", "latest_category")
    measurement_columns = ("id", "child_id", "measured_on", "height_cm", "weight_kg",
                           "position", "age_days", "height_adjusted_cm", "haz", "waz", "whz",
                           "category", "weight_category", "wasting_category", "flags",
                           "created_at", "voided_at", "void_reason")
    summary_columns = ("child_id", "first_month", "grid", "latest_on", "latest_weight_kg",
                       "compared_on", "compared_weight_kg", "weight_stalled")
    statuses = ["active"] * 92 + ["graduated"] * 3 + ["moved"] * 2 + ["withdrawn"] * 3
    child_kelurahan = [""] * (count + 1)
    latest: dict[int, tuple] = {}
    measurements: list[tuple] = []
    summaries: list[tuple] = []
    next_id = [0]

    def children_rows():
        for child_id in range(1, count + 1):
            birth = today - timedelta(days=rng.randint(45, 59 * 30))
            sex = rng.choice("LP")
            status = rng.choice(statuses)
            first = max(today - timedelta(days=rng.randint(0, 540)), birth + timedelta(days=14))
            haz, waz = rng.gauss(-2.6, 0.6), rng.gauss(-1.6, 0.7)
            live = []
            for visit in range(rng.randint(1, 8)):
                day = first + timedelta(days=visit * 30 + rng.randint(-4, 4))
                age = (day - birth).days
                if day > today or age > 1826:
                    break
                haz += rng.gauss(0.05, 0.15)
                waz += rng.gauss(0.02, 0.2)
                position = "lying" if age < 731 else "standing"
                height = round(_target_height(sex, age, max(haz, -5.5)), 1)
                weight = round(_target_weight(sex, age, max(min(waz, 3), -4.5)), 2)
                try:
                    result = assess(sex, birth, day, Decimal(str(height)), Decimal(str(weight)),
                                    position, today=today)
                except MeasurementError:
                    continue
                if result.flags:
                    continue  # the app would set it aside as implausible: draw none
                voided = rng.random() < 0.01
                next_id[0] += 1
                measurements.append((
                    next_id[0], child_id, day, height, weight, position, result.age_days,
                    result.height_cm_adjusted, result.haz, result.waz, result.whz,
                    result.category, result.weight_category, result.wasting_category, "",
                    now, now if voided else None, "Salah ketik" if voided else None))
                if not voided:
                    live.append((day, result.category, Decimal(str(weight)), result.haz))
            last = live[-1] if live else None
            if live:
                row = summarize(child_id, [(d, c, w) for d, c, w, _ in live])
                summaries.append(tuple(row[name] for name in summary_columns))
            place = rng.choice(kelurahan)
            child_kelurahan[child_id] = place
            latest[child_id] = (status, last)
            yield (child_id, f"32{child_id:014d}", f"Anak Bench {child_id}", sex, birth,
                   f"Ibu Bench {child_id}", f"Jl. Bench No. {child_id}", place,
                   f"Posyandu {child_id % 117 + 1}", status, now, False,
                   last[0] if last else None, last[3] if last else None,
                   last[1] if last else None)

    # Children in chunks, their measurements and summaries after each chunk (COPY streams
    # one table at a time on a connection).
    chunk = 100_000
    rows = children_rows()
    for _ in range(0, count, chunk):
        batch = list(islice(rows, chunk))
        copier.copy("children", child_columns, batch)
        copier.copy("measurements", measurement_columns, measurements)
        copier.copy("child_growth_summaries", summary_columns, summaries)
        measurements.clear()
        summaries.clear()
    return child_kelurahan, latest


def _sponsors(copier: _Copier, rng, today, count, kelurahan) -> list[tuple[int, int]]:
    """``[(sponsor id, capacity)]`` of the approved, not withdrawn sponsors."""
    now = datetime(today.year, today.month, today.day, 1, 0)
    columns = ("id", "kind", "name", "nip", "nik", "is_pppk", "agency", "phone", "email",
               "address", "kelurahan_code", "capacity", "active_matches", "registered_via",
               "approved_at", "created_at", "withdrawn_at", "withdrawal_reason")
    eligible = []

    def rows():
        for sponsor_id in range(1, count + 1):
            asn = rng.random() < 0.6
            approved = rng.random() < 0.9
            withdrawn = approved and rng.random() < 0.03
            # Mostly one to three children, some families and offices take more.
            capacity = rng.choice((1, 2, 3, 3, 5, 8, 10))
            if approved and not withdrawn:
                eligible.append((sponsor_id, capacity))
            yield (sponsor_id, "asn" if asn else "citizen", f"Bapak Asuh Bench {sponsor_id}",
                   f"198503152010{sponsor_id:06d}" if asn else None,
                   None if asn else f"3201015503{sponsor_id:06d}",
                   False, "Dinas Bench" if asn else None, f"0812{sponsor_id:08d}",
                   f"sponsor{sponsor_id}@bench.example.id", f"Jl. Asuh No. {sponsor_id}",
                   rng.choice(kelurahan), capacity, 0, "officer", now if approved else None,
                   now, now if withdrawn else None, "Pindah tugas" if withdrawn else None)

    copier.copy("sponsors", columns, rows())
    return eligible


def _matches(copier: _Copier, rng, today, latest, eligible) -> list[tuple]:
    """~60% of active children matched while places last; some had an earlier, ended
    match. Returns ``[(match id, sponsor id, child id, start, end or None)]``."""
    now = datetime(today.year, today.month, today.day, 1, 0)
    places = [sid for sid, capacity in eligible for _ in range(capacity)]
    rng.shuffle(places)
    load: dict[int, int] = {}
    matched_children = []
    matches = []

    def rows():
        match_id = 0
        for child_id, (status, _last) in latest.items():
            if rng.random() < 0.15:
                match_id += 1
                start = today - timedelta(days=rng.randint(300, 700))
                end = _add_months(start, 6)
                sponsor_id = rng.choice(eligible)[0]
                matches.append((match_id, sponsor_id, child_id, start, end))
                yield (match_id, sponsor_id, child_id, start, end, now, end, "period_over")
            if places and status == "active" and rng.random() < 0.6:
                match_id += 1
                sponsor_id = places.pop()
                start = today - timedelta(days=rng.randint(0, 280))
                load[sponsor_id] = load.get(sponsor_id, 0) + 1
                matched_children.append(child_id)
                matches.append((match_id, sponsor_id, child_id, start, None))
                yield (match_id, sponsor_id, child_id, start, _add_months(start, 6), now,
                       None, None)

    copier.copy("matches", ("id", "sponsor_id", "child_id", "start_on", "planned_end_on",
                            "created_at", "ended_on", "end_reason"), rows())
    # The counters the matching services keep, set from the rows just written.
    copier.sql("UPDATE children SET is_matched = true WHERE id IN "
               "(SELECT child_id FROM matches WHERE ended_on IS NULL)")
    copier.sql("UPDATE sponsors s SET active_matches = m.n FROM (SELECT sponsor_id, count(*) n "
               "FROM matches WHERE ended_on IS NULL GROUP BY sponsor_id) m "
               "WHERE m.sponsor_id = s.id")
    return matches
