"""A large city for benchmarks, seeded FAST (not collected by pytest: no ``test_`` prefix).

``seed_large_city(url, children=100_000, sponsors=50_000, items=2_000_000)`` fills an EMPTY
database with bulk inserts straight on the DB-API cursor (no ORM objects, no audit records
for the bulk rows): Kota Pangkalpinang's regions, the default catalogue, one login per
staff role (``<role>@bench.example.id``, password ``BENCH_PASSWORD``), children with
monthly-ish measurements, sponsors, matches (``Child.is_matched`` and
``Sponsor.active_matches`` kept consistent) and contributions with their items; then it
rebuilds every aggregate through the same function as ``flask --app app dashboard
rebuild`` and runs ANALYZE. ``flask --app app dashboard check`` passes on the result.

Used by ``tests/bench_dashboard.py``; the other benchmarks (children list, sponsor home,
load test) can reuse the database it leaves behind.
"""

import random
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from asuh import timeutil

BENCH_PASSWORD = "bench-password-123"
COMMODITY_CODES = ("rice", "eggs", "milk", "milk_powder", "honey", "other", "cash")
# (canonical quantity choices, Rupiah per canonical unit) per commodity code.
_ITEM_SHAPES = {
    "rice": ((5, 10), 13_000),
    "eggs": ((10, 15, 30), 2_000),
    "milk": ((1, 2, 4), 18_000),
    "milk_powder": ((400, 800), 150),
    "honey": ((250, 500), 200),
    "other": ((1, 2, 3), 25_000),
    "cash": ((50_000, 100_000, 150_000), 1),
}
_CATEGORY_LIMITS = ((-3, "severely_stunted"), (-2, "stunted"), (3, "normal"))


def _category(haz: float) -> str:
    for limit, name in _CATEGORY_LIMITS:
        if haz < limit:
            return name
    return "tall"


def _add_months(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(day.day, 28))


class _Writer:
    """executemany straight on the DB-API cursor: ~10x faster than ORM or Core dicts."""

    def __init__(self, engine):
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        self.raw = engine.raw_connection()
        self.cursor = self.raw.cursor()
        self.mark = "?" if self.sqlite else "%s"
        if self.sqlite:
            # The app's connections run in autocommit mode (it issues BEGIN itself): without
            # one explicit transaction every row would be its own commit.
            self.cursor.execute("BEGIN")

    def value(self, v):
        # SQLAlchemy stores dates on SQLite as ISO text; datetimes with a space separator.
        if self.sqlite and isinstance(v, datetime):
            return v.isoformat(sep=" ")
        if self.sqlite and isinstance(v, date):
            return v.isoformat()
        return v

    def insert(self, table: str, columns: tuple[str, ...], rows, chunk: int = 50_000) -> int:
        sql = (f'INSERT INTO {table} ({", ".join(columns)}) '
               f'VALUES ({", ".join([self.mark] * len(columns))})')
        count, batch = 0, []
        for row in rows:
            batch.append(tuple(self.value(v) for v in row))
            if len(batch) >= chunk:
                self.cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            self.cursor.executemany(sql, batch)
            count += len(batch)
        return count

    def execute(self, sql: str, params=()):
        self.cursor.execute(sql, params)
        return self.cursor

    def commit(self):
        self.raw.commit()

    def close(self):
        self.cursor.close()
        self.raw.close()


def _settings(path_or_url: str) -> tuple[str, dict]:
    url = path_or_url if "://" in path_or_url else f"sqlite:///{Path(path_or_url).resolve()}"
    return url, {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "bench-secret-key",
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "RATELIMIT_ENABLED": False,
    }


def make_app(path_or_url: str):
    from asuh import create_app

    _, config = _settings(path_or_url)
    return create_app(config)


