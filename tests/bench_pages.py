"""Benchmark pieces: server time of pages, their baselines, and sponsor logins for the bench.

Not collected by pytest (no ``test_`` prefix); ``tests/bench.py`` runs them on the large
city that ``tests.bench_dashboard.seed_large_city`` leaves behind.

Server time is measured in-process through Flask's test client: the whole WSGI request
(routing, sign-in check, queries, template), but no socket or HTTP parsing, so it is
what the app itself costs. The load test (``tests/bench_load.py``) measures over HTTP.
"""

import math
import statistics
import time
from contextlib import contextmanager
from datetime import date

from asuh import timeutil
from tests.bench_dashboard import BENCH_PASSWORD, make_app

# Same-run baseline for the pages: the sign-in form, the cheapest page the app serves
# (no session, no query), through the same app, client and database.
BASELINE_PATH = "/login"
DASHBOARD_PATH = "/dashboard"
CHILDREN_PATH = "/children?category=stunting&page=50"
SPONSOR_HOME_PATH = "/me/children"
# What the dashboard's headline totals would cost without the monthly aggregates: one
# GROUP BY over every confirmed item row (portable SQL: SQLite and PostgreSQL).
RAW_TOTALS_SQL = """
    SELECT ci.commodity_id, SUM(ci.canonical_quantity), SUM(ci.value_idr), COUNT(*)
    FROM contribution_items ci JOIN contributions c ON c.id = ci.contribution_id
    WHERE c.status = 'confirmed'
    GROUP BY ci.commodity_id
"""


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (p95 of 30 values is the 29th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * pct / 100) - 1)]


def summary(times_ms: list[float]) -> dict:
    return {"n": len(times_ms), "median_ms": round(statistics.median(times_ms), 1),
            "p95_ms": round(percentile(times_ms, 95), 1)}


# --- sponsor logins ----------------------------------------------------------------------


def add_sponsor_logins(path_or_url: str, count: int, *, today: date | None = None) -> list[dict]:
    """Give ``count`` matched sponsors a login; ``[{"email", "sponsor_id", "match_ids"}]``.

    The large city's sponsors have no users. Bulk rows, like the rest of the seeding (no
    audit record per user): the hash is ``pbkdf2:sha256:1000`` so that signing in a few
    hundred sponsors for the load test costs milliseconds, not scrypt's ~150 ms each.
    Only approved, not withdrawn sponsors whose active matches started by ``today``, so
    every match id returned takes a delivery dated ``today``.
    """
    from sqlalchemy import text
    from werkzeug.security import generate_password_hash

    from asuh.extensions import db

    today = today or timeutil.today()
    app = make_app(path_or_url)
    with app.app_context():
        # Two plain reads joined here: as one JOIN, SQLite's planner (after ANALYZE) walks
        # every active match once per sponsor.
        eligible = set(db.session.execute(text(
            "SELECT id FROM sponsors WHERE user_id IS NULL AND approved_at IS NOT NULL "
            "AND withdrawn_at IS NULL")).scalars())
        rows = db.session.execute(text(
            "SELECT sponsor_id, id FROM matches WHERE ended_on IS NULL "
            "AND start_on <= :today ORDER BY sponsor_id, id"), {"today": today.isoformat()}).all()
        matches: dict[int, list[int]] = {}
        for sponsor_id, match_id in rows:
            if sponsor_id in eligible and (sponsor_id in matches or len(matches) < count):
                matches.setdefault(sponsor_id, []).append(match_id)
        password_hash = generate_password_hash(BENCH_PASSWORD, method="pbkdf2:sha256:1000")
        logins = []
        for sponsor_id, match_ids in matches.items():
            email = f"bench-sponsor{sponsor_id}@bench.example.id"
            user_id = db.session.execute(text(
                "INSERT INTO users (email, name, password_hash, role, active, created_at, "
                "password_changed_at) VALUES (:email, :name, :hash, 'sponsor', :yes, "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id"),
                {"email": email, "name": f"Bapak Asuh Bench {sponsor_id}",
                 "hash": password_hash, "yes": True}).scalar_one()
            db.session.execute(text("UPDATE sponsors SET user_id = :user WHERE id = :sponsor"),
                               {"user": user_id, "sponsor": sponsor_id})
            logins.append({"email": email, "sponsor_id": sponsor_id, "match_ids": match_ids})
        db.session.commit()
    return logins


# --- server time of pages ----------------------------------------------------------------


@contextmanager
def _query_counter(engine):
    from sqlalchemy import event

    counter = {"n": 0}

    def count(*_args, **_kwargs):
        counter["n"] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _time_path(client, counter, path: str, requests: int, before=None) -> dict:
    """Median/p95 server time and the most statements of ``requests`` GETs of ``path``;
    ``before`` runs ahead of each request, untimed (the scale bench's data change)."""
    times, queries = [], []
    for _ in range(requests):
        if before:
            before()
        counter["n"] = 0
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        queries.append(counter["n"])
        assert response.status_code == 200, (path, response.status_code)
    return {"path": path, **summary(times), "queries": max(queries)}


def _signed_in(app, email: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": BENCH_PASSWORD})
    assert response.status_code == 302, (email, response.status_code)
    return client


def measure_pages(path_or_url: str, *, sponsor_email: str, requests: int = 30) -> dict:
    """Server time and queries of the three pages and the baseline page, one app.

    The dashboard's first request after a data change recomputes cached figures
    (``asuh/dashboard/cache.py``); it is reported apart as ``cold_ms``.
    """
    from asuh.dashboard import cache
    from asuh.extensions import db

    app = make_app(path_or_url)
    with app.app_context():
        engine = db.engine
    officer = _signed_in(app, "officer@bench.example.id")
    sponsor = _signed_in(app, sponsor_email)
    anonymous = app.test_client()
    results = {}
    with _query_counter(engine) as counter:
        # Templates compiled and the database's pages read before anything is timed.
        for client, path in ((anonymous, BASELINE_PATH), (officer, CHILDREN_PATH),
                             (sponsor, SPONSOR_HOME_PATH)):
            assert client.get(path).status_code == 200, path
        cache.clear()
        counter["n"] = 0
        started = time.perf_counter()
        assert officer.get(DASHBOARD_PATH).status_code == 200
        cold = {"cold_ms": round((time.perf_counter() - started) * 1000, 1),
                "cold_queries": counter["n"]}
        results["baseline"] = _time_path(anonymous, counter, BASELINE_PATH, requests)
        results["dashboard"] = {**_time_path(officer, counter, DASHBOARD_PATH, requests),
                                **cold}
        results["children"] = _time_path(officer, counter, CHILDREN_PATH, requests)
        results["sponsor_home"] = _time_path(sponsor, counter, SPONSOR_HOME_PATH, requests)
    return results


def measure_raw_totals(path_or_url: str, *, repeat: int = 3) -> dict:
    """The raw GROUP BY over the item rows that the dashboard's aggregates replace."""
    from sqlalchemy import text

    from asuh.extensions import db

    app = make_app(path_or_url)
    times = []
    with app.app_context():
        for _ in range(repeat):
            started = time.perf_counter()
            rows = db.session.execute(text(RAW_TOTALS_SQL)).all()
            times.append((time.perf_counter() - started) * 1000)
            db.session.rollback()
    return {**summary(times), "queries": 1, "groups": len(rows)}
