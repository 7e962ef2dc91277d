"""Issue 12: imports are bounded (file size, rows, unpacked size) and refused with the
limit named in Indonesian; a zip bomb is refused from the zip directory, unparsed."""

import io
import tracemalloc
import zipfile

import pytest

from asuh.children import import_limits
from asuh.children.import_limits import ImportTooLarge
from asuh.children.importfile import read_child_rows
from tests.test_children_import import upload
from tests.test_importfile import EPPGBM_HEADER, csv_bytes, eppgbm_values, xlsx_bytes

MB = 1_048_576


def bomb_xlsx(string_mb: int = 200) -> bytes:
    """A real workbook whose shared strings gain one ``string_mb`` MB string: a few
    hundred KB on disk, written in 1 MB chunks so the test never holds it whole."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([EPPGBM_HEADER, eppgbm_values()])))
    extra = {  # openpyxl writes inline strings: add the shared strings part Excel writes
        "[Content_Types].xml": (b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" '
                                b'ContentType="application/vnd.openxmlformats-officedocument.'
                                b'spreadsheetml.sharedStrings+xml"/></Types>'),
        "xl/_rels/workbook.xml.rels": (
            b"</Relationships>", b'<Relationship Id="rIdSS" Type="http://schemas.'
            b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
            b'Target="sharedStrings.xml"/></Relationships>'),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename in extra:
                body = body.replace(*extra[item.filename])
            target.writestr(item, body, zipfile.ZIP_DEFLATED)
        with target.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                       b'main" count="1" uniqueCount="1"><si><t>')
            chunk = b"A" * MB
            for _ in range(string_mb):
                part.write(chunk)
            part.write(b"</t></si></sst>")
    return out.getvalue()


def test_a_200_mb_shared_string_is_refused_before_it_is_unpacked():
    data = bomb_xlsx()
    assert len(data) < 1 * MB  # small on disk
    tracemalloc.start()
    try:
        with pytest.raises(ImportTooLarge, match=r"xl/sharedStrings\.xml: 200 MB\); "
                                                 r"maksimal 32 MB per bagian"):
            read_child_rows("posyandu.xlsx", data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Nothing near the string's size was ever allocated (it took 491 MB before).
    assert peak < 10 * MB


def test_parts_that_add_up_past_the_budget_are_refused(monkeypatch):
    monkeypatch.setattr(import_limits, "MAX_UNPACKED_BYTES", 20 * MB)
    with pytest.raises(ImportTooLarge, match="maksimal 20 MB"):
        import_limits.check_xlsx_parts(bomb_xlsx(25), total_limit=20 * MB)


def test_a_workbook_within_the_bounds_still_reads():
    # The same construction with a 1 MB string is a workbook openpyxl reads: the bomb
    # above is refused for its size, not for being broken.
    [row] = read_child_rows("x.xlsx", bomb_xlsx(1))
    assert row.name == "Siti Aminah"


def test_too_many_rows_are_refused_naming_the_limit():
    # Issue 16: a whole export of 100,000 rows is previewed and written by jobs.
    assert import_limits.MAX_ROWS == 100_000
    body = [eppgbm_values(NIK=f"19710155032{i:05d}") for i in range(2_001)]
    data = csv_bytes([EPPGBM_HEADER, *body])
    with pytest.raises(ImportTooLarge, match=r"lebih dari 2\.000 baris data; maksimal "
                                             r"2\.000 baris per impor"):
        read_child_rows("besar.csv", data, max_rows=2_000)
    # Exactly at the limit is fine.
    assert len(read_child_rows("pas.csv", csv_bytes([EPPGBM_HEADER, *body[:2_000]]),
                               max_rows=2_000)) == 2_000


def test_rows_are_counted_in_xlsx_too():
    body = [eppgbm_values(NIK=f"19710155032{i:05d}") for i in range(6)]
    with pytest.raises(ImportTooLarge, match="lebih dari 5 baris"):
        read_child_rows("x.xlsx", xlsx_bytes([EPPGBM_HEADER, *body]), max_rows=5)


def test_an_oversized_file_is_refused_naming_the_limit():
    data = b"NIK;Nama;JK;Tgl Lahir\n" + b"x" * (41 * MB)
    with pytest.raises(ImportTooLarge, match=r"Berkas terlalu besar \(41 MB\); maksimal "
                                             r"40 MB per impor"):
        read_child_rows("besar.csv", data)


def test_the_upload_form_shows_the_limit(client, login, regions):
    login("officer")
    response = upload(client, bomb_xlsx(40), "posyandu.xlsx")
    assert response.status_code == 200
    assert "Isi berkas Excel terlalu besar setelah dibuka" in response.text
    assert "maksimal 32 MB per bagian" in response.text
