"""Importing e-PPGBM / posyandu files: preview, confirm, re-import, refusals, CLI, XLSX."""

import io
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from asuh.audit.models import AuditRecord
from asuh.children import importing
from asuh.children.growth import assess
from asuh.children.importfile import read_child_rows
from asuh.children.models import Child, Measurement
from asuh.extensions import db
from asuh.regions.regionfile import RegionRow
from asuh.regions.services import import_regions
from tests import factories
from tests.clock import SUITE_DAY

HEADER = ["NIK", "Nama", "JK (L/P)", "Tgl Lahir", "Nama Ortu", "Kec", "Desa/Kel", "Posyandu",
          "RT", "RW", "Alamat", "Tanggal Pengukuran", "Berat", "Tinggi", "Cara Ukur",
          "ZS BB/U", "ZS TB/U", "ZS BB/TB"]
TODAY = SUITE_DAY
BIRTH = TODAY - timedelta(days=500)
SEEN = TODAY - timedelta(days=10)


def dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def row(serial: int, **overrides) -> dict:
    values = {
        "NIK": factories.child_nik(BIRTH, "P", serial), "Nama": f"Anak Impor {serial}",
        "JK (L/P)": "P", "Tgl Lahir": dmy(BIRTH), "Nama Ortu": f"Ibu {serial}",
        "Kec": "BUKIT INTAN", "Desa/Kel": "BACANG", "Posyandu": "Melati 3", "RT": "003",
        "RW": "002", "Alamat": "Jl. Mawar No. 5", "Tanggal Pengukuran": dmy(SEEN),
        "Berat": "8,9", "Tinggi": "74,5", "Cara Ukur": "Terlentang", "ZS BB/U": "",
        "ZS TB/U": "", "ZS BB/TB": ""}
    values.update(overrides)
    return values


