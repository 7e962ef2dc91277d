"""A live Asuh server for Chromium to drive, and the Playwright fixtures.

The server has its OWN app and SQLite file, built once per session (per xdist worker):
it never asks for the suite's `app` fixture, so `_clean_state` in tests/conftest.py does
not wipe it between tests. CSRF and the rate limits are on, as in production; every test
therefore makes its own data with unique names instead of relying on an empty database.
"""

import itertools
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

from asuh import create_app, timeutil
from asuh.extensions import db
from tests import factories
from tests.browser import support
from tests.conftest import app_settings

BROWSER_DIR = Path(__file__).resolve().parent
SKIP_REASON = "browser journeys run once, on SQLite"
DEFAULT_TIMEOUT_MS = 15_000
EMAIL_DOMAIN = "pangkalpinang.example.id"


def pytest_collection_modifyitems(config, items):
    if not config.getoption("--postgres"):
        return
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if BROWSER_DIR in Path(item.path).parents:
            item.add_marker(skip)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass  # one line per request would bury a failing test's output


@dataclass
class LiveServer:
    url: str
    app: Flask
    emails: dict[str, str] = field(default_factory=dict)  # role → email of a ready user
    ids: dict[str, int] = field(default_factory=dict)  # named records of the baseline world
    tokens: dict[str, str] = field(default_factory=dict)
    serial: itertools.count = field(default_factory=lambda: itertools.count(1))

    @contextmanager
    def seed(self):
        """Change the server's database through the services, then commit."""
        with self.app.app_context():
            try:
                yield
                db.session.commit()
            except BaseException:
                db.session.rollback()
                raise

    def unique(self) -> int:
        return next(self.serial)

    def path(self, template: str) -> str:
        """``/children/{waiting_child_id}`` → ``/children/3``: the baseline's ids."""
        return template.format(**self.ids, **self.tokens)

    # The helpers below run inside seed().

    def officer(self):
        from asuh.accounts.services import find_user_by_email

        return find_user_by_email(self.emails["officer"])

    def approved_sponsor(self, name: str, kind: str = "citizen", email: str | None = None):
        """A sponsor who registered themselves and was approved by an officer."""
        from asuh.sponsors import services as sponsors

        n = self.unique()
        identity = {"nik": factories.valid_nik(n)} if kind == "citizen" else {}
        sponsor = factories.sponsor(kind, approved=False, name=name,
                                    email=email or f"asuh{n}@warga.example.id", **identity)
        sponsors.approve_sponsor(sponsor, actor=self.officer())
        return sponsor

    def measured_child(self, name: str, sex: str = "P"):
        """A stunted 13-month-old in the field user's kelurahan, measured today."""
        officer = self.officer()
        child = factories.child(actor=officer, name=name, sex=sex,
                                birth_date=timeutil.today() - timedelta(days=400 + self.unique()))
        factories.measurement(child, actor=officer, height_cm="69.0", weight_kg="7.9")
        db.session.flush()
        return child

    def match(self, sponsor, child):
        from asuh.matching import services as matching

        match = matching.create_match(sponsor, child, start_on=timeutil.today(),
                                      actor=self.officer())
        db.session.flush()
        return match

    def delivery(self, match_id: int):
        """Rice and eggs with a photo, logged by the match's sponsor, awaiting the field."""
        from sqlalchemy import select
        from sqlalchemy.orm import joinedload

        from asuh.accounts.models import User
        from asuh.contributions import services as contributions
        from asuh.matching.models import Match

        match = db.session.scalar(select(Match).where(Match.id == match_id).options(
            joinedload(Match.sponsor), joinedload(Match.child)))
        contribution, _ = contributions.log_contribution(
            match, delivered_on=timeutil.today(), photo_files=[support.delivery_photo()],
            items=[{"commodity": "rice", "unit": "karung 5 kg", "quantity": "2",
                    "value_idr": "150000"},
                   {"commodity": "eggs", "unit": "tray", "quantity": "1",
                    "value_idr": "60000"}],
            actor=db.session.get(User, match.sponsor.user_id))
        return contribution


