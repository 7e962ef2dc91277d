"""Pure helpers of the letters: Indonesian number words, periods, numbers, masking."""

from datetime import date
from decimal import Decimal

import pytest

from asuh.errors import ValidationFailed
from asuh.formatting import format_quantity
from asuh.letters.content import mask_last4
from asuh.letters.numbering import format_number
from asuh.letters.periods import Period, parse_period, period_from_dates
from asuh.letters.rendering import normalise_short_code
from asuh.letters.words import date_in_words, day_name, number_in_words
from asuh.settings.services import DEFAULT_NUMBER_PATTERN


@pytest.mark.parametrize(("n", "words"), [
    (0, "nol"), (1, "satu"), (7, "tujuh"), (10, "sepuluh"), (11, "sebelas"),
    (12, "dua belas"), (19, "sembilan belas"), (20, "dua puluh"), (23, "dua puluh tiga"),
    (31, "tiga puluh satu"), (99, "sembilan puluh sembilan"), (100, "seratus"),
    (101, "seratus satu"), (110, "seratus sepuluh"), (111, "seratus sebelas"),
    (250, "dua ratus lima puluh"), (999, "sembilan ratus sembilan puluh sembilan"),
    (1000, "seribu"), (1001, "seribu satu"), (1100, "seribu seratus"),
    (2000, "dua ribu"), (2024, "dua ribu dua puluh empat"),
    (2026, "dua ribu dua puluh enam"), (11000, "sebelas ribu"),
    (100000, "seratus ribu"), (101000, "seratus satu ribu"),
    (1250000, "satu juta dua ratus lima puluh ribu"),
    (1000000, "satu juta"), (2000000000, "dua miliar"),
    (1_000_000_000_000, "satu triliun"), (-5, "minus lima"),
])
def test_numbers_in_indonesian_words(n, words):
    assert number_in_words(n) == words


def test_number_words_refuse_what_they_cannot_say():
    with pytest.raises(TypeError):
        number_in_words(1.5)
    with pytest.raises(TypeError):
        number_in_words(True)
    with pytest.raises(ValueError):
        number_in_words(10**15)


def test_the_berita_acara_opening_reads_the_day_and_date_in_words():
    assert date_in_words(date(2026, 11, 23)) == (
        "hari Senin tanggal dua puluh tiga bulan November tahun dua ribu dua puluh enam")
    assert date_in_words(date(2024, 2, 29)) == (
        "hari Kamis tanggal dua puluh sembilan bulan Februari tahun dua ribu dua puluh empat")
    assert [day_name(date(2026, 11, 23 + i)) for i in range(7)] == [
        "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]


@pytest.mark.parametrize(("text", "start", "end", "label", "code"), [
    ("2026-11", date(2026, 11, 1), date(2026, 11, 30), "November 2026", "2026-11"),
    ("2024-02", date(2024, 2, 1), date(2024, 2, 29), "Februari 2024", "2024-02"),
    ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31), "Triwulan IV 2026", "2026-Q4"),
    ("2026-q1", date(2026, 1, 1), date(2026, 3, 31), "Triwulan I 2026", "2026-Q1"),
    ("2026-11-01..2026-11-15", date(2026, 11, 1), date(2026, 11, 15),
     "1 s.d. 15 November 2026", "2026-11-01..2026-11-15"),
    ("2026-10-15..2026-11-14", date(2026, 10, 15), date(2026, 11, 14),
     "15 Oktober s.d. 14 November 2026", "2026-10-15..2026-11-14"),
    ("2025-12-20..2026-01-10", date(2025, 12, 20), date(2026, 1, 10),
     "20 Desember 2025 s.d. 10 Januari 2026", "2025-12-20..2026-01-10"),
    # A range that is exactly a month or a quarter reads as one.
    ("2026-11-01..2026-11-30", date(2026, 11, 1), date(2026, 11, 30), "November 2026",
     "2026-11"),
    ("2026-07-01..2026-09-30", date(2026, 7, 1), date(2026, 9, 30), "Triwulan III 2026",
     "2026-Q3"),
])
def test_one_period_syntax_for_months_quarters_and_ranges(text, start, end, label, code):
    period = parse_period(text)
    assert (period.start, period.end, period.label, period.code) == (start, end, label, code)
    assert parse_period(period.code) == period


@pytest.mark.parametrize("text", ["", "2026", "2026-13", "2026-00", "2026-Q5", "November",
                                  "2026-11-31..2026-12-01", "2026-11-30..2026-11-01",
                                  "1999-01", "2020-01-01..2026-01-01"])
def test_bad_periods_are_refused_in_indonesian(text):
    with pytest.raises(ValidationFailed) as caught:
        parse_period(text, field="period")
    assert list(caught.value.errors) == ["period"]


def test_a_period_knows_its_months():
    assert parse_period("2026-10-15..2026-12-01").months() == [
        date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)]
    assert period_from_dates(date(2026, 1, 1), date(2026, 1, 1)) == Period(date(2026, 1, 1),
                                                                          date(2026, 1, 1))


def test_letter_numbers_follow_the_default_pattern():
    assert format_number(DEFAULT_NUMBER_PATTERN, 7, date(2026, 11, 23)) == (
        "007/BAAS/DPPPAKB/XI/2026")
    assert format_number(DEFAULT_NUMBER_PATTERN, 1234, date(2027, 1, 2)) == (
        "1234/BAAS/DPPPAKB/I/2027")
    assert format_number("{year}-{month:02d}-{seq:05d}", 3, date(2026, 4, 9)) == (
        "2026-04-00003")


def test_identifiers_in_letters_show_only_their_last_four_digits():
    assert mask_last4("198503152010011002") == "\u2022" * 14 + "1002"
    assert mask_last4("1971015503850001") == "\u2022" * 12 + "0001"
    assert mask_last4("1234") == "\u2022" * 4
    assert mask_last4(None) == ""


@pytest.mark.parametrize(("value", "text"), [
    (Decimal("10.000"), "10"), (Decimal("1250.500"), "1.250,5"), (Decimal("0.200"), "0,2"),
    (Decimal("3250"), "3.250"), (Decimal("1000000"), "1.000.000"), (None, ""),
])
def test_quantities_are_written_the_indonesian_way(value, text):
    assert format_quantity(value) == text


def test_short_codes_are_read_forgivingly():
    assert normalise_short_code(" k7qx 9m2p ") == "K7QX-9M2P"
    assert normalise_short_code("K7QX-9M2P") == "K7QX-9M2P"
    assert normalise_short_code("K7QX") == ""
