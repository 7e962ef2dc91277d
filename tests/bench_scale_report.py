"""The table of ``make bench-scale``: each figure at both sizes and its growth (not collected).

Growth is the 1M figure over the 100k figure; the data it reads grew 10× (children,
measurements, items) or not at all (regions, months, one sponsor's own children), and a
figure may not grow faster than that.
"""

import time
from pathlib import Path

from tests.bench import machine
from tests.bench_scale_pages import TARGETS_MS

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "test-output" / "bench-scale.md"
README = ROOT / "README.md"
HEADING = "## Benchmarks at scale (PostgreSQL)"
HEADER = ("figure", "100,000 children", "1,000,000 children", "growth", "target", "verdict")
IMPORT_TARGET_S = 60
SCALING_TARGET = 1.8

PAGES = (
    ("dashboard", "Provincial dashboard (officer, scope 32), p95", "dashboard"),
    ("dashboard_changed", "Provincial dashboard, first request after a data change "
     "(one measurement), p95", "dashboard"),
    ("dashboard_cold", "Provincial dashboard, a fresh app server's first request, p95",
     None),
    ("city_dashboard", "Kabupaten 32.01's dashboard (its officer), p95", "city_dashboard"),
    ("city_dashboard_changed", "Kabupaten 32.01's dashboard after a data change, p95",
     "city_dashboard"),
    ("city_dashboard_cold", "Kabupaten 32.01's dashboard, a fresh app server's first "
     "request, p95", None),
    ("children", "Children list, stunted, page 50 (provincial officer), p95", "children"),
    ("city_children", "Children list, stunted, page 50 (32.01's officer), p95",
     "city_children"),
    ("sponsor_home", "Sponsor's home `/me/children` (sponsor with the most children), p95",
     "sponsor_home"),
    ("baseline", "Baseline: `/login`, p95", None),
)


def _ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"


def _growth(small: float, big: float) -> str:
    return f"{big / small:.2f}×" if small else "—"


def table_rows(results: dict) -> list[tuple]:
    names = list(results["sizes"])
    small, big = (results["sizes"][n] for n in (names[0], names[-1]))
    rows = [("Seed (COPY, indexes, aggregates, check)", f"{small['seed_s'] / 60:.0f} min",
             f"{big['seed_s'] / 60:.0f} min", _growth(small["seed_s"], big["seed_s"]), "—",
             "info"),
            ("Database size", f"{small['database_bytes'] / 2**30:.2f} GiB",
             f"{big['database_bytes'] / 2**30:.2f} GiB",
             _growth(small["database_bytes"], big["database_bytes"]), "—", "info")]
    for key, label, target_key in PAGES if "pages" in big else ():
        if key not in small["pages"] or key not in big["pages"]:
            continue  # a figure added after these results were measured
        a, b = small["pages"][key], big["pages"][key]
        target = TARGETS_MS.get(target_key) if target_key else None
        rows.append((f"{label} (queries: {b['queries']})",
                     f"{_ms(a['p95_ms'])} (median {_ms(a['median_ms'])})",
                     f"{_ms(b['p95_ms'])} (median {_ms(b['median_ms'])})",
                     _growth(a["p95_ms"], b["p95_ms"]), f"< {target} ms" if target else "—",
                     ("ok" if b["p95_ms"] < target else "MISS") if target else "info"))
    if "statements" in big:
        rows += _statement_rows(small["statements"], big["statements"])
    if "import" in big:
        rows += _import_rows(small["import"], big["import"])
    if "load" in big:
        rows += _load_rows(small["load"], big["load"])
    return rows


def _statement_rows(sa: dict, sb: dict) -> list[tuple]:
    rows = [(f"{sb['statements']} statements: 1 process / 2 processes",
             f"{sa['one_s']:.0f} s / {sa['two_s']:.0f} s = {sa['scaling']:.2f}×",
             f"{sb['one_s']:.0f} s / {sb['two_s']:.0f} s = {sb['scaling']:.2f}×",
             _growth(sa["two_s"], sb["two_s"]), f"≥ {SCALING_TARGET}×",
             "ok" if sb["scaling"] >= SCALING_TARGET else "MISS")]
    if "one_ms_each" in sb:  # runs before issue 16's importfast branch had no such field
        rows.append(("Statements: ms per statement, 1 process (the data it reads: one "
                     "sponsor's)", f"{sa['one_ms_each']:,.0f} ms", f"{sb['one_ms_each']:,.0f} ms",
                     _growth(sa["one_ms_each"], sb["one_ms_each"]), "flat", "info"))
    return rows