def seed_large_city(url: str, children: int = 100_000, sponsors: int = 50_000,
                    items: int = 2_000_000, *, today: date | None = None,
                    seed: int = 20261125, log=print) -> dict:
    """Fill an EMPTY database at ``url`` (an SQLAlchemy URL or an SQLite file path)."""
    from flask_migrate import upgrade

    from asuh.accounts import services as accounts
    from asuh.contributions.catalogue import install_default_catalogue
    from asuh.extensions import db
    from asuh.install import install_defaults

    rng = random.Random(seed)
    today = today or timeutil.today()
    app = make_app(url)
    timings = {}
    started = time.perf_counter()

    def lap(name: str) -> None:
        timings[name] = round(time.perf_counter() - started - sum(timings.values()), 1)
        log(f"  {name}: {timings[name]} s")

    with app.app_context():
        upgrade()
        install_defaults()
        install_default_catalogue()
        logins = {}
        for role in ("admin", "officer", "field", "auditor"):
            user = accounts.create_user(f"{role}@bench.example.id", BENCH_PASSWORD, role,
                                        f"Bench {role}")
            logins[role] = user.email
        db.session.commit()
        kelurahan = list(db.session.execute(db.text(
            "SELECT code FROM regions WHERE level = 'kelurahan' ORDER BY code")).scalars())
        commodity_ids = dict(db.session.execute(db.text(
            "SELECT code, id FROM commodities")).all())
        db.session.remove()
        lap("schema, regions, catalogue, logins")

        writer = _Writer(db.engine)
        try:
            child_rows, latest = _children_and_measurements(writer, rng, today, children,
                                                            kelurahan)
            lap(f"{children} children, {child_rows} measurements")
            sponsor_ids = _sponsors(writer, rng, today, sponsors, kelurahan)
            lap(f"{sponsors} sponsors")
            matches = _matches(writer, rng, today, latest, sponsor_ids)
            lap(f"{len(matches)} matches")
            deliveries = _contributions(writer, rng, today, matches, items, commodity_ids)
            lap(f"{deliveries} contributions, {items} items")
            writer.commit()
        finally:
            writer.close()

        from asuh.dashboard.aggregates import rebuild_all

        rebuild_all()
        db.session.commit()
        lap("aggregates rebuilt")
        if db.engine.dialect.name == "sqlite":
            # begin(), not connect(): the app's connections run every statement inside
            # its own BEGIN (asuh/extensions.py), and connect() rolls back at the end,
            # which would throw the statistics away.
            with db.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
            lap("ANALYZE")
    timings["total"] = round(time.perf_counter() - started, 1)
    return {"url": url, "logins": logins, "password": BENCH_PASSWORD, "timings": timings}


def _children_and_measurements(writer: _Writer, rng, today, count, kelurahan):
    """Children born 1–59 months ago, measured about monthly for 1–8 months."""
    now = datetime(today.year, today.month, today.day, 8, 0)
    child_columns = ("id", "nik", "name", "sex", "birth_date", "guardian_name", "address",
                     "kelurahan_code", "posyandu", "status", "created_at", "is_matched",
                     "latest_measured_on", "latest_haz", "latest_category")
    measurement_columns = ("child_id", "measured_on", "height_cm", "weight_kg", "position",
                           "age_days", "height_adjusted_cm", "haz", "waz", "whz", "category",
                           "weight_category", "flags", "created_at", "voided_at",
                           "void_reason")
    statuses = ["active"] * 92 + ["graduated"] * 3 + ["moved"] * 2 + ["withdrawn"] * 3
    children, measurements, latest = [], [], {}
    for child_id in range(1, count + 1):
        birth = today - timedelta(days=rng.randint(45, 59 * 30))
        sex = rng.choice("LP")
        status = rng.choice(statuses)
        visits = rng.randint(1, 8)
        first = today - timedelta(days=rng.randint(0, 540))
        first = max(first, birth + timedelta(days=14))
        haz = rng.gauss(-2.6, 0.6)
        weight = 4 + (first - birth).days / 365 * 2.2 + rng.uniform(-0.5, 0.5)
        last = None
        for visit in range(visits):
            day = first + timedelta(days=visit * 30 + rng.randint(-4, 4))
            if day > today:
                break
            haz += rng.gauss(0.08, 0.22)
            weight += rng.choice((-0.1, 0.0, 0.1, 0.15, 0.2, 0.25, 0.3))
            age = (day - birth).days
            category = _category(haz)
            voided = rng.random() < 0.01
            measurements.append((
                child_id, day, round(45 + age / 30 * 1.6, 1), round(weight, 2),
                "lying" if age < 731 else "standing", age, round(45 + age / 30 * 1.6, 1),
                round(haz, 2), round(haz + 0.3, 2), round(rng.gauss(-0.5, 0.8), 2), category,
                "normal", "", now, now if voided else None,
                "Salah ketik" if voided else None))
            if not voided and (last is None or day >= last[0]):
                last = (day, round(haz, 2), category)
        latest[child_id] = (status, last)
        children.append((
            child_id, f"19710{child_id:011d}", f"Anak Bench {child_id}", sex, birth,
            f"Ibu Bench {child_id}", f"Jl. Bench No. {child_id}", rng.choice(kelurahan),
            f"Posyandu {child_id % 117 + 1}", status, now, False,
            last[0] if last else None, last[1] if last else None, last[2] if last else None))
    writer.insert("children", child_columns, children)
    writer.insert("measurements", measurement_columns, measurements)
    return len(measurements), latest


def _sponsors(writer: _Writer, rng, today, count, kelurahan) -> list[tuple[int, int]]:
    """``[(sponsor id, capacity)]`` of the approved, not withdrawn sponsors."""
    now = datetime(today.year, today.month, today.day, 8, 0)
    columns = ("id", "kind", "name", "nip", "nik", "is_pppk", "agency", "phone", "email",
               "address", "kelurahan_code", "capacity", "active_matches", "registered_via",
               "approved_at", "created_at", "withdrawn_at", "withdrawal_reason")
    rows, eligible = [], []
    for sponsor_id in range(1, count + 1):
        asn = rng.random() < 0.6
        approved = rng.random() < 0.9
        withdrawn = approved and rng.random() < 0.03
        capacity = rng.choice((1, 1, 1, 2, 3))
        rows.append((
            sponsor_id, "asn" if asn else "citizen", f"Bapak Asuh Bench {sponsor_id}",
            f"1985031520100{sponsor_id:05d}" if asn else None,  # unique 18-digit NIPs
            None if asn else f"19710155038{sponsor_id:05d}",
            False, "Dinas Bench" if asn else None, f"0812{sponsor_id:08d}",
            f"sponsor{sponsor_id}@bench.example.id", f"Jl. Asuh No. {sponsor_id}",
            rng.choice(kelurahan), capacity, 0, "officer", now if approved else None, now,
            now if withdrawn else None, "Pindah tugas" if withdrawn else None))
        if approved and not withdrawn:
            eligible.append((sponsor_id, capacity))
    writer.insert("sponsors", columns, rows)
    return eligible


