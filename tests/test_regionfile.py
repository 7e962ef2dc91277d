"""Tests for the region CSV parser and the packaged Pangkalpinang list."""

import io
from collections import Counter

import pytest

from asuh.regions.regionfile import (
    LEVEL_KABUPATEN,
    LEVEL_KECAMATAN,
    LEVEL_KELURAHAN,
    LEVEL_PROVINSI,
    RegionFileError,
    default_region_file,
    parse_region_csv,
    province_region_file,
)

HEADER = "code,name,level,parent_code\n"


def parse(body: str):
    return parse_region_csv(HEADER + body)


def errors_of(body: str) -> list[tuple[int, str]]:
    with pytest.raises(RegionFileError) as exc:
        parse(body)
    return exc.value.errors


# --- packaged data -----------------------------------------------------------------


def test_packaged_pangkalpinang_file():
    rows = parse_region_csv(default_region_file().read_bytes())
    kecamatan = {r.code: r.name for r in rows if r.level == LEVEL_KECAMATAN}
    assert kecamatan == {
        "19.71.01": "Bukit Intan",
        "19.71.02": "Taman Sari",
        "19.71.03": "Pangkal Balam",
        "19.71.04": "Rangkui",
        "19.71.05": "Gerunggang",
        "19.71.06": "Gabek",
        "19.71.07": "Girimaya",
    }
    villages = [r for r in rows if r.level == LEVEL_KELURAHAN]
    assert len(villages) == 42
    assert all(r.village_type == "kelurahan" for r in villages)
    assert all(r.code.startswith("19.71.") and r.parent_code == r.code[:8] for r in villages)
    per_kecamatan = Counter(kecamatan[r.parent_code] for r in villages)
    assert per_kecamatan == {
        "Bukit Intan": 7, "Taman Sari": 5, "Pangkal Balam": 5, "Rangkui": 8,
        "Gerunggang": 6, "Gabek": 6, "Girimaya": 5,
    }
    names = {r.code: r.name for r in villages}
    assert names["19.71.06.1006"] == "Jerambah Gantung"
    assert names["19.71.03.1008"] == "Rejosari"


def test_packaged_pangkalpinang_file_has_its_province_and_kota():
    rows = {r.code: r for r in parse_region_csv(default_region_file().read_bytes())}
    assert (rows["19"].level, rows["19"].name, rows["19"].parent_code) == (
        LEVEL_PROVINSI, "Kepulauan Bangka Belitung", None)
    assert (rows["19.71"].level, rows["19.71"].name, rows["19.71"].parent_code) == (
        LEVEL_KABUPATEN, "Kota Pangkalpinang", "19")


def test_packaged_province_file():
    """Kepulauan Bangka Belitung: six kabupaten and one kota (Kemendagri 2025 codes), 47
    kecamatan, 393 villages; its Pangkalpinang rows are the packaged city's own."""
    rows = parse_region_csv(province_region_file().read_bytes())
    by_level = Counter(r.level for r in rows)
    assert by_level == {LEVEL_PROVINSI: 1, LEVEL_KABUPATEN: 7, LEVEL_KECAMATAN: 47,
                        LEVEL_KELURAHAN: 393}
    cities = {r.code: r.name for r in rows if r.level == LEVEL_KABUPATEN}
    assert cities == {
        "19.01": "Kabupaten Bangka", "19.02": "Kabupaten Belitung",
        "19.03": "Kabupaten Bangka Selatan", "19.04": "Kabupaten Bangka Tengah",
        "19.05": "Kabupaten Bangka Barat", "19.06": "Kabupaten Belitung Timur",
        "19.71": "Kota Pangkalpinang"}
    assert all(r.parent_code == "19" for r in rows if r.level == LEVEL_KABUPATEN)
    assert all(r.parent_code == r.code[:5] for r in rows if r.level == LEVEL_KECAMATAN)
    city = {(r.code, r.name, r.parent_code)
            for r in parse_region_csv(default_region_file().read_bytes())}
    assert city <= {(r.code, r.name, r.parent_code) for r in rows}
    types = Counter(r.village_type for r in rows if r.level == LEVEL_KELURAHAN)
    assert types == {"desa": 309, "kelurahan": 84}


