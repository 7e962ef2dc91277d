"""The installation's clock (issue 11): "today" is Indonesia's, not the server's UTC.

Each failure the issue lists is reproduced at the moment it happened, 04:27 WIB on the
1st (21:27 UTC on the last day of the month before), and shown fixed.
"""

import ast
from datetime import date
from pathlib import Path

import pytest

from asuh import timeutil
from asuh.config import ConfigError, load_config
from asuh.extensions import db
from asuh.formatting import format_datetime_id
from asuh.letters import services
from asuh.letters.periods import Period
from tests import factories
from tests.clock import WIT, WITA, wib

ASUH = Path(__file__).resolve().parent.parent / "asuh"
FIRST_OF_DECEMBER_0427 = wib(2026, 12, 1, 4, 27)


def _system_clock_calls(tree: ast.AST) -> list[int]:
    """Lines calling date.today(), or datetime.now()/utcnow() without a zone."""
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner = node.func.value
        name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
        if node.func.attr == "today" and name == "date":
            lines.append(node.lineno)
        if node.func.attr == "utcnow" and name == "datetime":
            lines.append(node.lineno)
        if node.func.attr == "now" and name == "datetime" and not (node.args or node.keywords):
            lines.append(node.lineno)
    return lines


def test_no_module_but_timeutil_asks_the_system_for_the_date():
    found = {}
    for path in ASUH.rglob("*.py"):
        if path.name == "timeutil.py" and path.parent == ASUH:
            continue
        lines = _system_clock_calls(ast.parse(path.read_text(), str(path)))
        if lines:
            found[str(path.relative_to(ASUH.parent))] = lines
    assert found == {}, "ask asuh.timeutil for today/now instead"


def test_the_check_finds_what_it_looks_for():
    code = "from datetime import date, datetime\ndate.today()\ndatetime.now()\n" \
           "datetime.now(UTC)\ndatetime.utcnow()\n"
    assert _system_clock_calls(ast.parse(code)) == [2, 3, 5]


@pytest.mark.clock(FIRST_OF_DECEMBER_0427)
def test_today_is_indonesias_at_0427_wib(app):
    # The server's UTC clock still says 30 November.
    assert timeutil.utcnow().date() == date(2026, 11, 30)
    with app.app_context():
        assert timeutil.today() == date(2026, 12, 1)
        app.config["ASUH_TIMEZONE"] = "Asia/Jayapura"
        try:
            assert timeutil.zone_label() == "WIT"
            assert format_datetime_id(timeutil.utcnow()).endswith("06.27 WIT")
        finally:
            app.config["ASUH_TIMEZONE"] = "Asia/Jakarta"
        assert format_datetime_id(timeutil.utcnow()) == "1 Desember 2026 04.27 WIB"


@pytest.mark.clock(wib(2026, 12, 1, 4, 27).astimezone(WITA))
def test_moments_are_stored_in_utc(app_ctx):
    assert timeutil.utcnow().hour == 21 and timeutil.utcnow().tzinfo is None
    assert timeutil.start_of_day_utc(date(2026, 12, 1)).isoformat() == "2026-11-30T17:00:00"
    assert timeutil.to_local(timeutil.utcnow()).tzname() == "WIB"
    assert WIT.key == "Asia/Jayapura"


def test_the_zone_is_one_of_indonesias_three(tmp_path, monkeypatch):
    monkeypatch.setenv("ASUH_TIMEZONE", "Asia/Makassar")
    assert load_config(tmp_path)["ASUH_TIMEZONE"] == "Asia/Makassar"
    monkeypatch.setenv("ASUH_TIMEZONE", "UTC")
    with pytest.raises(ConfigError, match="ASUH_TIMEZONE"):
        load_config(tmp_path)
    monkeypatch.delenv("ASUH_TIMEZONE")
    assert load_config(tmp_path)["ASUH_TIMEZONE"] == "Asia/Jakarta"


@pytest.mark.clock(FIRST_OF_DECEMBER_0427)
def test_a_measurement_dated_today_is_not_refused_as_future(app_ctx, regions):
    child = factories.child(birth_date=date(2025, 6, 1))
    measured = factories.measurement(child, measured_on=date(2026, 12, 1))
    db.session.commit()
    assert measured.measured_on == date(2026, 12, 1)


@pytest.mark.clock(FIRST_OF_DECEMBER_0427)
def test_letters_before_0700_wib_carry_todays_date_and_this_months_numeral(app_ctx,
                                                                           regions):
    factories.catalogue()
    the_match = factories.match(start_on=date(2026, 10, 1))
    delivered = factories.contribution(the_match, delivered_on=date(2026, 11, 20),
                                       status="confirmed")
    db.session.commit()
    letter = services.issue_letter("handover_receipt", contribution_id=delivered.id)
    db.session.commit()
    assert letter.number == "001/BAAS/DPPPAKB/XII/2026"  # not XI
    assert letter.public_summary["issued_on"] == "2026-12-01"  # not 30 November
    assert letter.year == 2026
    statement = services.issue_letter("sponsor_statement", sponsor_id=the_match.sponsor_id,
                                      period=Period(date(2026, 11, 1), date(2026, 11, 30)))
    db.session.commit()
    assert statement.number.endswith("/XII/2026")