def csv_file(rows: list[dict]) -> bytes:
    lines = [";".join(HEADER)] + [";".join(str(r.get(h, "")) for h in HEADER) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def xlsx_file(rows: list[dict]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Laporan e-PPGBM Kota Pangkalpinang"])
    sheet.append(HEADER)
    for r in rows:
        sheet.append([r.get(h) for h in HEADER])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def counts() -> tuple[int, int]:
    return (db.session.scalar(select(func.count(Child.id))),
            db.session.scalar(select(func.count(Measurement.id))))


def upload(client, data: bytes, name: str = "posyandu.csv"):
    return client.post("/children/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


GOOD = [row(1), row(1, **{"Tanggal Pengukuran": dmy(SEEN - timedelta(days=30)),
                          "Tinggi": "73,9", "Berat": "8,7"}), row(2, **{"JK (L/P)": "L",
                          "NIK": factories.child_nik(BIRTH, "L", 2)})]


def test_preview_then_confirm_then_reimport_changes_nothing(client, login, regions, app):
    login("officer")
    response = upload(client, csv_file(GOOD))
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    token = preview_url.rsplit("/", 1)[1]
    assert (Path(app.config["UPLOAD_FOLDER"]) / "imports" / token).is_dir()
    page = client.get(preview_url).text
    assert "3 baris: 2 anak baru, 0 diperbarui, 0 tidak berubah; 3 pengukuran baru" in page
    assert "Anak yang sama dengan baris 2" in page
    with app.app_context():
        assert counts() == (0, 0)  # the preview writes nothing

    response = client.post(f"{preview_url}/confirm")
    assert response.status_code == 302
    assert not (Path(app.config["UPLOAD_FOLDER"]) / "imports" / token).exists()
    with app.app_context():
        assert counts() == (2, 3)
        child = db.session.scalar(select(Child).where(Child.name == "Anak Impor 1"))
        assert child.kelurahan_code == "19.71.01.1006"  # Bacang, found by name
        assert child.address == "Jl. Mawar No. 5, RT 003/RW 002"
        assert child.latest_measured_on == SEEN  # the newest row, not the last one
        expected = assess("P", BIRTH, SEEN, Decimal("74.5"), Decimal("8.9"), "lying")
        assert float(child.latest_haz) == expected.haz
        assert child.latest_category == expected.category
        [entry] = db.session.scalars(select(AuditRecord).where(
            AuditRecord.action == "import", AuditRecord.entity_type == "child"))
        assert "2 anak baru" in entry.summary
        assert entry.changes["measurements_created"] == [None, 3]

    preview_url = upload(client, csv_file(GOOD)).headers["Location"]
    page = client.get(preview_url).text
    assert "0 anak baru, 0 diperbarui, 2 tidak berubah; 0 pengukuran baru, 3 sudah ada" in page
    assert client.post(f"{preview_url}/confirm").status_code == 302
    with app.app_context():
        assert counts() == (2, 3)
        assert db.session.scalar(select(func.count(AuditRecord.id)).where(
            AuditRecord.action == "import", AuditRecord.entity_type == "child")) == 1


def test_one_bad_row_writes_nothing_and_is_named(client, login, regions, app):
    login("officer")
    bad = [*GOOD, row(3, **{"Desa/Kel": "ATLANTIS"}), row(4, NIK="1971019999990001"),
           row(5, Tinggi="20")]
    preview_url = upload(client, csv_file(bad)).headers["Location"]
    page = client.get(preview_url).text
    assert "tidak dapat disimpan" in page and "3 baris ditolak" in page
    assert "Kelurahan &#39;ATLANTIS&#39; tidak ada di daftar wilayah" in page
    assert "Tanggal lahir pada NIK (99)" in page
    assert "Tinggi/panjang badan harus antara" in page
    assert "Simpan impor" not in page
    response = client.post(f"{preview_url}/confirm")
    assert response.status_code == 200 and "Impor tidak disimpan" in response.text
    with app.app_context():
        assert counts() == (0, 0)
        preview = importing.preview_import(read_child_rows("x.csv", csv_file(bad)))
        assert [r.line for r in preview.rejected] == [5, 6, 7]


def test_warnings_do_not_block_and_nik_warnings_are_stored(app_ctx, regions):
    rows = [row(1, NIK=factories.child_nik(BIRTH, "L", 1), **{"ZS TB/U": "-0,5"})]
    preview = importing.import_children(read_child_rows("w.csv", csv_file(rows)))
    [outcome] = preview.rows
    assert outcome.action == "create"
    assert any("Jenis kelamin pada NIK" in w for w in outcome.warnings)
    assert any(w.startswith("ZS TB/U di berkas -0.5 berbeda") for w in outcome.warnings)
    child = db.session.scalar(select(Child))
    assert "Jenis kelamin pada NIK" in child.nik_warnings


def test_reimport_updates_changed_fields_and_refuses_a_different_measurement(app_ctx,
                                                                             regions):
    importing.import_children(read_child_rows("a.csv", csv_file([row(1)])))
    changed = [row(1, **{"Nama Ortu": "Ibu Baru", "Posyandu": ""})]
    preview = importing.import_children(read_child_rows("b.csv", csv_file(changed)))
    [outcome] = preview.rows
    assert (outcome.action, outcome.changes) == ("update", ["Nama ibu/wali"])
    child = db.session.scalar(select(Child))
    assert child.guardian_name == "Ibu Baru" and child.posyandu == "Melati 3"
    remeasured = [row(1, Tinggi="75,5")]
    with pytest.raises(importing.ImportRefused) as info:
        importing.import_children(read_child_rows("c.csv", csv_file(remeasured)))
    assert "Sudah ada pengukuran lain" in info.value.errors["file"][0]


def test_rows_in_the_file_that_contradict_each_other(app_ctx, regions):
    rows = [row(1), row(1, Tinggi="76,0"), row(2), row(2)]
    preview = importing.preview_import(read_child_rows("d.csv", csv_file(rows)))
    assert [r.line for r in preview.rejected] == [3]
    assert "Dua pengukuran berbeda" in preview.rejected[0].errors[0]
    assert any("dilewati" in w for w in preview.rows[3].warnings)


def test_kelurahan_by_code_or_by_name_within_its_kecamatan(app_ctx, regions):
    # A second "Bacang" in another kecamatan makes the name alone ambiguous.
    import_regions([RegionRow(line=1, code="19.71.02.1099", name="Bacang", level="kelurahan",
                              parent_code="19.71.02", village_type="kelurahan")])
    rows = [row(1), row(2, Kec=""), row(3, Kec="Taman  sari", **{"Desa/Kel": "bacang"}),
            row(4, Kec="Gabek")]
    preview = importing.preview_import(read_child_rows("e.csv", csv_file(rows)))
    by_line = {r.line: r for r in preview.rows}
    assert not by_line[2].errors and not by_line[4].errors
    assert "beberapa kecamatan" in by_line[3].errors[0]
    assert "tidak ada di Kecamatan 'Gabek'" in by_line[5].errors[0]
    header = [*HEADER, "Kode Kel"]
    data = ";".join(header) + "\n" + ";".join(
        [*(str(row(6)[h]) for h in HEADER[:-1]), "", "1971011006"]) + "\n"
    [outcome] = importing.preview_import(read_child_rows("f.csv", data.encode())).rows
    assert not outcome.errors


def test_xlsx_import(app_ctx, regions):
    rows = [row(1, Berat=8.9, Tinggi=74.5, **{"Tgl Lahir": BIRTH,
                                               "Tanggal Pengukuran": SEEN})]
    preview = importing.import_children(read_child_rows("e-ppgbm.xlsx", xlsx_file(rows)))
    assert (preview.children_created, preview.measurements_created) == (1, 1)
    measurement = db.session.scalar(select(Measurement))
    assert (measurement.height_cm, measurement.measured_on) == (Decimal("74.5"), SEEN)


def test_cli_import_dry_run_and_refusal(runner, app, regions, tmp_path):
    good = tmp_path / "posyandu.csv"
    good.write_bytes(csv_file(GOOD))
    result = runner.invoke(args=["children", "import", str(good), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "2 anak baru" in result.output and "--dry-run" in result.output
    with app.app_context():
        assert counts() == (0, 0)
    result = runner.invoke(args=["children", "import", str(good)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert counts() == (2, 3)

    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_file([row(7), row(8, **{"Desa/Kel": "ATLANTIS"})]))
    result = runner.invoke(args=["children", "import", str(bad)])
    assert result.exit_code == 1
    assert "DITOLAK baris 3" in result.output and "ATLANTIS" in result.output
    assert factories.child_nik(BIRTH, "P", 8) not in result.output  # NIKs masked
    with app.app_context():
        assert counts() == (2, 3)
    unreadable = tmp_path / "data.pdf"
    unreadable.write_bytes(b"%PDF")
    assert runner.invoke(args=["children", "import", str(unreadable)]).exit_code == 1


def test_kept_files_belong_to_their_uploader(client, login, regions, app):
    login("officer")
    preview_url = upload(client, csv_file(GOOD)).headers["Location"]
    other = login("admin", app.test_client())
    assert other.get(preview_url).status_code == 404
    assert other.post(f"{preview_url}/confirm").status_code == 404
    assert client.get("/children/import/..%2F..%2Fetc").status_code == 404
    assert client.post(f"{preview_url}/discard").status_code == 302
    assert client.get(preview_url).status_code == 404


def test_unreadable_upload_is_refused_in_the_form(client, login, regions):
    login("officer")
    response = upload(client, b"NIK;Nama\n1;2\n", "x.csv")
    assert response.status_code == 200
    assert "Kolom wajib tidak ditemukan" in response.text
    response = upload(client, b"hello", "x.pdf")
    assert response.status_code == 200 and "Hanya berkas .xlsx atau .csv" in response.text
