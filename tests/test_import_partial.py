"""Real posyandu files (issue 11): date forms, grouped headers, foreign rows, partial import.

The files are built here as the issue describes them: dd/mm/yy and "14 Januari 2026"
dates, Excel day numbers in a CSV, a header row of merged group titles above the column
names, a Palembang row in a Pangkalpinang file, one child without a NIK among many.
"""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import func, select

from asuh.audit.models import AuditRecord
from asuh.children import importing
from asuh.children.import_rejects import REASON_COLUMN, rejected_rows_file
from asuh.children.importfile import read_child_file, read_child_rows
from asuh.children.models import Child, Measurement
from asuh.extensions import db
from tests import factories
from tests.test_children_import import BIRTH, HEADER, SEEN, counts, csv_file, row, upload

MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember")
EXCEL_EPOCH = date(1899, 12, 30)


def month_name(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def excel_serial(day: date) -> str:
    return str((day - EXCEL_EPOCH).days)


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


@pytest.mark.parametrize(("birth", "seen"), [
    (BIRTH.strftime("%d/%m/%y"), SEEN.strftime("%d/%m/%y")),
    (month_name(BIRTH), month_name(SEEN)),
    (excel_serial(BIRTH), excel_serial(SEEN)),
    (BIRTH.strftime("%d-%b-%y"), SEEN.strftime("%d-%b-%y")),
])
def test_date_forms_of_real_exports_are_read(birth, seen):
    [read] = read_child_rows("x.csv", csv_file([row(1, **{"Tgl Lahir": birth,
                                                          "Tanggal Pengukuran": seen})]))
    assert (read.birth_date, read.measured_on, read.errors) == (BIRTH, SEEN, [])


def test_a_date_that_does_not_exist_is_still_refused():
    [read] = read_child_rows("x.csv", csv_file([row(1, **{"Tgl Lahir": "31 Februari 2026"})]))
    assert read.errors == ["Tgl Lahir '31 Februari 2026' bukan tanggal yang valid"]


def grouped_xlsx(rows: list[dict]) -> bytes:
    """Group titles merged across their columns; ungrouped names merged down two rows."""
    groups = {"NIK": None, "Nama": None, "JK (L/P)": None, "Tgl Lahir": None,
              "Nama Ortu": None, "Kec": "Wilayah", "Desa/Kel": "Wilayah",
              "Posyandu": "Wilayah", "RT": "Wilayah", "RW": "Wilayah", "Alamat": "Wilayah",
              "Tanggal Pengukuran": "Pengukuran", "Berat": "Pengukuran",
              "Tinggi": "Pengukuran", "Cara Ukur": "Pengukuran", "ZS BB/U": "Z-Score",
              "ZS TB/U": "Z-Score", "ZS BB/TB": "Z-Score"}
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Laporan e-PPGBM Kota Pangkalpinang"])
    top, low = [], []
    for name in HEADER:
        group = groups[name]
        top.append(name if group is None else (group if group not in top else None))
        low.append(None if group is None else name)
    sheet.append(top)
    sheet.append(low)
    for column, name in enumerate(HEADER, start=1):
        letter = openpyxl.utils.get_column_letter(column)
        if groups[name] is None:
            sheet.merge_cells(f"{letter}2:{letter}3")
    for group in ("Wilayah", "Pengukuran", "Z-Score"):
        columns = [i for i, n in enumerate(HEADER, start=1) if groups[n] == group]
        first, last = (openpyxl.utils.get_column_letter(c) for c in (columns[0], columns[-1]))
        sheet.merge_cells(f"{first}2:{last}2")
    for values in rows:
        sheet.append([values.get(h) for h in HEADER])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_grouped_two_row_header_is_read(app_ctx, regions):
    data = grouped_xlsx([row(1), row(2, NIK="")])
    read = read_child_file("grouped.xlsx", data)
    assert read.header[:4] == ["NIK", "Nama", "JK (L/P)", "Tgl Lahir"]
    assert read.header[11:13] == ["Tanggal Pengukuran", "Berat"]
    first, second = read.rows
    assert (first.line, first.measured_on, first.errors) == (4, SEEN, [])
    preview = importing.import_children(read.rows, filename="grouped.xlsx")
    assert (preview.children_created, preview.measurements_created) == (2, 2)


def test_a_grouped_header_whose_columns_need_their_group_is_read():
    data = ("NIK;Nama;JK;Tgl Lahir;Tanggal;;\n;;;;Pengukuran;Berat;Tinggi\n"
            f"{factories.child_nik(BIRTH, 'P', 1)};Ani;P;{BIRTH:%d/%m/%Y};{SEEN:%d/%m/%Y};"
            "8,9;74,5\n").encode()
    [read] = read_child_rows("g.csv", data)
    assert (read.measured_on, read.weight_kg, read.line) == (SEEN, Decimal("8.9"), 3)


def with_place(values: dict, province: str, regency: str) -> dict:
    return {**values, "Prov": province, "Kab/Kota": regency}


PLACE_HEADER = ["Prov", "Kab/Kota", *HEADER]


def place_csv(rows: list[dict]) -> bytes:
    lines = [";".join(PLACE_HEADER)] + [";".join(str(r.get(h, "")) for h in PLACE_HEADER)
                                        for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


@pytest.mark.parametrize(("province", "regency", "refused"), [
    ("Sumatera Selatan", "Kota Palembang", "Prov 'Sumatera Selatan' bukan wilayah"),
    ("Kepulauan Bangka Belitung", "Palembang", "Kab/Kota 'Palembang' bukan wilayah"),
    ("16", "16.71", "Prov '16' bukan wilayah"),
    ("19", "19.01", "Kab/Kota '19.01' bukan wilayah"),
    ("KEP. BANGKA BELITUNG", "Kabupaten Pangkalpinang", "Kab/Kota 'Kabupaten Pangkalpinang'"),
    ("Kep. Bangka Belitung", "KOTA PANGKALPINANG", None),
    ("19", "19.71", None),
    ("", "Pangkal Pinang", None),
])
def test_a_row_from_another_region_is_refused(app_ctx, regions, province, regency, refused):
    # Bacang is a Pangkalpinang kelurahan: without the Prov/Kab check the row would land there.
    rows = read_child_rows("x.csv", place_csv([with_place(row(1), province, regency)]))
    [outcome] = importing.preview_import(rows).rows
    if refused is None:
        assert outcome.errors == []
    else:
        assert outcome.action == "reject"
        assert any(e.startswith(refused) and "Kota Pangkalpinang (19.71)" in e
                   for e in outcome.errors)


def mixed_file() -> bytes:
    """Good rows, a child without a NIK, a Palembang row and an unreadable height."""
    good = [with_place(row(n), "Kepulauan Bangka Belitung", "Kota Pangkalpinang")
            for n in (1, 2, 3)]
    no_nik = with_place(row(4, NIK="", Nama="Bayi Tanpa NIK"), "", "")
    palembang = with_place(row(5, Nama="Anak Palembang"), "Sumatera Selatan", "Kota Palembang")
    bad_height = with_place(row(6, Tinggi="tujuh"), "", "")
    return place_csv([*good, no_nik, palembang, bad_height])


def test_one_child_without_a_nik_no_longer_blocks_the_file(app_ctx, regions):
    rows = [row(n) for n in range(1, 30)] + [row(30, NIK="0000000000000000")]
    preview = importing.import_children(read_child_rows("x.csv", csv_file(rows)))
    assert preview.accepted and preview.children_created == 30


def test_all_or_nothing_still_refuses_then_partial_saves_the_accepted_rows(app_ctx, regions):
    data = mixed_file()
    rows = read_child_rows("mixed.csv", data)
    with pytest.raises(importing.ImportRefused):
        importing.import_children(rows, filename="mixed.csv")
    db.session.rollback()
    assert counts() == (0, 0)

    preview = importing.import_children(rows, filename="mixed.csv", partial=True)
    db.session.commit()
    assert [r.line for r in preview.rejected] == [6, 7]
    assert (preview.children_created, preview.measurements_created) == (4, 4)
    assert counts() == (4, 4)
    assert db.session.scalar(select(func.count(Child.id)).where(
        Child.name == "Anak Palembang")) == 0
    [entry] = db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "import", AuditRecord.entity_type == "child"))
    assert entry.changes["rows_refused"] == [None, 2]

    # Idempotent: the same file, partially, again changes nothing and audits nothing.
    again = importing.import_children(rows, filename="mixed.csv", partial=True)
    assert (again.children_created, again.measurements_created) == (0, 0)
    assert again.children_unchanged == 4 and counts() == (4, 4)
    assert db.session.scalar(select(func.count(AuditRecord.id)).where(
        AuditRecord.action == "import", AuditRecord.entity_type == "child")) == 1

    name, content, mimetype = rejected_rows_file("mixed.csv", data, again)
    assert (name, mimetype) == ("mixed-ditolak.csv", "text/csv")
    table = csv_rows(content)
    assert table[0] == [*PLACE_HEADER, REASON_COLUMN]
    assert [line[PLACE_HEADER.index("Nama")] for line in table[1:]] == [
        "Anak Palembang", "Anak Impor 6"]
    assert "Sumatera Selatan" in table[1][-1] and "Tinggi 'tujuh' bukan angka" in table[2][-1]

    # The officer fixes the refused rows' file and imports it: only what was missing comes.
    fixed = [line[:-1] for line in table]
    fixed[2][PLACE_HEADER.index("Tinggi")] = "74,5"
    del fixed[1]  # the Palembang child is not this city's
    text = "\n".join(";".join(line) for line in fixed) + "\n"
    done = importing.import_children(read_child_rows("fixed.csv", text.encode()))
    assert (done.children_created, done.measurements_created) == (1, 1)
    assert counts() == (5, 5)


