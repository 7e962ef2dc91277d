"""``make bench-scale``: a province on PostgreSQL at 100,000 and 1,000,000 children.

    .venv/bin/python -m tests.bench_scale [--reuse DIR] [--quick] [--seed-only] [--readme]

Not collected by pytest. Starts its own PostgreSQL (``tests/bench_scale_cluster.py``),
seeds the baseline (100,000 children, 10,000 sponsors, 2,000,000 items) and the scale
(1,000,000 children, 100,000 sponsors, 20,000,000 items) by COPY
(``tests/bench_scale_seed.py``), then measures the same figures on both in the same run,
so the growth from one to the other is read off one table. ``--reuse DIR`` keeps the
cluster in DIR and seeds only what is not seeded there yet (the 1M seed takes the
longest: see the README). ``--quick`` is a smoke run (2,000 and 20,000 children).
``--figures import,statements`` measures only those (pages, load, import, statements;
``dashboard`` is measured with the pages); the table leaves the others out.
"""

import argparse
import json
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ("pages", "load", "import", "statements")  # tests/bench_scale_measure.py's
OUTPUT = ROOT / "test-output" / "bench-scale.md"  # and bench-scale.json, the raw results


@dataclass(frozen=True)
class Size:
    name: str
    children: int
    sponsors: int
    items: int


BASELINE = Size("asuh_100k", 100_000, 10_000, 2_000_000)
SCALE = Size("asuh_1m", 1_000_000, 100_000, 20_000_000)
QUICK = (Size("asuh_2k", 2_000, 200, 40_000), Size("asuh_20k", 20_000, 2_000, 400_000))


README_INTRO = """\
`make bench-scale` starts its own PostgreSQL, seeds a province of ten kabupaten/kota by
COPY at 100,000 children (10,000 sponsors, 2,000,000 contribution items) and at 1,000,000
(100,000 sponsors, 20,000,000 items), and measures both in the same run (`.venv/bin/python
-m tests.bench_scale --reuse DIR --readme` keeps the seeded cluster in DIR for the next
run; `--quick` is a smoke run at 2,000 and 20,000 children). The table goes to
`test-output/bench-scale.md`.
"""

README_NOTES = """\
- **Seed** (`tests/bench_scale_seed.py`): schema by the migrations (`flask db upgrade`),
  then every bulk table through psycopg's `cursor.copy`: province 32 with ten
  kabupaten/kota (32.01–32.10), ten kecamatan of ten kelurahan each; children born 45 days
  to 59 months ago with 1–8 monthly measurements whose z-scores and categories come from
  the app's `growth.assess` (heights drawn from WHO's LHFA for a target z-score);
  growth summaries made by the app's `dashboard.growth.summarize`; sponsors of capacity
  1–10, matches (~60% of active children while places last, some ended), about one
  delivery a month per match with ~7 items each. Counters (`children.is_matched`,
  `sponsors.active_matches`) and the monthly totals by set-based SQL. At 100,000 children
  the app's own `dashboard check` recomputes every aggregate and must find no difference;
  at 1,000,000 (where that takes longer than the seed) a sample of 2,000 growth summaries
  is recomputed by the app, the counters are compared with the matches and the monthly
  totals with the deliveries' own totals. Indexes are dropped for the load and built
  after; VACUUM ANALYZE at the end.
- **Server**: PostgreSQL started by the bench as user `postgres` (`tests/postgres.py`'s
  server with a data directory that may be kept), `shared_buffers=1GB`,
  `work_mem=32MB`, `random_page_cost=1.1`, fsync off (a benchmark, not a deployment).
- **Pages**: server time in-process through Flask's test client, signed in as the
  provincial officer (scope 32), Kabupaten 32.01's officer (scope 32.01) or the sponsor
  with the most children among the bench logins. "After a data change" records one real
  measurement in 32.01 before each request (the dashboard brings only that kelurahan's
  parts up to date); "a fresh app server's first request" clears the process's dashboard
  cache before each request (a server just started, or the first request of the day).
- **Load**: deploy/nginx/asuh.conf (HTTPS, rendered with this run's ports as the
  production test does) in front of two `gunicorn -w 1 --threads 4` app servers on the
  same database; writers (`POST /api/v1/contributions`, one `Idempotency-Key` each) and
  readers (`GET /me/children`) at the same time; then every id a 201 answered must be in
  the table, and the table must have grown by exactly that many rows.
- **Import**: an e-PPGBM file of new children uploaded through the import page as the
  provincial officer (over 2,000 rows it is stored and previewed by a job), confirmed
  (over 500 rows it is written by a job); each job run by `flask jobs work --burst` in a
  worker process of its own, started before it is needed; the figure is confirmation →
  job done, with the worker's peak memory.
- **Statements**: `letters.bulk.issue_statements` (what the statements job runs) for
  (sponsor, city) pairs without last month's statement, rendering in one process, then
  two (other pairs); per statement in ms, so the growth column compares per-statement
  cost.
"""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def upgrade_and_scope(url: str) -> None:
    from flask_migrate import upgrade

    from tests.bench_city import make_app
    from tests.bench_scale_seed_checks import apply_scopes

    with make_app(url).app_context():
        upgrade()
    apply_scopes(url)


