"""Numbers, Rupiah, dates and times as Indonesians read and type them (id-ID, on Babel).

One module for every page, letter, export and chart, so what the app prints is what its
forms read back: in id-ID a dot groups thousands and a comma marks decimals, so
``1.000`` is one thousand and ``1,5`` one and a half. Babel holds the locale's symbols,
patterns and month names (CLDR), so nothing here spells them out by hand.

Printing: ``format_quantity`` writes every significant digit (a quantity printed on a
letter must read back as the same quantity); ``format_number`` rounds statistics to at
most a given number of decimals; ``format_fixed`` writes measurements to their recorded
precision; ``format_rupiah`` whole Rupiah.

Parsing (what people type in forms): ``parse_number`` and ``parse_rupiah`` refuse an
entry that id-ID cannot read unambiguously (``1.5``, ``12.34``, ``1,000.50``) with a
message that shows how to write it. The JSON API keeps machine notation and does not use
these.
"""

import functools
import re
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import NumberFormatError, format_currency, format_decimal, parse_decimal

from asuh import timeutil

LOCALE = Locale.parse("id_ID")

MONTHS_ID = tuple(LOCALE.months["format"]["wide"][number] for number in range(1, 13))

# Typed numbers: ASCII digits with dots and commas, an optional sign. Babel alone would
# also take Arabic-Indic digits and exponents ("1e30"), which no one types into a form.
_TYPED_NUMBER = re.compile(r"^[+-]?([0-9][0-9.,]*|,[0-9]+)$")
_MAX_TYPED = 40
_RUPIAH_PREFIX = re.compile(r"^(rp\.?|idr)\s*", re.IGNORECASE)
# "Rp 150.000,-" and "150.000,00": the ways Indonesians close a whole Rupiah amount.
_RUPIAH_SUFFIX = re.compile(r",(-|00?)$")
HOW_TO_WRITE = "titik memisahkan ribuan dan koma memisahkan desimal, misalnya 1.250,5"


class NumberRefused(ValueError):
    """A typed number id-ID cannot read; the message (Indonesian) shows how to write it.

    ``unclear`` is False when the entry is no number at all ("banyak"), so a form can say
    so in its own words; True when it is a number written another way ("1.5").
    """

    def __init__(self, message: str, *, unclear: bool) -> None:
        super().__init__(message)
        self.unclear = unclear


# --- printing ------------------------------------------------------------------------


def _decimal(value) -> Decimal:
    # str() of a float is its shortest round-tripping text: 8.5, not 8.49999…
    return value if isinstance(value, Decimal) else Decimal(str(value))


def format_quantity(value, *, empty: str = "") -> str:
    """``Decimal("1250.500")`` → ``1.250,5``: every significant digit, never rounded."""
    if value is None:
        return empty
    return _quantity_text(str(_decimal(value)))


@functools.lru_cache(maxsize=4096)
def _quantity_text(text: str) -> str:
    # A sponsor's home prints a few hundred quantities, nearly all the same few package
    # amounts; Babel takes ~70 µs a number (issue 16). Keyed by the exact text, so
    # 12.5 and 12.500 are formatted each on their own, as before.
    return format_decimal(Decimal(text), format="#,##0.###", locale=LOCALE,
                          decimal_quantization=False)


def format_number(value, max_places: int = 0, *, empty: str = "–") -> str:
    """A statistic rounded to at most ``max_places`` decimals, trailing zeros dropped:
    ``format_number(Decimal("1234.50"), 2)`` → ``1.234,5``."""
    if value is None:
        return empty
    pattern = "#,##0" + ("." + "#" * max_places if max_places else "")
    return format_decimal(_decimal(value), format=pattern, locale=LOCALE)


def format_fixed(value, places: int = 1, *, empty: str = "–") -> str:
    """Exactly ``places`` decimals, as a measurement is recorded: ``85,0``, ``-1,20``."""
    if value is None:
        return empty
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(_decimal(value), format=pattern, locale=LOCALE)


def format_rupiah(amount, *, empty: str = "") -> str:
    """``Rp 1.250.000``: whole Rupiah (the app stores no sen), a space after the symbol as
    Indonesian documents write it (CLDR's id pattern has none)."""
    if amount is None:
        return empty
    return format_currency(int(amount), "IDR", format="¤ #,##0", locale=LOCALE,
                           currency_digits=False)


def format_date_id(value: date | datetime | None) -> str:
    """``23 November 2026``. A stored moment (naive UTC) reads as the installation's day:
    a letter issued at 23.30 UTC on the 22nd was issued on the 23rd in WIB."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timeutil.local_day(value)
    return format_date(value, "d MMMM y", locale=LOCALE)


def format_datetime_id(value: datetime | None) -> str:
    """``23 November 2026 21.05 WIB``: a stored moment (naive UTC) in the installation's
    zone, named as Indonesians name it, the time with a dot as Indonesian writes it."""
    if value is None:
        return ""
    local = timeutil.to_local(value)
    return (format_datetime(local, "d MMMM y HH.mm", tzinfo=local.tzinfo, locale=LOCALE)
            + " " + timeutil.zone_label())


def format_month(value: date) -> str:
    """``November 2026``."""
    return format_date(value, "MMMM y", locale=LOCALE)


# --- parsing what people type --------------------------------------------------------


def parse_number(text) -> Decimal | None:
    """A number typed the Indonesian way; None when blank; NumberRefused when unclear.

    ``1.000`` → 1000, ``1,5`` → 1.5, ``1.000,5`` → 1000.5, ``150.000,00`` → 150000.
    """
    if text is None:
        return None
    typed = str(text).strip().replace("\u2212", "-")  # the minus sign some keyboards give
    if not typed:
        return None
    if len(typed) > _MAX_TYPED or not _TYPED_NUMBER.match(typed):
        raise NumberRefused(f"'{typed[:_MAX_TYPED]}' bukan angka: {HOW_TO_WRITE}.",
                            unclear=False)
    try:
        return parse_decimal(typed, locale=LOCALE, strict=True)
    except NumberFormatError as error:
        readings = [s for s in reversed(getattr(error, "suggestions", None) or []) if s]
        hint = f" Maksudnya {' atau '.join(readings)}?" if readings else ""
        raise NumberRefused(f"Angka '{typed}' tidak jelas: {HOW_TO_WRITE}.{hint}",
                            unclear=True) from None


def parse_rupiah(text) -> int | None:
    """Whole Rupiah typed the Indonesian way: ``150.000``, ``Rp 150.000,-``,
    ``150.000,00``; None when blank; NumberRefused when unclear or with sen."""
    if text is None:
        return None
    typed = _RUPIAH_SUFFIX.sub("", _RUPIAH_PREFIX.sub("", str(text).strip()))
    try:
        number = parse_number(typed)
    except NumberRefused as refused:
        if not refused.unclear:
            raise NumberRefused("Nilai harus angka Rupiah, misalnya 150.000.",
                                unclear=False) from None
        raise NumberRefused(f"Nilai '{str(text).strip()[:_MAX_TYPED]}' tidak jelas: tulis "
                            "Rupiah penuh dengan titik pemisah ribuan, misalnya 150.000.",
                            unclear=True) from None
    if number is None:
        return None
    if number != number.to_integral_value():
        whole = number.to_integral_value(rounding=ROUND_DOWN)
        raise NumberRefused(f"Nilai dalam Rupiah penuh, tanpa sen: tulis "
                            f"{format_quantity(whole)}.", unclear=True)
    return int(number)


def plain(number: Decimal | int) -> str:
    """Machine notation (``1250.5``): what the services and the API read."""
    return format(number, "f")