def test_the_refused_rows_of_an_xlsx_come_back_as_an_xlsx(app_ctx, regions):
    data = grouped_xlsx([row(1), row(2, Berat="-3")])
    preview = importing.preview_import(read_child_rows("posyandu.xlsx", data))
    name, content, _ = rejected_rows_file("posyandu.xlsx", data, preview)
    assert name == "posyandu-ditolak.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    lines = list(sheet.iter_rows(values_only=True))
    assert lines[0][0] == "NIK" and lines[0][-1] == REASON_COLUMN
    assert len(lines) == 2 and lines[1][0] == factories.child_nik(BIRTH, "P", 2)
    assert "Berat harus lebih dari 0" in lines[1][-1]


def test_cli_partial_import_writes_the_refused_rows_beside_the_file(runner, app, regions,
                                                                   tmp_path):
    path = tmp_path / "posyandu.csv"
    path.write_bytes(mixed_file())
    result = runner.invoke(args=["children", "import", str(path)])
    assert result.exit_code == 1 and "Tidak ada yang disimpan: 2 baris ditolak" in result.output
    result = runner.invoke(args=["children", "import", str(path), "--partial"])
    assert result.exit_code == 0, result.output
    assert "2 baris ditolak ditulis ke" in result.output and "Disimpan" in result.output
    rejected = csv_rows((tmp_path / "posyandu-ditolak.csv").read_bytes())
    assert len(rejected) == 3 and rejected[0][-1] == REASON_COLUMN
    with app.app_context():
        assert counts() == (4, 4)
    again = runner.invoke(args=["children", "import", str(path), "--partial"])
    assert again.exit_code == 0 and "0 anak baru" in again.output
    with app.app_context():
        assert counts() == (4, 4)