def _import_rows(ia: dict, ib: dict) -> list[tuple]:
    memory = f", worker peak {ib['job_mib']:,.0f} MiB" if "job_mib" in ib else ""
    rows = [(f"Import of {ib['rows']:,} rows as a job (confirm → done{memory})",
             f"{ia['job_s']:.0f} s ({ia['created']:,} children, {ia['job_status']})",
             f"{ib['job_s']:.0f} s ({ib['created']:,} children, {ib['job_status']})",
             _growth(ia["job_s"], ib["job_s"]), f"< {IMPORT_TARGET_S} s",
             "ok" if ib["job_s"] < IMPORT_TARGET_S and ib["created"] == ib["rows"]
             else "MISS")]
    if "preview_job_s" in ib:
        rows.append((f"Import: upload of {ib['rows']:,} rows (the request) / its preview "
                     "job", f"{ia['upload_s']:.1f} s / {ia['preview_job_s']:.0f} s",
                     f"{ib['upload_s']:.1f} s / {ib['preview_job_s']:.0f} s",
                     _growth(ia["preview_job_s"], ib["preview_job_s"]), "—", "info"))
    else:
        rows.append((f"Import: upload and preview of {ib['rows']:,} rows (in the request)",
                     f"{ia['preview_s']:.0f} s", f"{ib['preview_s']:.0f} s",
                     _growth(ia["preview_s"], ib["preview_s"]), "—", "info"))
    return rows


def _load_rows(la: dict, lb: dict) -> list[tuple]:
    rows = []
    for phase, label in (("writes", "writers"), ("reads", "readers"), ("baseline", "baseline")):
        a, b = la[phase], lb[phase]
        rows.append((f"Load via nginx → 2 app servers, {label}: answers/s, p95, errors",
                     f"{a['rps']}/s, {_ms(a['p95_ms'] or 0)}, {a['errors']} errors",
                     f"{b['rps']}/s, {_ms(b['p95_ms'] or 0)}, {b['errors']} errors",
                     _growth(a["p95_ms"] or 0, b["p95_ms"] or 0),
                     "0 errors" if phase != "baseline" else "—",
                     ("ok" if b["errors"] == 0 else "MISS") if phase != "baseline" else "info"))
    ca, cb = la["check"], lb["check"]
    rows.append(("Every write stored (201 answers = new rows, all ids found)",
                 f"{ca['created_201']} = {ca['after'] - ca['before']}",
                 f"{cb['created_201']} = {cb['after'] - cb['before']}", "—", "all",
                 "ok" if ca["ok"] and cb["ok"] else "MISS"))
    return rows


def markdown(rows: list[tuple], results: dict, elapsed: float) -> str:
    info = machine()
    disk = _disk()
    lines = [
        f"`make bench-scale` finished {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} "
        f"after {elapsed / 60:.0f} min on {info['nproc']} CPUs (`nproc`), {info['cpu']}, "
        f"{info['ram']} RAM, {disk}, {results['postgres']}, Python {info['python']}; "
        f"1-minute load average {info['load']:.1f} at the end (the machine was shared with "
        "other engineers' test runs: absolute times are inflated, the growth column is "
        "what the run compares).",
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "|".join("---" for _ in HEADER) + "|",
    ]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |"
              for row in rows]
    return "\n".join(lines) + "\n"


def _disk() -> str:
    import shutil

    total = shutil.disk_usage(ROOT).total
    return f"{total / 2**30:.0f} GB virtual disk"


def replace_readme_section(body: str, readme: Path = README) -> None:
    """Put ``body`` under HEADING, which sits before the "## Benchmarks" section (that
    one is the README's last, rewritten whole by ``tests/bench.py --readme``)."""
    text = readme.read_text()
    start = text.find(f"\n{HEADING}\n")
    if start < 0:
        start = end = text.find("\n## Benchmarks\n")
    else:
        end = text.find("\n## ", start + len(HEADING) + 2)
    section = f"\n{HEADING}\n\n{body.rstrip()}\n"
    readme.write_text(text[:start].rstrip() + "\n" + section + text[end:])


def report(results: dict, elapsed: float, *, readme: bool, intro: str = "",
           notes: str = "") -> str:
    rows = table_rows(results)
    body = markdown(rows, results, elapsed)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(body)
    print(body)
    if readme:
        replace_readme_section(intro + "\n" + body + "\n" + notes)
    return body
