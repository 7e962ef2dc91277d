"""Tests for reading e-PPGBM / posyandu exports."""

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest

from asuh.children.import_cells import POSITION_LYING, POSITION_STANDING
from asuh.children.importfile import ImportFileError, read_child_rows

EPPGBM_HEADER = [
    "NIK", "Nama", "JK (L/P)", "Tgl Lahir", "BB Lahir", "TB Lahir", "Nama Ortu", "Prov",
    "Kab/Kota", "Kec", "Pukesmas", "Desa/Kel", "Posyandu", "RT", "RW", "Alamat",
    "Usia Saat Ukur", "Tanggal Pengukuran", "Bulan Pengukuran", "Berat", "Tinggi",
    "Cara Ukur", "LiLA", "BB/U", "ZS BB/U", "TB/U", "ZS TB/U", "BB/TB", "ZS BB/TB",
    "Naik Berat Badan", "PMT Diterima (kg)", "Jml Vit A", "KPSP", "KIA",
]


def eppgbm_values(**overrides) -> list:
    values = {
        "NIK": "1971015503220003", "Nama": "Siti  Aminah", "JK (L/P)": "P",
        "Tgl Lahir": "15/03/2022", "BB Lahir": "3,1", "TB Lahir": "49", "Nama Ortu": "Rina",
        "Prov": "KEP. BANGKA BELITUNG", "Kab/Kota": "KOTA PANGKAL PINANG", "Kec": "BUKIT INTAN",
        "Pukesmas": "SEMABUNG", "Desa/Kel": "BACANG", "Posyandu": "Melati", "RT": "003",
        "RW": "002", "Alamat": "Jl. Mawar No. 5", "Usia Saat Ukur": "2 Tahun - 7 Bulan - 17 Hari",
        "Tanggal Pengukuran": "01/11/2024", "Bulan Pengukuran": "November", "Berat": "10,5",
        "Tinggi": "85,5", "Cara Ukur": "Berdiri", "LiLA": "14", "BB/U": "Kurang",
        "ZS BB/U": "-2,05", "TB/U": "Pendek", "ZS TB/U": "-2,31", "BB/TB": "Normal",
        "ZS BB/TB": "-1,1", "Naik Berat Badan": "T", "PMT Diterima (kg)": "0",
        "Jml Vit A": "1", "KPSP": "", "KIA": "Ya",
    }
    values.update(overrides)
    return [values[h] for h in EPPGBM_HEADER]


def csv_bytes(rows: list[list], sep: str = ";", bom: bool = False) -> bytes:
    def cell(v):
        text = "" if v is None else str(v)
        return f'"{text}"' if sep in text else text

    text = "\n".join(sep.join(cell(v) for v in row) for row in rows) + "\n"
    return (("\ufeff" if bom else "") + text).encode("utf-8")


def xlsx_bytes(rows: list[list], *, title_rows: int = 0) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for i in range(title_rows):
        ws.append([f"Laporan e-PPGBM {i}"])
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- CSV ---------------------------------------------------------------------------


def test_semicolon_csv_with_bom_and_decimal_commas():
    data = csv_bytes([EPPGBM_HEADER, eppgbm_values()], sep=";", bom=True)
    [row] = read_child_rows("data.csv", data)
    assert row.line == 2
    assert row.errors == []
    assert row.nik == "1971015503220003"
    assert row.name == "Siti Aminah"
    assert row.sex == "P"
    assert row.birth_date == date(2022, 3, 15)
    assert row.guardian_name == "Rina"
    assert row.kecamatan_name == "BUKIT INTAN"
    assert row.kelurahan_name == "BACANG"
    assert row.kelurahan_code is None
    assert row.posyandu == "Melati"
    assert row.address == "Jl. Mawar No. 5, RT 003/RW 002"
    assert row.measured_on == date(2024, 11, 1)
    assert row.weight_kg == Decimal("10.5")
    assert row.height_cm == Decimal("85.5")
    assert row.position == POSITION_STANDING
    assert row.file_waz == Decimal("-2.05")
    assert row.file_haz == Decimal("-2.31")
    assert row.file_whz == Decimal("-1.1")
    assert row.has_measurement


