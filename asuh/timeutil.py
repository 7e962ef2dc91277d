"""The installation's clock: the one place that knows what time and what day it is.

Moments are stored as naive UTC (``utcnow``), which keeps SQLite and PostgreSQL columns
comparable without time-zone juggling. Everything a person reads — "today", month and year
boundaries, the date on a letter, a time on a screen — is in the installation's zone,
``ASUH_TIMEZONE``: WIB (Asia/Jakarta, the default), WITA (Asia/Makassar) or WIT
(Asia/Jayapura). A server clock in UTC is 7–9 hours behind Indonesia, so ``timeutil.today()``
would still say yesterday until 07:00 WIB; no other module asks the system for the date
(``tests/test_clock.py`` checks the source for it).

How dates and times read: ``asuh.formatting``.
"""

import os
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

# Indonesia's three zones and what Indonesians call them. Only these: an installation is a
# city or regency, and every letter and screen names its zone by these abbreviations.
ZONES = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}
DEFAULT_ZONE = "Asia/Jakarta"


def check_zone(name: str) -> str:
    """The zone name if it is one of Indonesia's three, else ValueError."""
    if name not in ZONES:
        raise ValueError(f"ASUH_TIMEZONE must be one of {', '.join(ZONES)}, not {name!r}.")
    return name


def zone_name() -> str:
    # The app's config when there is an app (tests set it per app); the environment for
    # code outside one (a worker process rendering letters).
    if has_app_context():
        return current_app.config.get("ASUH_TIMEZONE", DEFAULT_ZONE)
    return os.environ.get("ASUH_TIMEZONE", DEFAULT_ZONE)


def zone() -> ZoneInfo:
    return ZoneInfo(zone_name())


def zone_label() -> str:
    """``WIB``, ``WITA`` or ``WIT``."""
    return ZONES.get(zone_name(), zone_name())


def utcnow() -> datetime:
    """Now as naive UTC, the way the database stores moments."""
    return datetime.now(UTC).replace(tzinfo=None)


def now() -> datetime:
    """Now in the installation's zone (aware)."""
    return datetime.now(zone())


def today() -> date:
    """Today in the installation's zone: at 04:30 WIB it is already today in Indonesia."""
    return now().date()


def to_local(moment: datetime) -> datetime:
    """A stored moment (naive means UTC) in the installation's zone (aware)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone())


def start_of_day_utc(day: date) -> datetime:
    """00:00 of ``day`` in the installation's zone, as naive UTC: where a stored moment
    starts to belong to that local day (filters "from this day", "before this day")."""
    local = datetime.combine(day, time.min, tzinfo=zone())
    return local.astimezone(UTC).replace(tzinfo=None)


def local_day(moment: datetime) -> date:
    """The installation's calendar day a stored moment (naive UTC) fell on."""
    return to_local(moment).date()