def _matches(writer: _Writer, rng, today, latest, eligible) -> list[tuple]:
    """~60% of active children matched now; some also had an earlier, ended match.

    Returns ``[(match id, sponsor id, child id, start, end or None)]``.
    """
    now = datetime(today.year, today.month, today.day, 8, 0)
    places = [sid for sid, capacity in eligible for _ in range(capacity)]
    rng.shuffle(places)
    load: dict[int, int] = {}
    rows, matches = [], []
    matched_children = []
    match_id = 0
    for child_id, (status, _last) in latest.items():
        if not places:
            break
        if rng.random() < 0.15:
            # An earlier match that ran its course (the sponsor's place is free again).
            match_id += 1
            start = today - timedelta(days=rng.randint(300, 700))
            end = _add_months(start, 6)
            sponsor_id = rng.choice(eligible)[0]
            rows.append((match_id, sponsor_id, child_id, start, end, now, end, "period_over"))
            matches.append((match_id, sponsor_id, child_id, start, end))
        if status == "active" and rng.random() < 0.6:
            match_id += 1
            sponsor_id = places.pop()
            start = today - timedelta(days=rng.randint(0, 280))
            rows.append((match_id, sponsor_id, child_id, start, _add_months(start, 6), now,
                         None, None))
            matches.append((match_id, sponsor_id, child_id, start, None))
            load[sponsor_id] = load.get(sponsor_id, 0) + 1
            matched_children.append(child_id)
    writer.insert("matches", ("id", "sponsor_id", "child_id", "start_on", "planned_end_on",
                              "created_at", "ended_on", "end_reason"), rows)
    mark = writer.mark
    writer.cursor.executemany(f"UPDATE children SET is_matched = {mark} WHERE id = {mark}",
                              [(True, cid) for cid in matched_children])
    writer.cursor.executemany(f"UPDATE sponsors SET active_matches = {mark} WHERE id = {mark}",
                              [(n, sid) for sid, n in load.items()])
    return matches


def _contributions(writer: _Writer, rng, today, matches, items, commodity_ids) -> int:
    """About one delivery per month of each match, ``items`` items in all."""
    now = datetime(today.year, today.month, today.day, 8, 0)
    kelurahan_of = dict(writer.execute("SELECT id, kelurahan_code FROM children").fetchall())
    deliveries = []
    for match_id, sponsor_id, child_id, start, end in matches:
        day = start + timedelta(days=rng.randint(3, 20))
        stop = end or today
        while day <= stop:
            deliveries.append((match_id, sponsor_id, child_id, day))
            day += timedelta(days=rng.randint(26, 34))
    if not deliveries:
        return 0
    if len(deliveries) > items:
        deliveries = deliveries[:items]
    base, extra = divmod(items, len(deliveries))
    statuses = ["confirmed"] * 90 + ["pending"] * 5 + ["rejected"] * 3 + ["voided"] * 2
    codes = list(_ITEM_SHAPES)
    contribution_rows, item_rows = [], []
    for number, (match_id, sponsor_id, child_id, day) in enumerate(deliveries, start=1):
        total = 0
        for _ in range(base + (1 if number <= extra else 0)):
            code = rng.choice(codes)
            quantities, price = _ITEM_SHAPES[code]
            quantity = rng.choice(quantities)
            value = quantity * price
            total += value
            item_rows.append((number, commodity_ids[code], quantity,
                              "Rp" if code == "cash" else "satuan", quantity, value))
        status = rng.choice(statuses)
        if day > today - timedelta(days=10) and status == "confirmed" and rng.random() < 0.5:
            status = "pending"
        contribution_rows.append((
            number, match_id, sponsor_id, child_id, kelurahan_of[child_id], day, status,
            total, now, now, now if status in ("confirmed", "rejected") else None,
            "Foto tidak jelas" if status == "rejected" else None,
            now if status == "voided" else None,
            "Dicatat ganda" if status == "voided" else None))
    writer.insert("contributions", (
        "id", "match_id", "sponsor_id", "child_id", "kelurahan_code", "delivered_on", "status",
        "total_value_idr", "created_at", "updated_at", "verified_at", "rejection_reason",
        "voided_at", "void_reason"), contribution_rows)
    writer.insert("contribution_items", ("contribution_id", "commodity_id", "quantity", "unit",
                                         "canonical_quantity", "value_idr"), item_rows)
    return len(contribution_rows)
