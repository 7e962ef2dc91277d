"""``make bench``: seed a large city once, measure everything, print one table.

    .venv/bin/python -m tests.bench [--quick] [--keep DIR] [--letters N] [--readme]

Not collected by pytest (no ``test_`` prefix); ``tests/test_bench_smoke.py`` runs it with
tiny sizes so it cannot rot. Each figure is compared with a baseline measured in the
same run, on the same machine, so the noise of a busy machine hits both:

- pages (server time in-process, ``bench_pages``): the dashboard against the raw GROUP BY
  over the item rows that its monthly aggregates replace; the children list and the
  sponsor's home page against ``/login``, the cheapest page the app serves;
- one statement PDF (``bench_letters``): issuing against WeasyPrint alone on the same HTML;
- bulk statements: two rendering processes against one;
- a 10,000-row import (``bench_import``): the CLI against parsing the file alone;
- under load (``bench_load``, gunicorn -w 2 on loopback): each phase against ``/login``
  driven by the same generator;
- each sponsor and field page in Chromium on slow 3G (``bench_pages_3g``), first and repeat visit,
  against ``/login`` on the same network and the budget in the README.

The table goes to stdout and, as markdown, to ``test-output/bench.md``; ``--readme``
also replaces the "## Benchmarks" section at the end of README.md with it.
"""

import argparse
import os
import platform
import sqlite3
import sys
import tempfile
import time
from contextlib import closing
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "test-output" / "bench.md"
README = ROOT / "README.md"
README_HEADING = "## Benchmarks"


@dataclass(frozen=True)
class Sizes:
    children: int = 100_000
    sponsors: int = 50_000
    items: int = 2_000_000
    requests: int = 30           # per page, for median and p95 of server time
    sponsor_logins: int = 200    # sponsors signed in for the load test
    import_rows: int = 10_000
    letters: int = 1_000         # statements issued by the bulk command, per process count
    letter_rounds: int = 20      # single statements timed against WeasyPrint alone
    load_seconds: float = 30     # per load phase
    baseline_load_seconds: float = 10
    load_clients: int = 4
    fault_seconds: float = 60    # issue 12's phase (bench_load_faults); needs 17 logins
    fault_baseline_seconds: float = 15
    # gunicorn -w 2 --threads N for that phase: with sync workers (1) a photo being decoded
    # takes one of the two workers whole, and the others' p95 misses 1 s on 2 cores.
    fault_threads: int = 4
    automatch_children: int = 5_000
    automatch_sponsors: int = 3_000


FULL = Sizes()
QUICK = Sizes(children=5_000, sponsors=2_500, items=100_000, requests=10, sponsor_logins=40,
              import_rows=1_000, letters=40, letter_rounds=5, load_seconds=5,
              baseline_load_seconds=3, fault_seconds=20, fault_baseline_seconds=8,
              automatch_children=1_000, automatch_sponsors=600)