def test_comma_csv_with_quoted_decimal_commas():
    data = csv_bytes([EPPGBM_HEADER, eppgbm_values(Berat="9,75")], sep=",")
    [row] = read_child_rows("DATA.CSV", data)
    assert row.weight_kg == Decimal("9.75")
    assert row.height_cm == Decimal("85.5")
    assert row.errors == []


def test_cp1252_csv_is_read():
    data = "NIK;Nama;JK;Tgl Lahir\n1971011503220003;Andr\xe9;L;15-03-2022\n".encode("cp1252")
    [row] = read_child_rows("x.csv", data)
    assert row.name == "André"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("01/11/2024", date(2024, 11, 1)),
        ("1/11/2024", date(2024, 11, 1)),
        ("01-11-2024", date(2024, 11, 1)),
        ("2024-11-01", date(2024, 11, 1)),
        ("2024-11-01 00:00:00", date(2024, 11, 1)),
        ("01.11.2024", date(2024, 11, 1)),
        ("", None),
        ("-", None),
    ],
)
def test_date_formats(text, expected):
    data = csv_bytes([["NIK", "Nama", "JK", "Tgl Lahir", "Tgl Ukur", "BB"],
                      ["1971011503220003", "A", "L", "15/03/2022", text,
                       "10" if expected else ""]])
    [row] = read_child_rows("x.csv", data)
    assert row.measured_on == expected
    assert row.errors == []


def test_bad_dates_reported_with_spreadsheet_line_numbers():
    data = csv_bytes([
        EPPGBM_HEADER,
        eppgbm_values(),
        [""] * len(EPPGBM_HEADER),  # blank row: skipped but still counted
        eppgbm_values(**{"Tgl Lahir": "31/02/2024"}),
        eppgbm_values(**{"Tanggal Pengukuran": "kemarin"}),
    ])
    rows = read_child_rows("x.csv", data)
    assert [r.line for r in rows] == [2, 4, 5]
    assert rows[0].errors == []
    assert rows[1].errors == ["Tgl Lahir '31/02/2024' bukan tanggal yang valid"]
    assert rows[1].birth_date is None
    assert len(rows[2].errors) == 1
    assert rows[2].errors[0].startswith("Tanggal Pengukuran 'kemarin' bukan tanggal yang valid")


def test_bad_numbers_sex_and_position():
    data = csv_bytes([EPPGBM_HEADER, eppgbm_values(
        Berat="sepuluh", Tinggi="0", **{"JK (L/P)": "X", "Cara Ukur": "Duduk"})])
    [row] = read_child_rows("x.csv", data)
    assert "Berat 'sepuluh' bukan angka" in row.errors
    assert "Tinggi harus lebih dari 0" in row.errors
    assert any(e.startswith("JK (L/P) 'X' tidak dikenal") for e in row.errors)
    assert any(e.startswith("Cara Ukur 'Duduk' tidak dikenal") for e in row.errors)
    assert row.sex is None and row.weight_kg is None and row.position is None


@pytest.mark.parametrize(
    ("sex", "expected"),
    [("L", "L"), ("p", "P"), ("Laki-laki", "L"), ("LAKI - LAKI", "L"), ("Perempuan", "P")],
)
def test_sex_variants(sex, expected):
    [row] = read_child_rows("x.csv", csv_bytes([EPPGBM_HEADER, eppgbm_values(
        **{"JK (L/P)": sex})]))
    assert row.sex == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Berdiri", POSITION_STANDING), ("Terlentang", POSITION_LYING),
     ("telentang", POSITION_LYING), ("Berbaring", POSITION_LYING),
     ("Terlentang (PB)", POSITION_LYING), ("", None)],
)
def test_position_variants(text, expected):
    [row] = read_child_rows("x.csv", csv_bytes([EPPGBM_HEADER, eppgbm_values(
        **{"Cara Ukur": text})]))
    assert row.position == expected
    assert row.errors == []


def test_child_without_measurement_is_allowed():
    data = csv_bytes([EPPGBM_HEADER, eppgbm_values(
        Berat="", Tinggi="", **{"Tanggal Pengukuran": "", "Cara Ukur": "", "ZS TB/U": "",
                                "ZS BB/U": "", "ZS BB/TB": ""})])
    [row] = read_child_rows("x.csv", data)
    assert row.errors == []
    assert row.measured_on is None and row.weight_kg is None and row.height_cm is None
    assert row.file_haz is None and not row.has_measurement


