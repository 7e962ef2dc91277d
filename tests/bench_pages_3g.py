"""Benchmark piece: each sponsor and field page on slow 3G in Chromium, first and repeat
visit (issue 18: both walk with cheap phones on poor signal).

Not collected by pytest. A live server on its own small database (the browser journeys'
baseline world: a sponsor with a pending delivery and its photo, another with an issued
statement) and headless Chromium throttled through the DevTools protocol to Chrome's
"Slow 3G": 400 kbit/s each way, 400 ms round trip. Each page is opened signed in, first
with an empty browser cache, then again (a repeat visit: the cache as the first left it).
Bytes are what crossed the network (the navigation's and each resource's transferSize;
0 for one served from the browser cache); time is from navigation start to the load
event. Baseline: `/login`, the smallest page, on the same network.

The first and repeat visits run with service workers blocked: the network and the
browser cache alone, comparable with issue 18's figures. A third visit measures what
issue 13's service worker gives: in a context where it is allowed, the page is opened
signed in until the account's worker has kept it (AsuhOffline.kept()), then opened again
with no signal at all: the page and its assets come from the worker's caches (0 bytes
cross the network). Pages the phone does not keep (not field pages) answer the worker's
"Tidak ada sinyal" page and are reported as not kept. The worker's repeat visit is
measured without signal rather than on slow 3G because DevTools' throttling of a page
does not apply to its worker's own requests (the figure would flatter the network).
"""

import tempfile
import threading
from pathlib import Path

from werkzeug.serving import make_server

SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8,
           "uploadThroughput": 400_000 / 8, "connectionType": "cellular3g"}
# (role, path): every page a sponsor, and a kader/TPK (the "field" role) in the field,
# uses; ids filled from the baseline world (the kader's kelurahan holds both children).
PAGES = [("sponsor", "/home"), ("sponsor", "/me/children"), ("sponsor", "/me/contributions"),
         ("sponsor", "/contributions/{contribution_id}"),
         ("sponsor", "/matches/{sponsor_match_id}/contributions/new"),
         ("other_sponsor", "/my/letters"),
         ("field", "/home"), ("field", "/children"),
         ("field", "/children/{sponsor_child_id}"), ("field", "/contributions/queue"),
         ("field", "/contributions/{contribution_id}/confirm"), ("field", "/visits")]
ROLE_LABELS = {"sponsor": "sponsor", "other_sponsor": "sponsor", "field": "kader"}
# The budget (README, "Benchmarks"): a first visit within 3 s and 60 KB, a repeat visit
# within 1.5 s with no request but the page itself (and its private photo tiles); a page
# the worker keeps opens from the phone within 1 s with nothing from the network.
BUDGET = {"first_s": 3.0, "first_kb": 60, "repeat_s": 1.5, "worker_s": 1.0}
_OFFLINE_TITLE = "Tidak ada sinyal"

_NETWORK = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const resources = performance.getEntriesByType("resource");
  const fetched = resources.filter(r => r.transferSize > 0);
  return {bytes: nav.transferSize + fetched.reduce((sum, r) => sum + r.transferSize, 0),
          requests: 1 + fetched.length,
          assets: fetched.filter(r => r.name.includes("/static/")).length,
          seconds: (nav.loadEventEnd - nav.startTime) / 1000};
}"""


def _visit(page, url: str) -> dict:
    page.goto(url, wait_until="load")
    page.wait_for_function("() => performance.getEntriesByType('navigation')[0].loadEventEnd > 0")
    return page.evaluate(_NETWORK)


def _measure(browser, live, role: str | None, path: str) -> dict:
    from tests.browser import support

    context = browser.new_context(**support.SMALL_PHONE, base_url=live.url, locale="id-ID",
                                  service_workers="block")
    try:
        page = context.new_page()
        session = context.new_cdp_session(page)
        session.send("Network.enable")
        if role:
            support.sign_in(page, live.emails[role])
        session.send("Network.clearBrowserCache")  # a first visit: nothing cached
        session.send("Network.emulateNetworkConditions", SLOW_3G)
        first = _visit(page, live.path(path))
        repeat = _visit(page, live.path(path))
        return {"path": path, "first": first, "repeat": repeat}
    finally:
        context.close()


def _measure_worker(browser, live, role: str, path: str) -> dict:
    """The repeat visit served by the account's service worker, with no signal."""
    from tests.browser import support

    context = browser.new_context(**support.SMALL_PHONE, base_url=live.url, locale="id-ID")
    try:
        page = context.new_page()
        support.sign_in(page, live.emails[role])
        page.goto(live.path(path), wait_until="load")
        page.wait_for_function(
            "() => window.AsuhOffline && AsuhOffline.keptState() !== 'waiting'")
        if page.evaluate("AsuhOffline.keptState()") is not True:
            return {"kept": False}
        context.set_offline(True)
        visit = _visit(page, live.path(path))
        kept = not page.title().startswith(_OFFLINE_TITLE)
        return {**visit, "kept": kept}
    finally:
        context.close()