def test_cli_decides_a_nik_conflict(runner, app, regions, tmp_path):
    with app.app_context():
        importing.import_children(read_child_rows("a.csv", csv_file([row(1)])))
        db.session.commit()
    other = row(1, Nama="Muhammad Fajar", **{"JK (L/P)": "L",
                                             "Tgl Lahir": (BIRTH - timedelta(days=90))
                                             .strftime("%d/%m/%Y")})
    path = tmp_path / "b.csv"
    path.write_bytes(csv_file([other]))
    result = runner.invoke(args=["children", "import", str(path)])
    assert result.exit_code == 1 and "KONFLIK baris 2" in result.output
    result = runner.invoke(args=["children", "import", str(path), "--other-child", "2"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(Child.nik_status).where(
            Child.name == "Muhammad Fajar")) == "not_own"


def test_web_partial_import_and_download_of_refused_rows(client, login, regions, app):
    login("officer")
    preview_url = upload(client, mixed_file()).headers["Location"]
    page = client.get(preview_url).text
    assert "Simpan yang diterima saja" in page and "Unduh baris yang ditolak" in page
    response = client.post(f"{preview_url}/confirm", data={"mode": "partial"})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        preview_url.rsplit("/", 1)[1])
    with app.app_context():
        assert counts() == (4, 4)
        assert db.session.scalar(select(func.count(Measurement.id))) == 4
    download = client.get(f"{preview_url}/rejected")
    assert download.status_code == 200
    assert "posyandu-ditolak.csv" in download.headers["Content-Disposition"]
    assert len(csv_rows(download.data)) == 3