def test_provinces_and_several_cities_in_one_file():
    rows = parse(
        "19,Kepulauan Bangka Belitung,provinsi,\n"
        "19.71,Kota Pangkalpinang,kota,19\n"
        "19.04,Kabupaten Bangka Tengah,kabupaten/kota,\n"
        "19.04.01,Koba,kecamatan,19.04\n"
        "19.04.01.2003,Nibung,desa,19.04.01\n"
        "19.71.01,Bukit Intan,kecamatan,\n"
    )
    assert [(r.level, r.parent_code) for r in rows] == [
        (LEVEL_PROVINSI, None), (LEVEL_KABUPATEN, "19"), (LEVEL_KABUPATEN, "19"),
        (LEVEL_KECAMATAN, "19.04"), (LEVEL_KELURAHAN, "19.04.01"), (LEVEL_KECAMATAN, "19.71")]


@pytest.mark.parametrize(("row", "fragment"), [
    ("19.71,X,provinsi,", "format provinsi"),
    ("20,X,provinsi,", "Kode provinsi 20 tidak dikenal"),
    ("19,X,provinsi,18", "tidak punya kode induk"),
    ("19.70,X,kota,", "kabupaten/kota 70"),
    ("19.71,X,kota,18", "harus kosong atau 19"),
    ("19.71.01,X,kecamatan,19.04", "harus kosong atau 19.71"),
])
def test_upper_level_errors(row, fragment):
    errors = errors_of(row + "\n")
    assert any(fragment in msg for _, msg in errors), errors


def test_default_file_accepts_path_text_and_stream():
    path = default_region_file()
    assert path.name == "pangkalpinang.csv" and path.is_file()
    with path.open(encoding="utf-8") as stream:
        assert len(parse_region_csv(stream)) == 51  # with its province and kota rows
    with path.open("rb") as stream:
        assert len(parse_region_csv(stream)) == 51


# --- parsing -----------------------------------------------------------------------


def test_village_types_from_code():
    rows = parse(
        "32.01.01,Cibinong,kecamatan,\n"
        "32.01.01.1001,Satu,kelurahan,32.01.01\n"
        "32.01.01.2002,Dua,kelurahan,32.01.01\n"
        "32.01.01.3003,Tiga,kelurahan,32.01.01\n"
    )
    assert [r.village_type for r in rows] == [None, "kelurahan", "desa", "desa_adat"]
    assert {r.level for r in rows[1:]} == {LEVEL_KELURAHAN}


def test_parent_may_be_empty_or_regency_and_children_may_come_first():
    rows = parse(
        "19.71.01.1004,Semabung  Lama ,kelurahan,\n"
        "19.71.01,Bukit Intan,kecamatan,19.71\n"
    )
    assert rows[0].parent_code == "19.71.01"
    assert rows[0].name == "Semabung Lama"
    # Issue 15: a kecamatan hangs under its kabupaten/kota, whether written or not.
    assert rows[1].parent_code == "19.71"
    assert [r.line for r in rows] == [2, 3]


def test_bom_indonesian_headers_and_desa_alias():
    data = "\ufeffkode,nama,tingkat,kode_induk\n33.01.01,A,kecamatan,\n33.01.01.2001,B,desa,\n"
    rows = parse_region_csv(data.encode("utf-8"))
    assert rows[1].level == LEVEL_KELURAHAN and rows[1].village_type == "desa"


def test_blank_lines_skipped_and_quoted_commas_kept():
    rows = parse('\n19.71.01,Bukit Intan,kecamatan,\n\n19.71.01.1004,"Semabung, Lama",kelurahan,\n')
    assert [r.name for r in rows] == ["Bukit Intan", "Semabung, Lama"]
    assert [r.line for r in rows] == [3, 5]


# --- errors ------------------------------------------------------------------------