def within_budget(result: dict) -> bool:
    first, repeat, worker = result["first"], result["repeat"], result.get("worker", {})
    return (first["seconds"] <= BUDGET["first_s"] and first["bytes"] <= BUDGET["first_kb"] * 1024
            and repeat["seconds"] <= BUDGET["repeat_s"] and repeat["assets"] == 0
            and (not worker.get("kept") or (worker["seconds"] <= BUDGET["worker_s"]
                                            and worker["bytes"] == 0)))


def measure_phone_pages_3g(log=print) -> dict:
    """``{"baseline": {...}, "pages": [{path, first, repeat}, ...]}``."""
    from flask_migrate import upgrade
    from playwright.sync_api import sync_playwright

    from asuh import create_app
    from asuh.extensions import db
    from tests.browser import support
    from tests.browser.conftest import LiveServer, _baseline, _QuietHandler
    from tests.conftest import app_settings

    with tempfile.TemporaryDirectory(prefix="asuh-bench-3g-") as tmp:
        settings = app_settings(Path(tmp), f"sqlite:///{Path(tmp) / 'bench-3g.db'}")
        app = create_app({**settings, "WTF_CSRF_ENABLED": True})
        with app.app_context():
            upgrade()
        server = make_server("127.0.0.1", 0, app, threaded=True,
                             request_handler=_QuietHandler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        live = LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
        playwright = sync_playwright().start()
        try:
            _baseline(live)
            browser = playwright.chromium.launch(executable_path=support.CHROMIUM,
                                                 headless=True, args=support.CHROMIUM_ARGS)
            results = {"baseline": _measure(browser, live, None, "/login"), "pages": []}
            for role, path in PAGES:
                log(f"  slow 3G: {path} ({ROLE_LABELS[role]})")
                results["pages"].append({**_measure(browser, live, role, path),
                                         "worker": _measure_worker(browser, live, role, path),
                                         "role": ROLE_LABELS[role]})
            browser.close()
        finally:
            playwright.stop()
            server.shutdown()
            thread.join(timeout=10)
            with app.app_context():
                db.engine.dispose()
    return results


def _visit_text(v: dict) -> str:
    return f"{v['seconds']:.1f} s, {v['bytes'] / 1024:.0f} KB, {v['requests']} req"


def _worker_text(v: dict) -> str:
    return f"{v['seconds']:.1f} s, {v['bytes'] / 1024:.0f} KB" if v.get("kept") else "not kept"


def table_rows(results: dict) -> list[tuple[str, str, str, str, str, str]]:
    base = results["baseline"]
    base_text = (f"`/login`: first {_visit_text(base['first'])}; "
                 f"repeat {_visit_text(base['repeat'])}")
    target = (f"first ≤ {BUDGET['first_s']:.0f} s and ≤ {BUDGET['first_kb']} KB; repeat "
              f"≤ {BUDGET['repeat_s']} s, no asset request; kept page ≤ "
              f"{BUDGET['worker_s']:.0f} s from the worker")
    return [(f"Slow 3G at 360 px, `{page['path']}` ({page['role']}): first / repeat visit / "
             "repeat from the service worker (no signal)",
             f"first {_visit_text(page['first'])}; repeat {_visit_text(page['repeat'])}; "
             f"worker {_worker_text(page['worker'])}", base_text,
             f"{page['first']['seconds'] / base['first']['seconds']:.2f}×", target,
             "ok" if within_budget(page) else "MISS")
            for page in results["pages"]]


def markdown_table(results: dict) -> str:
    """The README's table of these pages, one column per kind of visit."""
    base = results["baseline"]
    lines = ["| page (360 px) | first visit | repeat visit | repeat, service worker (no "
             "signal) | budget |", "|---|---|---|---|---|",
             f"| `/login` (baseline) | {_visit_text(base['first'])} | "
             f"{_visit_text(base['repeat'])} | — | — |"]
    for page in results["pages"]:
        lines.append(f"| {page['role']} `{page['path']}` | {_visit_text(page['first'])} | "
                     f"{_visit_text(page['repeat'])} | {_worker_text(page['worker'])} | "
                     f"{'ok' if within_budget(page) else 'MISS'} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table(measure_phone_pages_3g()))
