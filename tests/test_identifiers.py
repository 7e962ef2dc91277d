"""Tests for NIK/NIP validation and masking."""

from datetime import date

import pytest

from asuh.identifiers import (
    MIN_APPOINTMENT_AGE_YEARS,
    PROVINCE_CODES,
    IdentifierError,
    mask_identifier,
    nik_consistency_warnings,
    validate_nik,
    validate_nip,
)

TODAY = date(2026, 11, 23)


def nik(pp="19", kk="71", cc="01", ddmmyy="150322", serial="0003") -> str:
    return f"{pp}{kk}{cc}{ddmmyy}{serial}"


# --- NIK ---------------------------------------------------------------------------


def test_valid_male_nik():
    info = validate_nik(nik(ddmmyy="150322"), today=TODAY)
    assert info.nik == "1971011503220003"
    assert info.province_code == "19"
    assert info.regency_code == "19.71"
    assert info.kecamatan_code == "19.71.01"
    assert info.sex == "L"
    assert info.birth_dates == (date(1922, 3, 15), date(2022, 3, 15))
    assert info.serial == "0003"


def test_valid_female_nik_day_plus_40():
    info = validate_nik(nik(ddmmyy="550322"), today=TODAY)
    assert info.sex == "P"
    assert info.birth_dates == (date(1922, 3, 15), date(2022, 3, 15))


def test_female_day_71_is_the_31st():
    info = validate_nik(nik(ddmmyy="710123"), today=TODAY)
    assert info.sex == "P"
    assert date(2023, 1, 31) in info.birth_dates


def test_spaces_are_ignored():
    assert validate_nik(" 1971 0115 0322 0003 ", today=TODAY).nik == "1971011503220003"


def test_leap_day_2000_is_valid_but_not_1900():
    info = validate_nik(nik(ddmmyy="290200"), today=TODAY)
    assert info.birth_dates == (date(2000, 2, 29),)


def test_leap_day_in_non_leap_years_is_rejected():
    with pytest.raises(IdentifierError, match=r"\(29-02-01\) tidak ada"):
        validate_nik(nik(ddmmyy="290201"), today=TODAY)


def test_31_april_is_rejected():
    with pytest.raises(IdentifierError, match=r"Tanggal lahir pada NIK \(31-04\) tidak ada\."):
        validate_nik(nik(ddmmyy="310422"), today=TODAY)


def test_31_april_for_a_woman_shows_the_real_day():
    with pytest.raises(IdentifierError, match=r"\(31-04\) tidak ada"):
        validate_nik(nik(ddmmyy="710422"), today=TODAY)


@pytest.mark.parametrize("dd", ["00", "32", "40", "72", "99"])
def test_impossible_day_codes(dd):
    with pytest.raises(IdentifierError, match=rf"Tanggal lahir pada NIK \({dd}\) tidak valid"):
        validate_nik(nik(ddmmyy=f"{dd}0322"), today=TODAY)


@pytest.mark.parametrize("mm", ["00", "13"])
def test_impossible_month(mm):
    with pytest.raises(IdentifierError, match=rf"Bulan lahir pada NIK \({mm}\)"):
        validate_nik(nik(ddmmyy=f"15{mm}22"), today=TODAY)


@pytest.mark.parametrize("pp", ["99", "10", "20", "37", "54", "97", "00"])
def test_unknown_province(pp):
    with pytest.raises(IdentifierError, match=rf"Kode provinsi {pp} pada NIK tidak dikenal\."):
        validate_nik(nik(pp=pp), today=TODAY)


@pytest.mark.parametrize("pp", ["11", "19", "21", "36", "65", "91", "92", "93", "94", "95", "96"])
def test_known_provinces_including_2022_papua_split(pp):
    assert validate_nik(nik(pp=pp), today=TODAY).province_code == pp


def test_province_set_size():
    # 38 provinces since the Papua Barat Daya law of 2022.
    assert len(PROVINCE_CODES) == 38


def test_zero_regency_and_kecamatan():
    with pytest.raises(IdentifierError, match="kabupaten/kota"):
        validate_nik(nik(kk="00"), today=TODAY)
    with pytest.raises(IdentifierError, match="kecamatan"):
        validate_nik(nik(cc="00"), today=TODAY)


def test_zero_serial():
    with pytest.raises(IdentifierError, match=r"Nomor urut pada NIK tidak boleh 0000\."):
        validate_nik(nik(serial="0000"), today=TODAY)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("197101150322000", r"tertulis 15 digit"),
        ("19710115032200031", r"tertulis 17 digit"),
        ("19710115032200O3", r"bukan angka: 'O'"),
        ("1971-0115-0322-0003", r"bukan angka: '-'"),
        ("１９７１０１１５０３２２０００３", r"bukan angka"),  # full-width digits
        ("", r"wajib diisi"),
    ],
)
def test_malformed_nik(value, fragment):
    with pytest.raises(IdentifierError, match=fragment):
        validate_nik(value, today=TODAY)


def test_wrong_length_message_is_exact():
    with pytest.raises(IdentifierError) as exc:
        validate_nik("197101150322000", today=TODAY)
    assert str(exc.value) == "NIK harus 16 digit angka (tertulis 15 digit)."


def test_future_century_is_dropped():
    info = validate_nik(nik(ddmmyy="010130"), today=TODAY)
    assert info.birth_dates == (date(1930, 1, 1),)