def test_weight_only_measurement_is_allowed():
    [row] = read_child_rows("x.csv", csv_bytes([EPPGBM_HEADER, eppgbm_values(Tinggi="")]))
    assert row.errors == [] and row.height_cm is None and row.has_measurement


def test_incomplete_measurement():
    data = csv_bytes([
        EPPGBM_HEADER,
        eppgbm_values(**{"Tanggal Pengukuran": ""}),
        eppgbm_values(Berat="", Tinggi=""),
        eppgbm_values(**{"Tanggal Pengukuran": "01/01/2022"}),
    ])
    rows = read_child_rows("x.csv", data)
    assert rows[0].errors == ["Berat/tinggi terisi tetapi Tanggal Pengukuran kosong"]
    assert rows[1].errors == ["Tanggal Pengukuran terisi tetapi berat dan tinggi kosong"]
    assert rows[2].errors == ["Tanggal Pengukuran (01/01/2022) sebelum Tgl Lahir (15/03/2022)"]


def test_empty_required_values():
    data = csv_bytes([["NIK", "Nama", "JK", "Tgl Lahir"], ["", "", "", ""], ["", "Budi", "", ""]])
    [row] = read_child_rows("x.csv", data)  # the fully blank row is skipped
    assert row.line == 3
    # A blank NIK is no longer an error (issue 11): the child is registered without one.
    assert row.errors == ["JK kosong", "Tgl Lahir kosong"]


def test_nik_cleanup_and_scientific_notation():
    data = csv_bytes([
        ["NIK", "Nama", "JK", "Tgl Lahir"],
        ["'1971011503220003", "A", "L", "15/03/2022"],
        ["1971 0115 0322 0004", "B", "L", "15/03/2022"],
        ["1,97101E+15", "C", "L", "15/03/2022"],
    ], sep=";")
    rows = read_child_rows("x.csv", data)
    assert [r.nik for r in rows] == ["1971011503220003", "1971011503220004", ""]
    assert rows[2].errors and "Teks" in rows[2].errors[0]


def test_village_code_column():
    header = ["NIK", "Nama", "JK", "Tgl Lahir", "Kode Wilayah"]
    data = csv_bytes([
        header,
        ["1971011503220003", "A", "L", "15/03/2022", "19.71.01.1004"],
        ["1971011503220003", "A", "L", "15/03/2022", "1971011004"],
        ["1971011503220003", "A", "L", "15/03/2022", "1971010004"],
    ])
    rows = read_child_rows("x.csv", data)
    assert [r.kelurahan_code for r in rows] == ["19.71.01.1004", "19.71.01.1004", None]
    assert "bukan kode kelurahan/desa Kemendagri" in rows[2].errors[0]


def test_rt_rw_not_repeated_when_in_address():
    data = csv_bytes([["NIK", "Nama", "JK", "Tgl Lahir", "Alamat", "RT", "RW"],
                      ["1971011503220003", "A", "L", "15/03/2022", "Jl. X RT 03 RW 01", "3", "1"],
                      ["1971011503220003", "A", "L", "15/03/2022", "", "3", ""]])
    rows = read_child_rows("x.csv", data)
    assert [r.address for r in rows] == ["Jl. X RT 03 RW 01", "RT 3"]


