"""`make bench` on a tiny city, so the benchmark code cannot rot between runs.

Timings are not asserted (they belong to `make bench` on a quiet machine); only that
every measurement completes, every row of the table comes out, and the load test's
bookkeeping holds: each 201 is a stored contribution.
"""

import pytest

from asuh import create_app
from tests import bench, bench_pages_3g
from tests.conftest import app_settings

TINY = bench.Sizes(children=300, sponsors=150, items=3_000, requests=2, sponsor_logins=3,
                   import_rows=30, letters=3, letter_rounds=1, load_seconds=0.5,
                   baseline_load_seconds=0.3, load_clients=2, automatch_children=50,
                   automatch_sponsors=30)


def test_bench_runs_end_to_end_and_reports_every_row(request, tmp_path):
    if request.config.getoption("--postgres"):
        pytest.skip("the benchmark runs on SQLite; the SQLite run covers it")
    try:
        results = bench.run(TINY, tmp_path / "bench", log=lambda _line: None)
    finally:
        # The bench's apps re-bind the process-wide rate limiter with limits off, and later
        # apps inherit that; bind it back on, as the suite's own app has it.
        create_app({**app_settings(tmp_path, f"sqlite:///{tmp_path / 'unused.db'}"),
                    "RATELIMIT_ENABLED": True})

    rows = bench.table_rows(results)
    figures = [row[0] for row in rows]
    for expected in ("Seeding", "Dashboard `/dashboard`", "Dashboard, queries",
                     "Children list", "Sponsor's home page", "One signed statement PDF",
                     "Signing one statement", "Statement against a plain letter",
                     "Bulk `letters issue`", "Children import", "Load: sponsor home page",
                     "Load: `POST /api/v1/contributions`",
                     "Load: every logged contribution stored", "Auto-match proposal",
                     "Slow 3G at 360 px, `/me/children`", "Slow 3G at 360 px, `/my/letters`"):
        assert any(figure.startswith(expected) for figure in figures), expected
    assert len(rows) == 16 + len(bench_pages_3g.PAGES)
    assert all(len(row) == len(bench.HEADER) and all(row) for row in rows)
    assert results["import"]["rows"] == TINY.import_rows
    check = results["load"]["check"]
    assert check["ok"], check
    # Not a timing: a repeat visit fetches no static asset (fingerprinted, immutable).
    assert all(page["repeat"]["assets"] == 0 and page["first"]["assets"] > 0
               for page in results["pages_3g"]["pages"]), results["pages_3g"]
    assert check["created_201"] > 0
    # The field pages the phone keeps open from the service worker with no signal at all.
    kept = {page["path"] for page in results["pages_3g"]["pages"] if page["worker"]["kept"]}
    assert kept == {"/home", "/me/children", "/me/contributions", "/children",
                    "/matches/{sponsor_match_id}/contributions/new",
                    "/children/{sponsor_child_id}", "/contributions/queue",
                    "/contributions/{contribution_id}/confirm"}, results["pages_3g"]
    assert all(page["worker"]["bytes"] == 0 for page in results["pages_3g"]["pages"]
               if page["worker"]["kept"])

    table = bench.markdown(rows, bench.machine(), 1.0, quick=True)
    assert table.count("\n| ") == len(rows) + 1  # header + one line per row

    readme = tmp_path / "README.md"
    readme.write_text("# Asuh\n\n## Operations\n\ntext\n")
    bench.replace_readme_section("old table\n", readme)
    bench.replace_readme_section(table, readme)
    text = readme.read_text()
    assert text.startswith("# Asuh\n\n## Operations\n\ntext\n\n## Benchmarks\n\n")
    assert text.count("## Benchmarks") == 1 and "old table" not in text