def test_all_bad_rows_reported_with_lines():
    errors = errors_of(
        "19.71.01,Bukit Intan,kecamatan,\n"  # 2 ok
        "19.71.1,Salah,kecamatan,\n"  # 3 bad format
        "19.71.01.1004,Semabung Lama,kelurahan,19.71.01\n"  # 4 ok
        "19.71.01.1004,Ulang,kelurahan,19.71.01\n"  # 5 duplicate
        "19.71.01.4001,Empat,kelurahan,19.71.01\n"  # 6 bad village type
        "19.71.09.1001,Yatim,kelurahan,19.71.09\n"  # 7 parent missing
        "19.71.01.1005,Beda,kelurahan,19.71.02\n"  # 8 parent mismatch
        "19.71.01.1006,,kelurahan,19.71.01\n"  # 9 no name
        "19.71.01.1007,X,kota,\n"  # 10 a village's code given as a kota
        "19.72.01,Lain,kecamatan,\n"  # 11 another city: fine since issue 15
        "19.72.01.1001,Lain,kelurahan,\n"  # 12 fine
    )
    lines = [line for line, _ in errors]
    assert lines == [3, 5, 6, 7, 8, 9, 10]
    text = dict(errors)
    assert "PP.KK.CC" in text[3]
    assert "sudah dipakai di baris 4" in text[5]
    assert "harus 1 (kelurahan), 2 (desa) atau 3 (desa adat)" in text[6]
    assert "19.71.09 tidak ada" in text[7]
    assert "seharusnya 19.71.01" in text[8]
    assert "Nama wilayah kosong" in text[9]
    assert "format kabupaten/kota PP.KK" in text[10]


@pytest.mark.parametrize(
    ("row", "fragment"),
    [
        ("99.71.01,X,kecamatan,", "Kode provinsi 99"),
        ("19.00.01,X,kecamatan,", "kabupaten/kota 00"),
        ("19.71.00,X,kecamatan,", "kecamatan 00"),
        ("19.71.01.1000,X,kelurahan,", "tidak boleh 1000"),
        ("19.71.01.1004,X,kecamatan,", "format kecamatan"),
        ("19.71.01,X,kelurahan,", "format kelurahan/desa"),
        ("1971011004,X,kelurahan,", "format kelurahan/desa"),
        ("19.71.01,X,kecamatan,19.72", "harus kosong atau 19.71"),
        ("19.71.01,X,,", "Tingkat (level) kosong"),
        ("19.71.01.1004,X,desa,19.71.01", "bukan desa"),
        ("19.71.01,X,kecamatan,,extra", "Jumlah kolom"),
    ],
)
def test_single_row_errors(row, fragment):
    errors = errors_of(row + "\n")
    assert any(fragment in msg for _, msg in errors), errors
    assert all(line == 2 for line, _ in errors)


def test_missing_columns_and_empty_files():
    with pytest.raises(RegionFileError) as exc:
        parse_region_csv("code,name\n19.71.01,X\n")
    assert exc.value.errors[0][0] == 1
    assert "level" in exc.value.errors[0][1] and "parent_code" in exc.value.errors[0][1]
    with pytest.raises(RegionFileError) as exc:
        parse_region_csv("")
    assert exc.value.errors == [(0, "Berkas wilayah kosong.")]
    with pytest.raises(RegionFileError):
        parse_region_csv(HEADER)


def test_nothing_returned_partially():
    with pytest.raises(RegionFileError) as exc:
        parse_region_csv(io.StringIO(HEADER + "19.71.01,A,kecamatan,\n19.71.01,B,kecamatan,\n"))
    assert exc.value.errors == [(3, "Kode 19.71.01 sudah dipakai di baris 2.")]
    assert "1 kesalahan" in str(exc.value)
    assert isinstance(exc.value, ValueError)


def test_cp1252_fallback():
    data = "code,name,level,parent_code\n19.71.01,Caf\xe9,kecamatan,\n".encode("cp1252")
    assert parse_region_csv(data)[0].name == "Café"