# --- headers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        ["nik", "NAMA", "Jenis Kelamin", "Tanggal Lahir", "Nama Orang Tua", "Kecamatan",
         "Kelurahan", "Posyandu", "Tgl Ukur", "Berat (kg)", "Tinggi (cm)",
         "Cara Ukur (Berdiri/Terlentang)", "zs tb/u", "Kode Kel"],
        [" NIK ", "Nama Anak", "L/P", "Tgl. Lahir", "Nama Ibu", "Kec.", "Desa",
         "Nama Posyandu", "Tanggal Pengukuran", "BB", "TB", "Cara ukur", "ZS PB/U",
         "Kode Wilayah"],
        ["NIK", "Nama", "JK", "Tgl_Lahir", "Nama Ortu", "Kec", "Desa/Kelurahan", "Posyandu",
         "Tgl Pengukuran", "Berat Badan", "Tinggi Badan", "Cara Ukur", "ZS-TB/U", "Kode Desa"],
    ],
)
def test_header_variants(header):
    values = ["1971015503220003", "Siti", "P", "15/03/2022", "Rina", "Bukit Intan", "Bacang",
              "Melati", "01/11/2024", "10,5", "85,5", "Terlentang", "-2,3", "19.71.01.1006"]
    [row] = read_child_rows("x.csv", csv_bytes([header, values]))
    assert row.errors == []
    assert (row.nik, row.name, row.sex, row.birth_date) == (
        "1971015503220003", "Siti", "P", date(2022, 3, 15))
    assert row.guardian_name == "Rina"
    assert (row.kecamatan_name, row.kelurahan_name, row.posyandu) == (
        "Bukit Intan", "Bacang", "Melati")
    assert row.kelurahan_code == "19.71.01.1006"
    assert (row.measured_on, row.weight_kg, row.height_cm) == (
        date(2024, 11, 1), Decimal("10.5"), Decimal("85.5"))
    assert row.position == POSITION_LYING
    assert row.file_haz == Decimal("-2.3")


def test_unrelated_columns_not_mistaken():
    # "BB Lahir", "BB/U", "TB/U" must not be read as weight or height.
    header = ["NIK", "Nama", "JK", "Tgl Lahir", "BB Lahir", "TB Lahir", "BB/U", "TB/U"]
    data = csv_bytes([header, ["1971011503220003", "A", "L", "15/03/2022", "3", "49", "x", "y"]])
    [row] = read_child_rows("x.csv", data)
    assert row.weight_kg is None and row.height_cm is None and row.errors == []


def test_missing_required_columns_named():
    data = csv_bytes([["NIK", "Nama Lengkap", "Berat"], ["1971011503220003", "A", "10"]])
    with pytest.raises(ImportFileError) as exc:
        read_child_rows("x.csv", data)
    message = str(exc.value)
    assert "Nama" in message and "JK" in message and "Tgl Lahir" in message
    assert message.startswith("Kolom wajib tidak ditemukan: Nama, JK, Tgl Lahir.")


def test_empty_and_unknown_files():
    with pytest.raises(ImportFileError, match="kosong"):
        read_child_rows("x.csv", b"")
    with pytest.raises(ImportFileError, match="tidak didukung"):
        read_child_rows("x.pdf", b"%PDF-1.4")
    with pytest.raises(ImportFileError, match=r"\.xls"):
        read_child_rows("x.xls", b"\xd0\xcf\x11\xe0rest")
    with pytest.raises(ImportFileError, match="Excel"):
        read_child_rows("x.xlsx", b"not a zip")
    with pytest.raises(ImportFileError, match="Excel"):
        read_child_rows("x.xlsx", b"PK\x03\x04broken")
    with pytest.raises(ImportFileError, match="Excel"):
        read_child_rows("x.csv", xlsx_bytes([["NIK"]]))


# --- XLSX --------------------------------------------------------------------------


def test_xlsx_with_real_dates_and_numbers():
    rows = [
        EPPGBM_HEADER,
        eppgbm_values(**{
            "Tgl Lahir": date(2022, 3, 15), "Tanggal Pengukuran": datetime(2024, 11, 1, 0, 0),
            "Berat": 10.5, "Tinggi": 85.5, "ZS TB/U": -2.31, "RT": 3, "RW": 2,
        }),
        [None] * len(EPPGBM_HEADER),
        eppgbm_values(**{"NIK": 1971011503220004, "Nama": "Budi", "JK (L/P)": "L",
                         "Tgl Lahir": date(2022, 3, 15), "Berat": 11, "Tinggi": None,
                         "Tanggal Pengukuran": date(2024, 11, 1), "Cara Ukur": None}),
    ]
    parsed = read_child_rows("posyandu.xlsx", xlsx_bytes(rows))
    assert [r.line for r in parsed] == [2, 4]
    first, second = parsed
    assert first.errors == []
    assert first.birth_date == date(2022, 3, 15)
    assert first.measured_on == date(2024, 11, 1)
    assert first.weight_kg == Decimal("10.5") and first.height_cm == Decimal("85.5")
    assert first.file_haz == Decimal("-2.31")
    assert first.address == "Jl. Mawar No. 5, RT 3/RW 2"
    assert second.errors == []
    assert second.nik == "1971011503220004"  # an int keeps every digit
    assert second.weight_kg == Decimal("11") and second.height_cm is None


