"""id-ID numbers, Rupiah and dates (asuh.formatting): what the app prints, its forms read
back as the same number.

The properties go through the real form fields and the services' own parsers, the path a
number typed into a page takes, not only through the formatting functions.
"""

from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from asuh.children import measuring
from asuh.children.forms import MeasurementForm
from asuh.contributions import services as contributions
from asuh.contributions.forms import ItemForm, UnitForm
from asuh.formatting import (
    MONTHS_ID,
    NumberRefused,
    format_date_id,
    format_datetime_id,
    format_fixed,
    format_month,
    format_number,
    format_quantity,
    format_rupiah,
    parse_number,
    parse_rupiah,
)

# The session app is only read (a request context for the forms), never changed.
FORM_SETTINGS = settings(max_examples=150, deadline=None,
                         suppress_health_check=[HealthCheck.function_scoped_fixture])


def quantities(places: int, high: Decimal):
    """Positive decimals with at most ``places`` decimals, up to ``high``."""
    return st.decimals(min_value=Decimal(1).scaleb(-places), max_value=high, places=places,
                       allow_nan=False, allow_infinity=False)


def _field_data(form_class, field: str, typed: str):
    form = form_class(formdata=MultiDict({field: typed}), meta={"csrf": False})
    form_field = getattr(form, field)
    assert form_field.process_errors == [], form_field.process_errors
    return form_field.data


# --- printing ------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "text"), [
    (Decimal("1250.500"), "1.250,5"), (Decimal("1000.000"), "1.000"), (Decimal("0.001"), "0,001"),
    (Decimal("1234567.891"), "1.234.567,891"), (Decimal("-2.5"), "-2,5"), (7, "7"), (None, ""),
])
def test_quantities_keep_every_significant_digit(value, text):
    assert format_quantity(value) == text


def test_statistics_measurements_and_money():
    assert format_number(Decimal("1234.50"), 2) == "1.234,5"
    assert format_number(Decimal("12.345"), 1) == "12,3"
    assert format_number(None) == "–"
    assert format_fixed(85, 1) == "85,0" and format_fixed(Decimal("-1.2"), 2) == "-1,20"
    assert format_fixed(None) == "–"
    assert format_rupiah(1_250_000) == "Rp 1.250.000"
    assert format_rupiah(-1250) == "-Rp 1.250" and format_rupiah(None) == ""


def test_dates_and_times():
    assert MONTHS_ID[7] == "Agustus" and len(MONTHS_ID) == 12
    assert format_date_id(date(2026, 11, 23)) == "23 November 2026"
    # Stored moments are naive UTC and read in the installation's zone (issue 11: screens
    # showed "UTC", and 23.59 UTC is already the next morning in WIB).
    assert format_date_id(datetime(2026, 5, 3, 23, 59)) == "4 Mei 2026"
    assert format_datetime_id(datetime(2026, 11, 3, 4, 5)) == "3 November 2026 11.05 WIB"
    assert format_datetime_id(datetime(2026, 11, 30, 21, 27)) == "1 Desember 2026 04.27 WIB"
    assert format_month(date(2026, 8, 1)) == "Agustus 2026"
    assert format_date_id(None) == "" and format_datetime_id(None) == ""


# --- parsing -------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "number"), [
    ("1.000", Decimal(1000)), ("1,5", Decimal("1.5")), ("1.000,5", Decimal("1000.5")),
    ("150.000,00", Decimal(150000)), (" 2 ", Decimal(2)), ("1.000.000", Decimal(1_000_000)),
    ("\u22123", Decimal(-3)), ("", None), (None, None),
])
def test_numbers_are_read_the_indonesian_way(typed, number):
    assert parse_number(typed) == number


@pytest.mark.parametrize(("typed", "amount"), [
    ("Rp 150.000,-", 150000), ("150.000,00", 150000), ("150.000", 150000), ("150000", 150000),
    ("Rp. 60.000", 60000), ("rp60.000", 60000), ("IDR 5.000", 5000), ("", None),
])
def test_rupiah_are_read_with_or_without_symbol_and_closing(typed, amount):
    assert parse_rupiah(typed) == amount


@pytest.mark.parametrize(("typed", "shows"), [
    ("1.5", "1,5"), ("12.34", "12,34"), ("1,000.50", "1.000,5"), ("72.0", "72"),
])
def test_an_ambiguous_number_is_refused_with_how_to_write_it(typed, shows):
    with pytest.raises(NumberRefused) as refused:
        parse_number(typed)
    assert refused.value.unclear
    message = str(refused.value)
    assert "koma memisahkan desimal" in message and shows in message


