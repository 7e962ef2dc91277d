"""Server time of the scale bench's pages on PostgreSQL (not collected by pytest).

The same in-process measurement as ``tests/bench_pages.py`` (Flask's test client: the
whole WSGI request, no socket), signed in as the role and scope each page is for:

- the provincial dashboard (``officer@``, scope province 32) and one kabupaten/kota's
  (``city-officer@``, scope 32.01; the whole province where the schema has no scopes yet);
  warm (the per-process cache hit), cold (that cache cleared before every request: a
  fresh app server's first request) and changed (one measurement recorded before every
  request: the first request after a data change);
- the children list, stunted, page 50, for the provincial officer and for 32.01's;
- the home page of the sponsor with the most active matches among the bench logins;
- ``/login`` as the same-run baseline of the cheapest page.
"""


from tests.bench_city import BENCH_PASSWORD, make_app
from tests.bench_pages import _query_counter, add_sponsor_logins
from tests.bench_pages import _time_path as _timed

DASHBOARD = "/dashboard"
CHILDREN = "/children?category=stunting&page=50"
SPONSOR_HOME = "/me/children"
TARGETS_MS = {"dashboard": 300, "city_dashboard": 300, "children": 100, "city_children": 100,
              "sponsor_home": 50}


def sponsor_logins(url: str, count: int) -> list[dict]:
    """``count`` sponsor logins (made once: reused from an earlier run on a kept cluster)."""
    from sqlalchemy import text

    from asuh.extensions import db

    app = make_app(url)
    with app.app_context():
        rows = db.session.execute(text(
            "SELECT u.email, s.id, array_agg(m.id ORDER BY m.id) FROM users u "
            "JOIN sponsors s ON s.user_id = u.id JOIN matches m ON m.sponsor_id = s.id "
            "AND m.ended_on IS NULL AND m.start_on <= CURRENT_DATE "
            "WHERE u.email LIKE 'bench-sponsor%' GROUP BY u.email, s.id ORDER BY s.id")).all()
        db.session.remove()
    logins = [{"email": e, "sponsor_id": s, "match_ids": list(m)} for e, s, m in rows]
    if len(logins) < count:
        logins += add_sponsor_logins(url, count - len(logins))
    return logins[:count]


def _signed_in(app, email: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": BENCH_PASSWORD})
    assert response.status_code == 302, (email, response.status_code)
    return client


def measurement_change(app, city: str = "32.01"):
    """A callable recording one measurement for the next child of ``city`` aged 2–4 (what
    a kader does), committed: the dashboard's first request after a real data change."""
    from datetime import timedelta

    from sqlalchemy import select

    from asuh import timeutil
    from asuh.children import measuring
    from asuh.children.models import Child, Measurement
    from asuh.extensions import db

    state = {"offset": 0}

    def change():
        with app.app_context():
            today = timeutil.today()
            child = db.session.scalars(
                select(Child).where(Child.kelurahan_code.like(city + ".%"),
                                    Child.status == "active",
                                    Child.birth_date.between(today - timedelta(days=4 * 365),
                                                             today - timedelta(days=2 * 365)),
                                    ~Child.measurements.any(Measurement.measured_on == today))
                .order_by(Child.id).offset(state["offset"]).limit(1)).first()
            state["offset"] += 1
            measuring.record_measurement(child, measured_on=today, height_cm="85.0",
                                         weight_kg="11.0", position="standing",
                                         check_history=False)
            db.session.remove()

    return change


def measure_pages(url: str, sponsor_email: str, *, requests: int = 30,
                  cold_requests: int = 10) -> dict:
    from asuh.dashboard import cache
    from asuh.extensions import db

    app = make_app(url)
    with app.app_context():
        engine = db.engine
    officer = _signed_in(app, "officer@bench.example.id")
    city = _signed_in(app, "city-officer@bench.example.id")
    sponsor = _signed_in(app, sponsor_email)
    anonymous = app.test_client()
    change = measurement_change(app)
    results = {}
    with _query_counter(engine) as counter:
        for client, path in ((anonymous, "/login"), (officer, CHILDREN), (city, CHILDREN),
                             (officer, DASHBOARD),
                             (city, DASHBOARD), (sponsor, SPONSOR_HOME)):
            assert client.get(path).status_code == 200, path  # warm-up: templates, pages
        results["baseline"] = _timed(anonymous, counter, "/login", requests)
        for key, client in (("dashboard", officer), ("city_dashboard", city)):
            results[key] = _timed(client, counter, DASHBOARD, requests)
            results[key + "_cold"] = _timed(client, counter, DASHBOARD, cold_requests,
                                            before=cache.clear)
            # After one measurement on a process that had shown the page (the cache is
            # brought up to date for the changed kelurahan only): what a user waits.
            results[key + "_changed"] = _timed(client, counter, DASHBOARD, cold_requests,
                                               before=change)
        results["children"] = _timed(officer, counter, CHILDREN, requests)
        results["city_children"] = _timed(city, counter, CHILDREN, requests)
        results["sponsor_home"] = _timed(sponsor, counter, SPONSOR_HOME, requests)
    return results


def explain(url: str, statement: str, params: dict | None = None) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of one statement, for finding a slow page's cause."""
    from sqlalchemy import text

    from asuh.extensions import db

    app = make_app(url)
    with app.app_context():
        rows = db.session.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + statement),
                                  params or {}).scalars().all()
        db.session.rollback()
    return "\n".join(rows)