def ensure_seeded(cluster, size: Size) -> dict:
    """The seed record of ``size`` in ``cluster``, seeding it first when missing."""
    from tests.bench_scale_seed import seed_province

    info = cluster.seeded(size.name)
    url = cluster.database(size.name, fresh=info is None)
    if info is None:
        log(f"seeding {size.name}: {size.children:,} children, {size.sponsors:,} sponsors, "
            f"{size.items:,} items")
        info = seed_province(url, size.children, size.sponsors, size.items,
                             log=lambda m: log(m))
        info["finished"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        cluster.mark_seeded(size.name, info)
        log(f"seeded {size.name} in {info['timings']['total']:.0f} s, "
            f"{info['database_bytes'] / 2**30:.2f} GiB")
    else:
        log(f"reusing {size.name} seeded {info['finished']}")
    # A kept database seeded before newer migrations: brought up to date as a deployment
    # would be (``flask db upgrade``), then the staff scopes set where the schema has them.
    upgrade_and_scope(url)
    info["url"] = url
    return info


def main(argv=None) -> int:
    from tests.bench_scale_cluster import ScalePostgres

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reuse", type=Path, metavar="DIR",
                        help="keep the PostgreSQL cluster here and reuse its seeded data")
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke run)")
    parser.add_argument("--seed-only", action="store_true")
    parser.add_argument("--only", choices=("baseline", "scale"),
                        help="seed/measure one size only")
    parser.add_argument("--statements", type=int, default=300,
                        help="statements per process count (the issue asks 10,000)")
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--load-seconds", type=float, default=30)
    parser.add_argument("--requests", type=int, default=30, help="per page")
    parser.add_argument("--logins", type=int, default=100, help="sponsors in the load test")
    parser.add_argument("--figures", default=",".join(FIGURES),
                        help="comma-separated figures to measure: " + ", ".join(FIGURES)
                             + " (dashboard = pages); the others are left out of the table")
    parser.add_argument("--readme", action="store_true", help="also update README.md")
    args = parser.parse_args(argv)
    figures = {"dashboard": "pages"}
    chosen = [figures.get(f.strip(), f.strip()) for f in args.figures.split(",") if f.strip()]
    unknown = set(chosen) - set(FIGURES)
    if unknown:
        parser.error(f"unknown figures: {', '.join(sorted(unknown))}")
    sizes = QUICK if args.quick else (BASELINE, SCALE)
    if args.only:
        sizes = sizes[:1] if args.only == "baseline" else sizes[1:]
    started = time.perf_counter()
    cluster = ScalePostgres(args.reuse)
    cluster.start()
    log(f"{cluster.version()} on port {cluster.port}, data in {cluster.datadir}")
    try:
        seeded = {size.name: ensure_seeded(cluster, size) for size in sizes}
        if args.seed_only:
            return 0
        from tests.bench_scale_measure import measure_all
        from tests.bench_scale_report import report

        results = measure_all(cluster, sizes, seeded, log=log, statements=args.statements,
                              import_rows=args.import_rows, load_seconds=args.load_seconds,
                              requests=args.requests, logins=args.logins,
                              figures=tuple(dict.fromkeys(chosen)))
        (OUTPUT.parent / "bench-scale.json").write_text(json.dumps(results, indent=1,
                                                                    default=str))
        report(results, time.perf_counter() - started, readme=args.readme,
               intro=README_INTRO, notes=README_NOTES)
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