@pytest.mark.parametrize("typed", ["banyak", "1e3", "\u00b2", "\u0661\u0662", "1 000", "-",
                                   "9" * 41])
def test_what_is_no_number_is_refused(typed):
    with pytest.raises(NumberRefused) as refused:
        parse_number(typed)
    assert not refused.value.unclear and "1.250,5" in str(refused.value)


def test_rupiah_refuses_sen_and_shows_the_whole_amount():
    with pytest.raises(NumberRefused, match="tanpa sen: tulis 150.000"):
        parse_rupiah("150.000,50")
    with pytest.raises(NumberRefused, match="misalnya 150.000"):
        parse_rupiah("150.00")


# --- properties: printed, typed back, the same number --------------------------------


@given(quantities(3, Decimal("999999999.999")))
def test_a_printed_quantity_reads_back_as_itself(quantity):
    assert parse_number(format_quantity(quantity)) == quantity


@given(st.decimals(min_value=-10**9, max_value=10**9, places=6, allow_nan=False,
                   allow_infinity=False), st.integers(min_value=0, max_value=3))
def test_a_printed_statistic_reads_back_as_its_rounded_value(value, places):
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    assert parse_number(format_number(value, places)) == rounded


@given(st.integers(min_value=0, max_value=10**9))
def test_a_printed_amount_reads_back_as_itself(amount):
    assert parse_rupiah(format_rupiah(amount)) == amount
    written = format_quantity(amount)
    assert parse_rupiah(f"Rp {written},-") == amount
    assert parse_rupiah(f"{written},00") == amount


@given(st.integers(min_value=0, max_value=999), st.text("0123456789", min_size=1, max_size=6)
       .filter(lambda digits: len(digits) != 3))
def test_a_dot_not_grouping_thousands_is_refused_not_misread(whole, fraction):
    # "1.5" or "85.25" typed the English way: id-ID cannot read them, so they are refused
    # (the old forms read "1.000" as 1 and would have read these as decimals).
    with pytest.raises(NumberRefused):
        parse_number(f"{whole}.{fraction}")


@FORM_SETTINGS
@given(quantity=quantities(3, contributions.MAX_QUANTITY))
def test_the_delivery_form_reads_a_printed_quantity_as_itself(app, quantity):
    with app.test_request_context():
        data = _field_data(ItemForm, "quantity", format_quantity(quantity))
    assert contributions.parse_quantity(data, "quantity") == quantity


@FORM_SETTINGS
@given(amount=st.integers(min_value=0, max_value=contributions.MAX_VALUE_IDR))
def test_the_delivery_form_reads_a_printed_amount_as_itself(app, amount):
    with app.test_request_context():
        for typed in (format_rupiah(amount), format_quantity(amount)):
            data = _field_data(ItemForm, "value_idr", typed)
            assert contributions.parse_rupiah(data, "value_idr") == amount


@FORM_SETTINGS
@given(height=quantities(1, Decimal("150")), weight=quantities(2, Decimal("58")))
def test_the_measurement_form_reads_printed_measurements_as_themselves(app, height, weight):
    # Pages print height to 0.1 cm and weight to 0.01 kg, as they are recorded.
    with app.test_request_context():
        form = MeasurementForm(formdata=MultiDict({
            "height_cm": format_fixed(height, 1), "weight_kg": format_fixed(weight, 2)}),
            meta={"csrf": False})
        assert form.height_cm.process_errors == form.weight_kg.process_errors == []
    assert measuring.parse_number(form.height_cm.data, "height_cm", "Tinggi",
                                  Decimal("0.1")) == height
    assert measuring.parse_number(form.weight_kg.data, "weight_kg", "Berat",
                                  Decimal("0.01")) == weight


@FORM_SETTINGS
@given(factor=quantities(4, Decimal("99999999.9999")))
def test_a_unit_factor_shown_in_its_edit_box_reads_back_as_itself(app, factor):
    with app.test_request_context():
        shown = UnitForm(formdata=None, factor=format(factor, "f"), meta={"csrf": False})
        data = _field_data(UnitForm, "factor", shown.factor._value())
    assert Decimal(data) == factor


def test_the_form_refuses_an_ambiguous_entry_with_how_to_write_it(app):
    with app.test_request_context():
        form = ItemForm(formdata=MultiDict({"quantity": "1.5", "value_idr": "banyak"}),
                        meta={"csrf": False})
        assert not form.validate()
    assert "1,5" in form.quantity.errors[0]
    assert form.value_idr.errors == ["Nilai harus angka Rupiah, misalnya 150.000."]
    assert form.quantity._value() == "1.5"  # shown back as typed, to correct
