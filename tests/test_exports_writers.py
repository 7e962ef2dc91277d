"""The streaming writers: chunked CSV with one BOM, XLSX with typed cells, formula guard."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl

from asuh.exports.writers import csv_cell, csv_lines, xlsx_cell, xlsx_file


def test_csv_comes_in_chunks_with_one_bom():
    rows = ([n, f"Nama {n}", Decimal("1.5")] for n in range(20_000))
    chunks = list(csv_lines(["ID", "Nama", "Jumlah"], rows))
    assert len(chunks) > 3  # streamed, not built whole
    assert all(len(chunk) < 80 * 1024 for chunk in chunks)
    body = b"".join(chunks)
    assert body.startswith("\ufeff".encode()) and body.count("\ufeff".encode()) == 1
    parsed = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert parsed[0] == ["ID", "Nama", "Jumlah"] and len(parsed) == 20_001
    assert parsed[-1] == ["19999", "Nama 19999", "1.5"]
    assert b"\r\n" in chunks[0]


def test_rows_are_read_lazily():
    consumed = []

    def rows():
        for n in range(10):
            consumed.append(n)
            yield [n]

    stream = csv_lines(["n"], rows())
    assert consumed == []
    list(stream)
    assert consumed == list(range(10))


def test_cells():
    assert csv_cell(None) == "" and csv_cell(True) == "ya" and csv_cell(False) == "tidak"
    assert csv_cell(date(2026, 11, 23)) == "2026-11-23"
    assert csv_cell(datetime(2026, 11, 23, 14, 5, 9, 123)) == "2026-11-23 14:05:09"
    assert csv_cell(1250000) == "1250000" and csv_cell(Decimal("2.500")) == "2.500"
    for dangerous in ("=1+1", "+62812", "-2", "@SUM(A1)", "\tx"):
        assert csv_cell(dangerous).startswith("'")
    assert csv_cell("Budi") == "Budi" and csv_cell("0812") == "0812"
    assert xlsx_cell("=1+1") == "'=1+1" and xlsx_cell(Decimal("2.5")) == 2.5
    assert xlsx_cell(7) == 7 and xlsx_cell(True) == "ya"


def test_xlsx_holds_typed_cells():
    handle = xlsx_file("Anak", ["ID", "Lahir", "Nilai", "Nama"],
                       [[1, date(2024, 5, 1), 150000, "Siti"], [2, None, 0, "=bad"]])
    sheet = openpyxl.load_workbook(handle).active
    assert sheet.title == "Anak"
    assert sheet["A2"].value == 1 and sheet["C2"].value == 150000
    assert sheet["B2"].value.date() == date(2024, 5, 1)
    assert sheet["D3"].value == "'=bad" and sheet["D3"].data_type == "s"
    handle.close()
