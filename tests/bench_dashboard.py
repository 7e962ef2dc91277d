"""Benchmark: the dashboard on a large city (not collected by pytest: no ``test_`` prefix).

    .venv/bin/python -m tests.bench_dashboard [--db PATH] [--children N] [--sponsors N]
                                              [--items N] [--requests N] [--reuse]

Seeds a large city (``tests/bench_city.py``: 100,000 children, 50,000 sponsors,
2,000,000 contribution items) unless ``--reuse``, then measures the dashboard request
through the Flask test client: median and p95 server time, process CPU time, queries per
request (a ``before_cursor_execute`` counter), and the first "cold" request after a change.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

from tests.bench_city import BENCH_PASSWORD, make_app, seed_large_city

# Re-exported: the other benchmarks import the seed and its logins from here.
__all__ = ["BENCH_PASSWORD", "main", "make_app", "measure", "print_table", "seed_large_city"]


# --- measuring ---------------------------------------------------------------------------


def measure(path_or_url: str, *, requests: int = 30, paths: tuple[str, ...] = ("/dashboard",),
            role: str = "officer", log=print) -> list[dict]:
    """Median and p95 server time and queries per request for each path, as rows."""
    from sqlalchemy import event

    from asuh.extensions import db

    app = make_app(path_or_url)
    queries = {"n": 0}
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _count(*_args, **_kwargs):
        queries["n"] += 1

    client = app.test_client()
    response = client.post("/login", data={"email": f"{role}@bench.example.id",
                                            "password": BENCH_PASSWORD})
    assert response.status_code == 302, response.status_code
    from asuh.dashboard import cache

    client.get("/home")  # templates compiled, SQLite pages read into the page cache
    results = []
    for path in paths:
        # Cold: the first request after a change to children, measurements, matches or
        # deliveries recomputes outcomes and the follow-up list (asuh/dashboard/cache.py).
        cache.clear()
        queries["n"] = 0
        started, cpu = time.perf_counter(), time.process_time()
        assert client.get(path).status_code == 200
        cold_ms = (time.perf_counter() - started) * 1000
        cold_cpu_ms = (time.process_time() - cpu) * 1000
        cold_queries = queries["n"]
        times, cpu_times, counts = [], [], []
        for _ in range(requests):
            queries["n"] = 0
            started, cpu = time.perf_counter(), time.process_time()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            # CPU time of this process: what the request costs on an otherwise idle
            # machine (SQLite runs in-process; the pages are cached after the warm-up).
            cpu_times.append((time.process_time() - cpu) * 1000)
            counts.append(queries["n"])
            assert response.status_code == 200, (path, response.status_code)
        times.sort()
        results.append({
            "path": path, "requests": requests, "cold_ms": round(cold_ms, 1),
            "cold_queries": cold_queries,
            "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[max(0, int(len(times) * 0.95 + 0.5) - 1)], 1),
            "max_ms": round(times[-1], 1),
            "cpu_median_ms": round(statistics.median(cpu_times), 1),
            "cold_cpu_ms": round(cold_cpu_ms, 1),
            "queries": max(counts),
        })
    event.remove(engine, "before_cursor_execute", _count)
    return results


def print_table(rows: list[dict], out=sys.stdout) -> None:
    header = (f"{'path':<52} {'n':>3} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} "
              f"{'cpu ms':>7} {'queries':>8} {'cold ms':>8} {'cold cpu':>9} {'cold q':>7}")
    print(header, file=out)
    print("-" * len(header), file=out)
    for r in rows:
        print(f"{r['path']:<52} {r['requests']:>3} {r['median_ms']:>10} {r['p95_ms']:>8} "
              f"{r['max_ms']:>8} {r['cpu_median_ms']:>7} {r['queries']:>8} {r['cold_ms']:>8} "
              f"{r['cold_cpu_ms']:>9} {r['cold_queries']:>7}", file=out)
    print("median/p95/max: wall-clock server time over n requests with outcomes and the "
          "follow-up list cached; cpu: median process CPU time (≈ wall time on an idle "
          "machine); cold: the first request after a change (cache recomputed).", file=out)


DEFAULT_PATHS = (
    "/dashboard",
    "/dashboard?kecamatan_code=19.71.01",
    "/dashboard?period_start=2025-01&period_end=2025-12",
    "/dashboard?followup_page=40",
)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="instance/bench.db", help="SQLite file (or URL)")
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--sponsors", type=int, default=50_000)
    parser.add_argument("--items", type=int, default=2_000_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--reuse", action="store_true",
                        help="measure an already seeded database instead of re-seeding")
    parser.add_argument("--path", action="append", help="path to measure (repeatable)")
    args = parser.parse_args(argv)
    if not args.reuse:
        if "://" not in args.db:
            for suffix in ("", "-wal", "-shm"):
                Path(args.db + suffix).unlink(missing_ok=True)
        print(f"Seeding {args.db}: {args.children} children, {args.sponsors} sponsors, "
              f"{args.items} items")
        result = seed_large_city(args.db, args.children, args.sponsors, args.items)
        print(f"Seeded in {result['timings']['total']} s")
    rows = measure(args.db, requests=args.requests, paths=tuple(args.path or DEFAULT_PATHS))
    print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
