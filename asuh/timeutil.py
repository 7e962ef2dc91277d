"""Time helpers: the database stores naive UTC; people read Indonesian dates."""

from datetime import UTC, date, datetime

MONTHS_ID = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)


def utcnow() -> datetime:
    # Naive UTC keeps SQLite and PostgreSQL columns comparable without tz juggling.
    return datetime.now(UTC).replace(tzinfo=None)


def format_date_id(value: date | datetime | None) -> str:
    """``23 November 2026``."""
    if value is None:
        return ""
    return f"{value.day} {MONTHS_ID[value.month - 1]} {value.year}"


def format_datetime_id(value: datetime | None) -> str:
    """``23 November 2026 14.05 UTC`` — Indonesian writes the time with a dot."""
    if value is None:
        return ""
    return f"{format_date_id(value)} {value:%H.%M} UTC"


def format_rupiah(amount: int | None) -> str:
    """``Rp 1.250.000`` — whole Rupiah, dots between thousands."""
    if amount is None:
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp {abs(int(amount)):,}".replace(",", ".")
