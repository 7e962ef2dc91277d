"""Exports of the lists to CSV and XLSX: the list's filters, its scope, masked identifiers."""

import csv
import io
from itertools import zip_longest

import openpyxl
import pytest
from sqlalchemy import select

from asuh.accounts.models import User
from asuh.audit.models import AuditRecord
from asuh.children.models import Child
from asuh.extensions import db
from asuh.identifiers import mask_identifier
from asuh.sponsors.models import Sponsor
from tests import factories


@pytest.fixture
def scene(app, users, regions):
    with app.app_context():
        ids = factories.dashboard_scene(db.session.get(User, users["admin"][0]))
        db.session.commit()
        return ids


def read_csv(response) -> list[dict]:
    body = response.data
    assert body.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def read_xlsx(response) -> list[dict]:
    sheet = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    # Read-only sheets drop trailing empty cells.
    return [dict(zip_longest(rows[0], row)) for row in rows[1:]]


def test_children_csv_has_the_lists_rows_with_its_filters(app, client, login, scene):
    login("officer")
    response = client.get("/exports/children.csv?category=stunting&kecamatan_code=19.71.01")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert 'attachment; filename="anak-' in response.headers["Content-Disposition"]
    rows = read_csv(response)
    with app.app_context():
        expected = db.session.scalars(select(Child).where(
            Child.status == "active", Child.latest_category.in_(["stunted", "severely_stunted"]),
            Child.kelurahan_code.in_([factories.KEL_A, factories.KEL_B]))).all()
        assert {int(r["ID"]) for r in rows} == {c.id for c in expected}
        first = next(c for c in expected if c.id == int(rows[0]["ID"]))
        assert rows[0]["NIK"] == first.nik  # officers read the whole NIK on screen too
    assert {r["Kecamatan"] for r in rows} == {"Bukit Intan"}


def test_auditors_get_masked_identifiers(app, client, login, scene):
    login("auditor")
    children_rows = read_csv(client.get("/exports/children.csv?status=all"))
    sponsor_rows = read_csv(client.get("/exports/sponsors.csv"))
    with app.app_context():
        niks = {c.id: c.nik for c in db.session.scalars(select(Child))}
        sponsors = {s.id: s for s in db.session.scalars(select(Sponsor))}
    assert len(children_rows) == len(niks)
    for row in children_rows:
        assert row["NIK"] == mask_identifier(niks[int(row["ID"])])
    for row in sponsor_rows:
        assert row["NIP/NIK"] == mask_identifier(sponsors[int(row["ID"])].identifier)
        assert "Telepon" not in row and "Email" not in row


def test_sponsors_xlsx_follows_the_sponsor_list_filters(app, client, login, scene):
    login("officer")
    response = client.get("/exports/sponsors.xlsx?kind=citizen&approved=yes")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    rows = read_xlsx(response)
    with app.app_context():
        expected = db.session.scalars(select(Sponsor).where(
            Sponsor.kind == "citizen", Sponsor.approved_at.is_not(None))).all()
    assert sorted(r["ID"] for r in rows) == sorted(s.id for s in expected)
    assert all(r["Jenis"] == "Masyarakat" for r in rows)
    assert all(r["Telepon"] for r in rows)  # officers get contacts


def test_matches_export(client, login, scene):
    login("officer")
    active = read_csv(client.get("/exports/matches.csv"))
    everything = read_csv(client.get("/exports/matches.csv?active=all"))
    assert len(active) == 4 and len(everything) == 5
    ended = [r for r in everything if r["Berakhir"]]
    assert [r["Alasan berakhir"] for r in ended] == ["Masa komitmen selesai"]


def test_contributions_export_uses_the_contribution_filters(app, client, login, scene):
    login("auditor")
    confirmed = read_xlsx(client.get("/exports/contributions.xlsx?status=confirmed"))
    assert len(confirmed) == 7
    assert all(r["Status"] == "Dikonfirmasi" for r in confirmed)
    rice = [r for r in confirmed if "Beras 2 karung 5 kg" in r["Barang"]]
    assert rice and all(isinstance(r["Nilai (Rp)"], int) for r in confirmed)
    in_k2 = read_csv(client.get("/exports/contributions.csv?kecamatan_code=19.71.02"))
    assert {r["Kecamatan"] for r in in_k2} == {"Taman Sari"}


def test_audit_export(client, login, scene):
    login("auditor")
    rows = read_csv(client.get("/exports/audit.csv?entity_type=child&action=change_status"))
    assert len(rows) == 1 and rows[0]["Tindakan"] == "change_status"
    assert '"status": ["active", "graduated"]' in rows[0]["Perubahan (JSON)"]
    assert len(rows[0]["Hash"]) == 64


@pytest.mark.parametrize("url", ["/exports/children.csv", "/exports/sponsors.xlsx",
                                 "/exports/matches.csv", "/exports/contributions.xlsx",
                                 "/exports/audit.csv"])
def test_field_staff_and_sponsors_cannot_export(client, login, regions, url):
    login("field")
    assert client.get(url).status_code == 403


def test_officers_cannot_export_the_audit_trail(client, login, regions):
    login("officer")
    assert client.get("/exports/audit.xlsx").status_code == 403


def test_each_export_is_recorded(app, client, login, users, scene):
    login("officer")
    client.get("/exports/children.csv?category=stunting")
    with app.app_context():
        record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "export")
                                   .order_by(AuditRecord.id.desc()))
    assert record.entity_type == "child" and record.user_id == users["officer"][0]
    assert record.changes["format"] == [None, "csv"]
    assert record.changes["filters"][1]["category"] == "stunting"


def test_formulas_typed_into_names_are_not_run(app, client, login, users, regions):
    with app.app_context():
        admin = db.session.get(User, users["admin"][0])
        factories.child(actor=admin, name="=HYPERLINK(\"http://x\")", guardian_name="+Ibu")
        db.session.commit()
    login("officer")
    row = read_csv(client.get("/exports/children.csv"))[0]
    assert row["Nama"].startswith("'=") and row["Nama ibu/wali"] == "'+Ibu"
    xlsx = read_xlsx(client.get("/exports/children.xlsx"))[0]
    assert xlsx["Nama"].startswith("'=")


def test_list_pages_offer_the_export_with_their_filters(client, login, scene):
    login("officer")
    html = client.get("/children?category=stunting&page=2").text
    assert 'href="/exports/children.csv?category=stunting"' in html
    assert 'href="/exports/children.xlsx?category=stunting"' in html
    assert "/exports/sponsors.csv?kind=asn" in client.get("/sponsors?kind=asn").text
    assert "/exports/matches.csv?active=all" in client.get("/matches?active=all").text
    assert "/exports/contributions.csv?status=confirmed" in client.get(
        "/contributions?status=confirmed").text


def test_field_staff_see_no_export_links(app, client, login, users, regions):
    login("field")
    assert "/exports/" not in client.get("/children").text
