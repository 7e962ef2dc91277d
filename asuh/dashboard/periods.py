"""The dashboard's filters: a period of whole months and, optionally, one kecamatan.

Periods are whole calendar months because the figures come from monthly aggregates
(deliveries, commodity totals) and monthly growth grids. ``period_start`` and
``period_end`` accept ``YYYY-MM`` or a date (``YYYY-MM-DD``, read as its month). The
default is the year to date: January of this year up to this month.
"""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from asuh import timeutil
from asuh.errors import ValidationFailed
from asuh.formatting import MONTHS_ID

MAX_MONTHS = 120
_MONTH = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=1) + timedelta(days=32)).replace(day=1)


def add_months(month: date, count: int) -> date:
    year, index = divmod(month.year * 12 + month.month - 1 + count, 12)
    return date(year, index + 1, 1)


def month_label(month: date) -> str:
    """``November 2026``."""
    return f"{MONTHS_ID[month.month - 1]} {month.year}"


def short_month_label(month: date) -> str:
    """``Nov 26`` for chart axes."""
    return f"{MONTHS_ID[month.month - 1][:3]} {month:%y}"


@dataclass(frozen=True)
class DashboardFilters:
    start: date  # first day of the first month
    end: date  # first day of the last month
    kecamatan_code: str | None = None
    errors: dict = field(default_factory=dict, compare=False)
    # Any level (issue 15): a province, kabupaten/kota, kecamatan or kelurahan code.
    # ``kecamatan_code`` stays for the links and API arguments that carry one.
    region_code: str | None = None

    @property
    def region(self) -> str | None:
        """The region the figures cover: ``region_code``, else ``kecamatan_code``."""
        return self.region_code or self.kecamatan_code

    @property
    def last_day(self) -> date:
        return next_month(self.end) - timedelta(days=1)

    @property
    def months(self) -> list[date]:
        months, month = [], self.start
        while month <= self.end:
            months.append(month)
            month = next_month(month)
        return months

    @property
    def label(self) -> str:
        if self.start == self.end:
            return month_label(self.start)
        return f"{month_label(self.start)} – {month_label(self.end)}"

    def as_args(self) -> dict:
        """The filters as query arguments (links keep them)."""
        args = {"period_start": f"{self.start:%Y-%m}", "period_end": f"{self.end:%Y-%m}"}
        if self.kecamatan_code:
            args["kecamatan_code"] = self.kecamatan_code
        if self.region_code:
            args["region_code"] = self.region_code
        return args


def default_filters(today: date | None = None, kecamatan_code: str | None = None):
    today = today or timeutil.today()
    return DashboardFilters(date(today.year, 1, 1), first_of_month(today), kecamatan_code)


def _month(args, name: str, errors: dict) -> date | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    found = _MONTH.match(raw)
    try:
        if not found:
            raise ValueError
        return date(int(found[1]), int(found[2]), int(found[3] or 1)).replace(day=1)
    except ValueError:
        errors[name] = ["Bulan harus berformat YYYY-MM (atau tanggal YYYY-MM-DD)."]
        return None


def parse_filters(args, *, strict: bool, known_kecamatan, today: date | None = None,
                  known_regions=None):
    """Filters from query arguments; ``strict`` (the API) answers 422 for bad ones, pages
    fall back to the defaults and show the message (``filters.errors``). A kecamatan or
    region outside ``known_*`` (the viewer's scope) is unknown, as one that does not
    exist."""
    today = today or timeutil.today()
    default = default_filters(today)
    errors: dict[str, list[str]] = {}
    start = _month(args, "period_start", errors)
    end = _month(args, "period_end", errors)
    if start is None and end is not None:
        start = date(end.year, 1, 1)
    start = start or default.start
    if end is None:
        end = max(start, default.end)
    if end < start:
        errors["period_end"] = ["Akhir periode tidak boleh sebelum awalnya."]
        start, end = default.start, default.end
    elif (end.year - start.year) * 12 + end.month - start.month >= MAX_MONTHS:
        errors["period_start"] = [f"Periode paling panjang {MAX_MONTHS} bulan."]
        start, end = default.start, default.end
    kecamatan = (args.get("kecamatan_code") or "").strip() or None
    if kecamatan is not None and kecamatan not in known_kecamatan:
        errors["kecamatan_code"] = ["Kecamatan tidak dikenal."]
        kecamatan = None
    region = (args.get("region_code") or "").strip() or None
    if region is not None and (known_regions is None or region not in known_regions):
        errors["region_code"] = ["Wilayah tidak dikenal."]
        region = None
    if errors and strict:
        raise ValidationFailed(errors)
    return DashboardFilters(start, end, kecamatan, errors, region)