def _baseline(live: LiveServer) -> None:
    """The people and records every role's main pages need, made through the services:
    staff of each role; two approved sponsors each with a matched, measured child and a
    delivery (one pending, one confirmed and stated in an issued letter); and a child
    waiting for a sponsor."""
    from asuh.contributions.catalogue import install_default_catalogue
    from asuh.contributions.verification import confirm_contribution
    from asuh.install import install_defaults
    from asuh.letters.models import SPONSOR_STATEMENT
    from asuh.letters.periods import parse_period
    from asuh.letters.services import issue_letter
    from asuh.regions.services import assign_kelurahan

    with live.seed():
        # What `flask install` loads (regions), and the commodity catalogue if it did not.
        install_defaults()
        install_default_catalogue()
        staff = {}
        for role, name in (("admin", "Admin Dinas"), ("officer", "Rina Petugas"),
                           ("field", "Kader Melati"), ("auditor", "Auditor Inspektorat")):
            staff[role] = factories.user(role, email=f"{role}@{EMAIL_DOMAIN}", name=name)
            live.emails[role] = staff[role].email
        assign_kelurahan(staff["field"], [factories.KELURAHAN], actor=staff["admin"])
        for key, kind, name, child_name, sex in (
                ("sponsor", "citizen", "Sari Wulandari", "Siti Aisyah", "P"),
                ("other_sponsor", "asn", "Budi Santoso", "Muhammad Rizky", "L")):
            sponsor = live.approved_sponsor(
                name, kind, email=f"{key.replace('_', '-')}@{EMAIL_DOMAIN}")
            child = live.measured_child(child_name, sex)
            match = live.match(sponsor, child)
            live.emails[key] = sponsor.email
            live.ids[f"{key}_id"] = sponsor.id
            live.ids[f"{key}_child_id"] = child.id
            live.ids[f"{key}_match_id"] = match.id
        live.ids["contribution_id"] = live.delivery(live.ids["sponsor_match_id"]).id
        other_delivery = live.delivery(live.ids["other_sponsor_match_id"])
        live.ids["other_contribution_id"] = other_delivery.id
        confirm_contribution(other_delivery, actor=staff["field"])
        letter = issue_letter(SPONSOR_STATEMENT, sponsor_id=live.ids["other_sponsor_id"],
                              period=parse_period(f"{timeutil.today():%Y-%m}"),
                              actor=staff["officer"],
                              # This month is still running: an interim letter (issue 11).
                              interim=True)
        live.ids["letter_id"] = letter.id
        live.tokens["letter_token"] = letter.verify_token
        live.ids["waiting_child_id"] = live.measured_child("Nayla Khairunnisa").id


@pytest.fixture(scope="session")
def live_server():
    from flask_migrate import upgrade

    with tempfile.TemporaryDirectory(prefix="asuh-browser-") as tmp:
        tmp_dir = Path(tmp)
        settings = app_settings(tmp_dir, f"sqlite:///{tmp_dir / 'browser.db'}")
        settings["WTF_CSRF_ENABLED"] = True  # real forms, real tokens
        app = create_app(settings)
        with app.app_context():
            upgrade()
        server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
        thread = threading.Thread(target=server.serve_forever, name="asuh-live-server",
                                  daemon=True)
        thread.start()
        live = LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
        try:
            _baseline(live)
            yield live
        finally:
            server.shutdown()
            thread.join(timeout=10)
            with app.app_context():
                db.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Browser:
    if not Path(support.CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {support.CHROMIUM}: the browser journeys "
                    "need Debian's `chromium` package (`make system-deps` installs it as "
                    "root; or set ASUH_CHROMIUM to another Chromium binary).", pytrace=False)
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=support.CHROMIUM,
                                              headless=True, args=support.CHROMIUM_ARGS)
    except Exception as exc:
        playwright.stop()
        pytest.fail(f"Chromium at {support.CHROMIUM} did not start: {exc}", pytrace=False)
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture(scope="session")
def axe_source() -> str:
    try:
        return support.axe_source()
    except Exception as exc:  # a missing npm or registry must fail loudly, never skip
        pytest.fail(f"axe-core is not available: {exc}", pytrace=False)


@pytest.fixture(scope="session")
def _signed_in_states() -> dict:
    return {}


@pytest.fixture
def open_page(browser, live_server, _signed_in_states):
    """``open_page("phone" | "small-phone" | "desktop", as_role=None)``: a page in a fresh
    browser context (its own cookies), optionally already signed in as that role's user.
    Sign-ins are made once per role through the login form and their cookies reused,
    which keeps the run under the real login rate limit."""
    opened = []
    problems: list[str] = []

    def _open(kind: str = "desktop", as_role: str | None = None) -> Page:
        options = dict(support.DEVICES[kind], base_url=live_server.url, locale="id-ID")
        if as_role is not None and as_role in _signed_in_states:
            options["storage_state"] = _signed_in_states[as_role]
        context = browser.new_context(**options)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        opened.append(context)
        page = context.new_page()
        support.watch(page, problems)
        if as_role is not None and as_role not in _signed_in_states:
            support.sign_in(page, live_server.emails[as_role])
            _signed_in_states[as_role] = context.storage_state()
        return page

    yield _open
    for context in opened:
        context.close()
    assert not problems, "\n".join(problems)


@pytest.fixture
def phone(open_page) -> Page:
    return open_page("phone")


@pytest.fixture
def desktop(open_page) -> Page:
    return open_page("desktop")
