"""Letter periods: one parser for the CLI, the pages and the API.

``2026-11`` is a month, ``2026-Q4`` a quarter, ``2026-11-01..2026-11-30`` any range of
days (both ends included). A period is kept as its two dates; its label and its code are
worked out from them, so a range that happens to be a whole month reads as that month.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from asuh.errors import ValidationFailed
from asuh.formatting import MONTHS_ID, format_date_id

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*(?:\.\.|s\.?d\.?|/)\s*(\d{4}-\d{2}-\d{2})$")
QUARTER_NAMES = ("I", "II", "III", "IV")
# Beyond a few years a statement is no longer a statement but an archive export.
MAX_DAYS = 5 * 366
FIRST_YEAR, LAST_YEAR = 2000, 2100
HELP = "Contoh: 2026-11 (bulan), 2026-Q4 (triwulan) atau 2026-11-01..2026-11-30."


def month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def is_month(self) -> bool:
        return self.start.day == 1 and self.end == month_end(self.start)

    @property
    def quarter(self) -> int | None:
        """1–4 when the period is exactly one calendar quarter."""
        if self.start.day != 1 or self.start.month % 3 != 1:
            return None
        last = self.start.replace(month=self.start.month + 2)
        if self.end != month_end(last):
            return None
        return (self.start.month - 1) // 3 + 1

    @property
    def code(self) -> str:
        """The shortest text :func:`parse_period` reads back as this period."""
        if self.is_month:
            return f"{self.start:%Y-%m}"
        if self.quarter:
            return f"{self.start.year}-Q{self.quarter}"
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    @property
    def label(self) -> str:
        """``November 2026``, ``Triwulan IV 2026``, ``1 s.d. 15 November 2026``."""
        start, end = self.start, self.end
        if self.is_month:
            return f"{MONTHS_ID[start.month - 1]} {start.year}"
        if self.quarter:
            return f"Triwulan {QUARTER_NAMES[self.quarter - 1]} {start.year}"
        if start == end:
            return format_date_id(start)
        if (start.year, start.month) == (end.year, end.month):
            return f"{start.day} s.d. {format_date_id(end)}"
        if start.year == end.year:
            return f"{start.day} {MONTHS_ID[start.month - 1]} s.d. {format_date_id(end)}"
        return f"{format_date_id(start)} s.d. {format_date_id(end)}"

    @property
    def dates_label(self) -> str:
        """``1 November 2026 s.d. 30 November 2026``: the exact days, whatever the shape."""
        if self.start == self.end:
            return format_date_id(self.start)
        return f"{format_date_id(self.start)} s.d. {format_date_id(self.end)}"

    def months(self) -> list[date]:
        """The first day of every month the period touches."""
        months, month = [], self.start.replace(day=1)
        while month <= self.end:
            months.append(month)
            month = month_end(month) + timedelta(days=1)
        return months


def covered_through(period: Period, today: date, *, interim: bool = False,
                    field: str = "period") -> date | None:
    """What a letter for ``period`` may cover on ``today``: None for the whole period (it
    has ended), ``today`` for an interim letter over a period still running.

    A statement or recap declares what happened over its whole period, so it is issued for
    an ended period only (on 1 December a Q4 letter would otherwise vouch for all of
    October–December). A period reaching today is issued only when asked for as an
    interim letter, which says "sementara, s.d. <today>" and covers the days so far.
    """
    if period.start > today:
        raise _fail(field, "Periode belum dimulai.")
    if period.end < today:
        return None
    if not interim:
        raise _fail(field, f"Periode {period.label} belum berakhir (sampai "
                           f"{format_date_id(period.end)}). Surat diterbitkan untuk periode "
                           "yang sudah berakhir; untuk periode berjalan pilih surat sementara "
                           f"(s.d. {format_date_id(today)}).")
    return today


def interim_text(through: date) -> str:
    """``sementara, s.d. 1 Desember 2026``: how an interim letter names what it covers."""
    return f"sementara, s.d. {format_date_id(through)}"


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed({field: [message]})


def _check_year(year: int, field: str) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise _fail(field, f"Tahun harus antara {FIRST_YEAR} dan {LAST_YEAR}.")


def period_from_dates(start, end, *, field: str = "period") -> Period:
    """A period from two dates (start ≤ end, at most about five years)."""
    if not isinstance(start, date) or not isinstance(end, date):
        raise _fail(field, "Tanggal awal dan akhir periode wajib diisi.")
    _check_year(start.year, field)
    _check_year(end.year, field)
    if end < start:
        raise _fail(field, "Tanggal akhir periode tidak boleh sebelum tanggal awal.")
    if (end - start).days > MAX_DAYS:
        raise _fail(field, "Periode paling panjang 5 tahun.")
    return Period(start, end)


def parse_period(text, *, field: str = "period") -> Period:
    """``2026-11`` / ``2026-Q4`` / ``2026-11-01..2026-11-30`` → :class:`Period`."""
    raw = " ".join(str(text or "").split())
    if not raw:
        raise _fail(field, f"Periode wajib diisi. {HELP}")
    if match := _MONTH.match(raw):
        year, month = int(match[1]), int(match[2])
        _check_year(year, field)
        if not 1 <= month <= 12:
            raise _fail(field, "Bulan harus 01–12.")
        first = date(year, month, 1)
        return Period(first, month_end(first))
    if match := _QUARTER.match(raw):
        year, quarter = int(match[1]), int(match[2])
        _check_year(year, field)
        first = date(year, 3 * quarter - 2, 1)
        return Period(first, month_end(first.replace(month=first.month + 2)))
    if match := _RANGE.match(raw):
        try:
            start, end = date.fromisoformat(match[1]), date.fromisoformat(match[2])
        except ValueError:
            raise _fail(field, "Tanggal tidak ada di kalender.") from None
        return period_from_dates(start, end, field=field)
    raise _fail(field, f"Periode tidak dikenali. {HELP}")