def test_birth_today_is_allowed():
    info = validate_nik(nik(ddmmyy="231126"), today=TODAY)
    assert info.birth_dates == (date(1926, 11, 23), date(2026, 11, 23))


def test_all_readings_in_future_rejected():
    with pytest.raises(IdentifierError, match="masa depan"):
        validate_nik(nik(ddmmyy="311299"), today=date(1999, 1, 1))


def test_identifier_error_is_value_error():
    assert issubclass(IdentifierError, ValueError)


# --- NIK consistency ---------------------------------------------------------------


def test_consistent_child_has_no_warnings():
    info = validate_nik(nik(ddmmyy="550322"), today=TODAY)
    assert nik_consistency_warnings(info, date(2022, 3, 15), "P") == []


def test_birth_date_mismatch_warns():
    info = validate_nik(nik(ddmmyy="150322"), today=TODAY)
    warnings = nik_consistency_warnings(info, date(2022, 3, 16), "L")
    assert len(warnings) == 1
    assert "15-03-22" in warnings[0] and "16-03-2022" in warnings[0]


def test_sex_mismatch_warns():
    info = validate_nik(nik(ddmmyy="150322"), today=TODAY)
    warnings = nik_consistency_warnings(info, date(2022, 3, 15), "P")
    assert len(warnings) == 1
    assert "laki-laki" in warnings[0] and "perempuan" in warnings[0]


def test_none_skips_comparisons():
    info = validate_nik(nik(), today=TODAY)
    assert nik_consistency_warnings(info, None, None) == []


# --- NIP ---------------------------------------------------------------------------


def test_valid_nip():
    info = validate_nip("198503152010011002", today=TODAY)
    assert info.nip == "198503152010011002"
    assert info.birth_date == date(1985, 3, 15)
    assert info.appointed_month == date(2010, 1, 1)
    assert info.sex == "L"
    assert info.serial == "002"
    assert info.is_pppk is False


def test_valid_nip_with_spaces_woman():
    info = validate_nip("19850315 201001 2 002", today=TODAY)
    assert info.sex == "P"
    assert info.nip == "198503152010012002"


def test_nip_bad_birth_date():
    with pytest.raises(IdentifierError, match=r"Tanggal lahir pada NIP \(19850230\) tidak ada"):
        validate_nip("198502302010011002", today=TODAY)


def test_nip_appointment_before_birth():
    with pytest.raises(IdentifierError, match="tidak sesudah bulan lahir"):
        validate_nip("198503151980011002", today=TODAY)


def test_nip_appointment_too_young():
    with pytest.raises(IdentifierError, match=f"minimal {MIN_APPOINTMENT_AGE_YEARS} tahun"):
        validate_nip("198503152003021002", today=TODAY)


def test_nip_appointment_at_minimum_age_month():
    info = validate_nip("198503152003031002", today=TODAY)
    assert info.appointed_month == date(2003, 3, 1)


def test_nip_future_appointment():
    with pytest.raises(IdentifierError, match="masa depan"):
        validate_nip("198503152027011002", today=TODAY)


def test_nip_current_month_appointment_is_fine():
    assert validate_nip("199803152026111001", today=TODAY).appointed_month == date(2026, 11, 1)


def test_nip_bad_appointment_month():
    with pytest.raises(IdentifierError, match=r"Bulan TMT CPNS pada NIP \(201013\)"):
        validate_nip("198503152010131002", today=TODAY)


@pytest.mark.parametrize("digit", ["0", "3", "9"])
def test_nip_bad_sex_digit(digit):
    with pytest.raises(IdentifierError, match=rf"Digit jenis kelamin pada NIP \({digit}\)"):
        validate_nip(f"19850315201001{digit}002", today=TODAY)


def test_nip_zero_serial():
    with pytest.raises(IdentifierError, match="000"):
        validate_nip("198503152010011000", today=TODAY)


def test_nip_wrong_length():
    with pytest.raises(IdentifierError, match=r"NIP harus 18 digit angka \(tertulis 16 digit\)"):
        validate_nip("1985031520100110", today=TODAY)


def test_pppk_checks_only_birth_date():
    # Digits after the birth date follow an unconfirmed layout: anything goes.
    info = validate_nip("198503152022099999", today=TODAY, pppk=True)
    assert info.is_pppk is True
    assert info.birth_date == date(1985, 3, 15)
    assert info.appointed_month is None and info.sex is None and info.serial is None


def test_pppk_bad_birth_date_and_length():
    with pytest.raises(IdentifierError, match="Nomor PPPK"):
        validate_nip("198513152022099999", today=TODAY, pppk=True)
    with pytest.raises(IdentifierError, match="18 digit"):
        validate_nip("19850315202209999", today=TODAY, pppk=True)


# --- masking -----------------------------------------------------------------------


def test_mask_nik():
    assert mask_identifier("1971010101010003") == "1971••••••••0003"


def test_mask_nip():
    masked = mask_identifier("198503152010011002")
    assert masked == "1985" + "•" * 10 + "1002"


def test_mask_short_and_empty():
    assert mask_identifier(None) == ""
    assert mask_identifier("") == ""
    assert mask_identifier("12345678") == "••••••••"
    assert mask_identifier("123") == "•••"
    assert mask_identifier("123456789") == "1234•6789"