def _with_sheet_xml(data: bytes, old: bytes, new: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            content = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                assert old in content
                content = content.replace(old, new)
            target.writestr(name, content)
    return out.getvalue()


def test_xlsx_nik_as_float_asks_for_text_column():
    rows = [["NIK", "Nama", "JK", "Tgl Lahir"], [1971011503220000, "A", "L", date(2022, 3, 15)]]
    # Write the number the way a spreadsheet stores a float in scientific notation.
    data = _with_sheet_xml(xlsx_bytes(rows), b"<v>1971011503220000</v>",
                           b"<v>1.97101150322E+15</v>")
    [row] = read_child_rows("x.xlsx", data)
    assert row.nik == ""
    assert len(row.errors) == 1
    assert "sebagai Teks" in row.errors[0]


def test_xlsx_nik_as_int_ending_in_zero_is_flagged_for_checking():
    rows = [["NIK", "Nama", "JK", "Tgl Lahir"],
            [1971011503220000, "A", "L", date(2022, 3, 15)],
            [1971011503220003, "B", "L", date(2022, 3, 15)]]
    first, second = read_child_rows("x.xlsx", xlsx_bytes(rows))
    assert first.nik == "1971011503220000" and first.errors == []
    assert len(first.warnings) == 1 and "15 digit" in first.warnings[0]
    assert second.nik == "1971011503220003" and second.warnings == []


def test_xlsx_title_rows_above_header_keep_sheet_line_numbers():
    rows = [["NIK", "Nama", "JK", "Tgl Lahir"], ["'1971011503220003", "A", "L", "31/02/2024"]]
    [row] = read_child_rows("x.xlsx", xlsx_bytes(rows, title_rows=2))
    assert row.line == 4
    assert row.nik == "1971011503220003"
    assert row.errors == ["Tgl Lahir '31/02/2024' bukan tanggal yang valid"]


def test_xlsx_excel_serial_date_and_second_sheet():
    wb = openpyxl.Workbook()
    wb.active.append(["Petunjuk pengisian"])
    ws = wb.create_sheet("Data")
    ws.append(["NIK", "Nama", "JK", "Tgl Lahir"])
    ws.append(["1971011503220003", "A", "L", 44635])  # 2022-03-15 as a day number
    buf = io.BytesIO()
    wb.save(buf)
    [row] = read_child_rows("x.xlsx", buf.getvalue())
    assert row.birth_date == date(2022, 3, 15)


def test_damaged_xlsx():
    good = xlsx_bytes([["NIK", "Nama", "JK", "Tgl Lahir"], ["1971011503220003", "A", "L",
                                                            "15/03/2022"]])
    with pytest.raises(ImportFileError, match="valid"):
        read_child_rows("x.xlsx", good[: len(good) // 2])
    broken = _with_sheet_xml(good, b"</sheetData>", b"<row r=")
    with pytest.raises(ImportFileError, match="rusak"):
        read_child_rows("x.xlsx", broken)


def test_csv_title_line_above_header():
    data = b"Data balita Posyandu Melati\nNIK;Nama;JK;Tgl Lahir\n1971011503220003;A;L;15/03/2022\n"
    [row] = read_child_rows("x.csv", data)
    assert row.line == 3 and row.errors == []


def test_xlsx_missing_required_columns():
    with pytest.raises(ImportFileError, match="JK, Tgl Lahir"):
        read_child_rows("x.xlsx", xlsx_bytes([["NIK", "Nama"], ["1", "A"]]))


# --- volume ------------------------------------------------------------------------


def test_ten_thousand_csv_rows_all_parse():
    # Speed is measured by `make bench`, not asserted here.
    body = [eppgbm_values(NIK=f"19710155032{i:05d}") for i in range(10_000)]
    rows = read_child_rows("big.csv", csv_bytes([EPPGBM_HEADER, *body]))
    assert len(rows) == 10_000 and not any(r.errors for r in rows)