def machine() -> dict:
    cpu = "unknown"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as info:
        kib = int(next(line for line in info if line.startswith("MemTotal")).split()[1])
    return {"nproc": len(os.sched_getaffinity(0)), "cpu": cpu,
            "ram": f"{kib / 1024 / 1024:.0f} GiB", "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "load": os.getloadavg()[0]}


def run(sizes: Sizes, work_dir: Path, *, log=print) -> dict:
    """Every measurement; the raw results, for ``table_rows``."""
    from tests import bench_import, bench_load, bench_pages
    from tests.bench_dashboard import seed_large_city

    results = {"sizes": asdict(sizes)}
    work_dir.mkdir(parents=True, exist_ok=True)
    db_path = work_dir / "bench.db"

    def step(name: str) -> None:
        log(f"[{time.strftime('%H:%M:%S')}] {name}")

    step(f"seeding: {sizes.children} children, {sizes.sponsors} sponsors, "
         f"{sizes.items} items")
    seeded = seed_large_city(str(db_path), sizes.children, sizes.sponsors, sizes.items,
                             log=log)
    results["seed_s"] = seeded["timings"]["total"]
    _ensure_statistics(db_path)
    logins = bench_pages.add_sponsor_logins(str(db_path), sizes.sponsor_logins)
    if not logins:
        raise RuntimeError("no sponsor with an active match to sign in")

    step("pages (server time, in-process)")
    results["pages"] = bench_pages.measure_pages(
        str(db_path), sponsor_email=logins[0]["email"], requests=sizes.requests)
    results["raw_totals"] = bench_pages.measure_raw_totals(str(db_path))

    step(f"import of {sizes.import_rows} rows")
    csv_path = bench_import.write_import_file(str(db_path), work_dir / "import.csv",
                                              sizes.import_rows)
    results["import"] = bench_import.bench_import(str(db_path), csv_path)

    step(f"load: gunicorn -w 2, {sizes.load_clients} clients, {sizes.load_seconds} s a phase")
    results["load"] = bench_load.run_load(
        db_path, logins, work_dir / "load", seconds=sizes.load_seconds,
        baseline_seconds=sizes.baseline_load_seconds, clients=sizes.load_clients, log=log)

    from tests.bench_load_faults import WRITERS, run_faults

    if sizes.fault_seconds and len(logins) > WRITERS:
        step(f"load with faults: {WRITERS} writers, readers, downloads, exports, a photo "
             f"flood, a worker killed, a backup; {sizes.fault_seconds:.0f} s")
        results["faults"] = run_faults(db_path, logins, work_dir / "faults",
                                       seconds=sizes.fault_seconds,
                                       baseline_seconds=sizes.fault_baseline_seconds,
                                       threads=sizes.fault_threads, log=log)

    step(f"letters: one statement x {sizes.letter_rounds}, bulk {sizes.letters} x 1 and 2 "
         "processes")
    results["letters"] = _letters(work_dir / "letters.db", sizes)

    step("auto-match proposal")
    from tests.bench_matching import bench_automatch

    results["automatch_s"] = bench_automatch(sizes.automatch_children,
                                             sizes.automatch_sponsors)

    step("sponsor and field pages on slow 3G (Chromium, 360 px)")
    from tests import bench_pages_3g

    results["pages_3g"] = bench_pages_3g.measure_phone_pages_3g(log=log)
    return results


def _ensure_statistics(db_path: Path) -> None:
    """ANALYZE unless the seed's own left its statistics behind.

    Without ``sqlite_stat1`` the planner picks other indexes on this data set (e.g. the
    dashboard's covering index for one match's deliveries), so the figures would describe
    a database nobody maintains rather than the code.
    """
    with closing(sqlite3.connect(db_path)) as connection:
        if not connection.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
            connection.execute("ANALYZE")
            connection.commit()


def _letters(db_path: Path, sizes: Sizes) -> dict:
    """``tests/bench_letters.py`` (the letters area's own seed) on a database of its own:
    the large city would give every one of its sponsors a statement."""
    from tests import bench_letters

    app = bench_letters.make_app(db_path)
    with app.app_context():
        scene = bench_letters.seed(sizes.letters)
        overhead = bench_letters.bench_issue_overhead(scene["period"], sizes.letter_rounds)
        signing = bench_letters.bench_signing_cost(scene["period"], sizes.letter_rounds)
        weight = bench_letters.bench_statement_weight(scene["period"], sizes.letter_rounds)
        bulk = bench_letters.bench_bulk_scaling(scene["period"], sizes.letters)
    return {"overhead": overhead, "bulk": bulk, "signing": signing, "weight": weight,
            "overhead_target": bench_letters.OVERHEAD_TARGET,
            "scaling_target": bench_letters.SCALING_TARGET,
            "signing_target_ms": bench_letters.SIGNING_TARGET_MS,
            "weight_target": bench_letters.WEIGHT_TARGET}


# --- the table ---------------------------------------------------------------------------


def _n(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ")


def _ms(value: float) -> str:
    return f"{_n(value)} ms" if value >= 100 else f"{value:.1f} ms"


def _times(r: dict) -> str:
    return f"median {_ms(r['median_ms'])}, p95 {_ms(r['p95_ms'])}"


def _ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}×" if base else "—"


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISS"


def table_rows(results: dict) -> list[tuple[str, str, str, str, str, str]]:
    """``(figure, value, baseline, vs baseline, target, verdict)`` rows."""
    sizes = results["sizes"]
    pages, raw = results["pages"], results["raw_totals"]
    base = pages["baseline"]
    base_text = f"`/login`: {_times(base)}"
    dash = pages["dashboard"]
    rows = [(
        f"Seeding: {_n(sizes['children'])} children, {_n(sizes['sponsors'])} sponsors, "
        f"{_n(sizes['items'])} items", f"{results['seed_s']:.0f} s", "—", "—", "—", "info",
    ), (
        "Dashboard `/dashboard` (officer), server time",
        _times(dash), f"raw GROUP BY over the item rows: {_times(raw)}",
        _ratio(dash["median_ms"], raw["median_ms"]), "faster than the raw GROUP BY",
        _verdict(dash["median_ms"] < raw["median_ms"]),
    ), (
        "Dashboard, queries per request",
        f"{dash['queries']} (first after a data change: {dash['cold_queries']} queries, "
        f"{_ms(dash['cold_ms'])})", "raw GROUP BY: 1 query", "—", "—", "info",
    )]
    for key, label in (("children", "Children list, stunted, page 50 (officer)"),
                       ("sponsor_home", "Sponsor's home page `/me/children`")):
        page = pages[key]
        rows.append((f"{label}, server time", _times(page), base_text,
                     _ratio(page["median_ms"], base["median_ms"]), "—", "info"))
        rows.append((f"{label}, queries per request", str(page["queries"]),
                     f"`/login`: {base['queries']}", "—", "—", "info"))
    letters = results["letters"]
    over, bulk = letters["overhead"], letters["bulk"]
    sig, weight = letters["signing"], letters["weight"]
    rows.append((
        "Signing one statement (PAdES), added to rendering (median)",
        _ms(sig["added_ms"]) + f" (CPU: {_ms(sig['added_cpu_ms'])})",
        f"unsigned PDF/A, same HTML: {_ms(sig['unsigned_ms'])}",
        _ratio(sig["signed_ms"], sig["unsigned_ms"]), f"≤ {letters['signing_target_ms']} ms",
        _verdict(sig["added_ms"] <= letters["signing_target_ms"])))
    rows.append((
        "Statement against a plain letter with the same rows (CPU, min)",
        _ms(weight["statement_ms"]), f"plain letter: {_ms(weight['plain_ms'])}",
        f"{weight['ratio']:.2f}×", f"≤ {letters['weight_target']:.1f}×",
        _verdict(weight["ratio"] <= letters["weight_target"])))
    rows.append((
        "One signed statement PDF: `issue_letter` + commit (median)",
        _ms(over["issue"] * 1000),
        f"WeasyPrint + signing alone, same HTML: {_ms(over['plain'] * 1000)}",
        f"{(over['ratio'] - 1) * 100:+.0f}%",
        f"≤ {(letters['overhead_target'] - 1) * 100:+.0f}%",
        _verdict(over["ratio"] <= letters["overhead_target"])))
    one, two = bulk["sponsors"] / bulk["one"], bulk["sponsors"] / bulk["two"]
    rows.append((
        f"Bulk `letters issue`, {_n(bulk['sponsors'])} statements, 2 processes",
        f"{two:.1f} letters/s ({bulk['two']:.0f} s)",
        f"1 process: {one:.1f} letters/s ({bulk['one']:.0f} s)",
        f"{bulk['scaling']:.2f}×", f"≥ {letters['scaling_target']:.1f}×",
        _verdict(bulk["scaling"] >= letters["scaling_target"])))
    imp = results["import"]
    rows.append((
        f"Children import, {_n(imp['rows'])} rows (`flask children import`)",
        f"{imp['import_s']:.1f} s", f"parsing the file alone: {imp['parse_s']:.1f} s",
        _ratio(imp["import_s"], imp["parse_s"]), "< 10 s", _verdict(imp["import_s"] < 10)))
    load = results["load"]
    baseline = load["baseline"]
    load_base = (f"`/login`, same load: {baseline['rps']:.0f} req/s, "
                 f"p95 {_ms(baseline['p95_ms'])}")
    for key, label in (("sponsor_home", "Load: sponsor home page"),
                       ("log_contribution", "Load: `POST /api/v1/contributions`")):
        phase = load[key]
        rows.append((
            f"{label} ({load['clients']} clients, {phase['seconds']:.0f} s)",
            f"{phase['rps']:.1f} req/s, p95 {_ms(phase['p95_ms'])}, "
            f"{phase['errors']} errors", load_base, _ratio(phase["rps"], baseline["rps"]),
            "0 errors", _verdict(phase["errors"] == 0)))
    check = load["check"]
    rows.append((
        "Load: every logged contribution stored",
        f"{_n(check['created_201'])} × 201; rows {_n(check['before'])} → "
        f"{_n(check['after'])}; {check['missing']} missing",
        "rows counted before the phase", f"+{_n(check['after'] - check['before'])}",
        "rows added = 201s", _verdict(check["ok"])))
    if "faults" in results:
        rows.extend(_fault_rows(results["faults"]))
    rows.append((
        f"Auto-match proposal, {_n(sizes['automatch_children'])} children × "
        f"{_n(sizes['automatch_sponsors'])} sponsors (best of 5)",
        _ms(results["automatch_s"] * 1000), "—", "—", "—", "info"))
    from tests import bench_pages_3g

    rows += bench_pages_3g.table_rows(results["pages_3g"])
    return rows


def _fault_rows(faults: dict) -> list[tuple]:
    """Issue 12's phase: writes under a flood, a killed worker and a backup."""
    rows_, restore = faults["rows"], faults["restore"]
    return [
        (f"Load with faults: other sponsors' writes ({faults['seconds']:.0f} s, "
         f"-w 2 --threads {faults['threads']}; photo flood, worker killed, backup)",
         f"p95 {_ms(faults['write_p95_ms'])}, {faults['write_rps']} writes/s",
         f"the 16 writers alone: p95 {_ms(faults['alone_p95_ms'])}",
         _ratio(faults["write_p95_ms"], faults["alone_p95_ms"]), "p95 < 1 s",
         _verdict(faults["write_p95_ms"] is not None and faults["write_p95_ms"] < 1000)),
        ("Load with faults: 5xx, rows lost or twice",
         f"{faults['server_errors']} × 5xx; {_n(rows_['distinct_acknowledged'])} acknowledged, "
         f"{rows_['missing']} missing, {rows_['unacknowledged_new']} unacknowledged",
         "rows counted before the phase", f"+{_n(rows_['after'] - rows_['before'])}",
         "0 / 0 / 0", _verdict(faults["server_errors"] == 0 and rows_["ok"])),
        ("Load with faults: backup taken during it restores; `audit verify`",
         f"{_n(restore.get('restored') or 0)} rows restored, {restore.get('missing')} of "
         f"{_n(restore.get('committed_before') or 0)} committed before it missing; verify rc "
         f"{faults['audit_verify']['rc']}", "rows committed before the backup", "—",
         "0 missing, rc 0",
         _verdict(restore.get("rc") == 0 and restore.get("missing") == 0
                  and faults["audit_verify"]["rc"] == 0)),
    ]


HEADER = ("figure", "value", "baseline (same run)", "vs baseline", "target", "verdict")


def text_table(rows) -> str:
    widths = [max(len(r[i]) for r in [HEADER, *rows]) for i in range(len(HEADER))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in [HEADER, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown(rows, info: dict, elapsed_s: float, quick: bool) -> str:
    lines = [
        f"{'`python -m tests.bench --quick` (small sizes)' if quick else '`make bench`'} "
        f"finished "
        f"{datetime.now():%Y-%m-%d %H:%M} after {elapsed_s / 60:.1f} min on "
        f"{info['nproc']} CPUs (`nproc`), {info['cpu']}, {info['ram']} RAM, "
        f"Python {info['python']}, SQLite {info['sqlite']}; 1-minute load average "
        f"{info['load']:.1f} at the start, {os.getloadavg()[0]:.1f} at the end.",
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "|".join("---" for _ in HEADER) + "|",
    ]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |"
              for row in rows]
    return "\n".join(lines) + "\n"


README_INTRO = """\
`make bench` (about 10 minutes on 2 CPUs; `.venv/bin/python -m tests.bench --quick` for a
one-minute smoke run) seeds a large city in a temporary SQLite database, measures, and
writes this table to `test-output/bench.md`; `python -m tests.bench --readme` also puts it
here. Every figure has a baseline measured in the same run on the same machine.
"""

README_NOTES = """\
- **Server time** is measured in-process through Flask's test client (routing, session
  check, queries, template; no socket): median and p95 of 30 requests after a warm-up.
  The dashboard's baseline is the raw `GROUP BY` over every confirmed item row that its
  monthly aggregates replace; the other pages' is `/login`, the cheapest page served.
- **Statement PDF**: `issue_letter` + commit (read, number, render, sign, hash, store,
  audit) against WeasyPrint's PDF/A of the very same final HTML signed by the same
  signer (`tests/bench_letters.py`). **Signing**: the same HTML rendered unsigned and
  signed, side by side. **Statement weight**: the statement against the same page with
  its tables replaced by one plain table of the same cells.
- **Bulk statements**: `letters issue` for 1,000 sponsors with one rendering process,
  then two; the scaling target assumes two otherwise idle CPUs.
- **Import**: `flask --app app children import` on a 10,000-row e-PPGBM CSV of new
  children into the large city; baseline: parsing the same file alone.
- **Load**: `gunicorn -w 2 app:app` on 127.0.0.1, a threaded `http.client` generator with
  4 clients on the same machine (a new connection per request), 30 s per phase
  (10 s for the `/login` baseline). 200 sponsors sign in through the real form and
  `POST /api/v1/tokens`; their bench logins use `pbkdf2:sha256:1000` hashes so signing
  in costs no CPU worth measuring (real accounts use scrypt). Every contribution gets its
  own `Idempotency-Key`; the rows are counted before and after.
- **Slow 3G** (`tests/bench_pages_3g.py`): headless Chromium at 360 px throttled to
  Chrome's "Slow 3G" (400 kbit/s each way, 400 ms round trip), signed in as a sponsor or
  a kader of a small city of its own; each page with an empty cache, then again. Bytes crossed the
  network (0 for what the browser cache served), time is navigation start to load.
  **Budget**: a first visit within 3 s and 60 KB; a repeat visit within 1.5 s with no
  request for a static asset (fingerprinted, cached as immutable). Pages and private
  photos are never cached (`no-store`), so a repeat visit still fetches the page itself.
- The seed bulk-inserts its rows (no audit record per row) and runs `ANALYZE`: without
  SQLite's statistics the planner picks slower indexes on this data set.
"""


def replace_readme_section(body: str, readme: Path = README) -> None:
    """Put ``body`` under "## Benchmarks", the last section of the README."""
    text = readme.read_text()
    start = text.find(f"\n{README_HEADING}\n")
    head = text if start < 0 else text[:start]
    readme.write_text(f"{head.rstrip()}\n\n{README_HEADING}\n\n{body.rstrip()}\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument("--letters", type=int, help="statements for the bulk measurement")
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it")
    parser.add_argument("--out", type=Path, default=OUTPUT, help="markdown table file")
    parser.add_argument("--readme", action="store_true",
                        help="also replace README.md's Benchmarks section with the table")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.letters:
        sizes = replace(sizes, letters=args.letters)
    info = machine()
    started = time.perf_counter()
    def log(line: str) -> None:
        print(line, flush=True)

    if args.keep:
        results = run(sizes, args.keep, log=log)
    else:
        with tempfile.TemporaryDirectory(prefix="asuh-bench-") as tmp:
            results = run(sizes, Path(tmp), log=log)
    elapsed = time.perf_counter() - started
    rows = table_rows(results)
    print()
    print(text_table(rows))
    print(f"\nTotal: {elapsed / 60:.1f} min")
    body = markdown(rows, info, elapsed, args.quick)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(body)
    print(f"Written to {args.out}")
    if args.readme:
        replace_readme_section(README_INTRO + "\n" + body + "\n" + README_NOTES)
        print(f"README.md section {README_HEADING!r} replaced")
    missed = [row[0] for row in rows if row[-1] == "MISS"]
    if missed:
        # Reported, not fatal: on a shared machine a miss may be the neighbours' load.
        print(f"Targets missed: {'; '.join(missed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
