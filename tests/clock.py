"""The suite's clock: moments in the installation's zone, for ``@pytest.mark.clock``.

04:30 WIB is 21:30 UTC of the day before: a server clock still says yesterday. Every test
runs there unless marked otherwise (tests/conftest.py), so a date taken from the system
instead of ``asuh.timeutil`` fails the suite, not a deployment in Indonesia.
"""

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")
WITA = ZoneInfo("Asia/Makassar")
WIT = ZoneInfo("Asia/Jayapura")


def wib(year: int, month: int, day: int, hour: int = 4, minute: int = 30) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=WIB)


def last_0430_wib(now: datetime | None = None) -> datetime:
    """The latest 04:30 WIB at or before ``now``: never ahead of rows written outside the
    travel (session fixtures), at most a day behind."""
    now = (now or datetime.now(WIB)).astimezone(WIB)
    moment = now.replace(hour=4, minute=30, second=0, microsecond=0)
    return moment if moment <= now else moment - timedelta(days=1)


_SUITE_START = (last_0430_wib(), time.monotonic())

# The installation's date the tests run on (04:30 WIB of it). A module-level "today" taken
# from the real clock at import is a day ahead from 00:00 to 04:30 WIB (17:00-21:30 UTC),
# when the last 04:30 WIB is yesterday's: modules name this instead.
SUITE_DAY = _SUITE_START[0].date()


def suite_moment() -> datetime:
    """04:30 WIB plus the time this test process has run: each test starts where the last
    one left off, never before it. Restarting every test at 04:30:00 would put it before
    cookies the previous test had signed (Flask re-signs a session on every request, and
    itsdangerous refuses a signature from the future)."""
    start, began = _SUITE_START
    return start + timedelta(seconds=time.monotonic() - began)
