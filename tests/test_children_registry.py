"""Registering children: NIK rules and warnings, duplicates, corrections, status changes."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from asuh import timeutil
from asuh.audit.models import AuditRecord
from asuh.children import services
from asuh.children.models import Child
from asuh.errors import ValidationFailed
from asuh.extensions import db
from tests import factories
from tests.clock import SUITE_DAY

BIRTH = SUITE_DAY - timedelta(days=500)


def form_data(**overrides) -> dict:
    values = factories.child_values(**{"birth_date": BIRTH, **overrides})
    values["birth_date"] = values["birth_date"].isoformat()
    return {k: v for k, v in values.items() if v is not None}


def test_officer_registers_a_child_through_the_form(client, login, regions, app):
    login("officer")
    data = form_data(guardian_phone="0812 3456 7890")
    response = client.post("/children/new", data=data)
    assert response.status_code == 302
    with app.app_context():
        child = db.session.scalar(select(Child).where(Child.nik == data["nik"]))
        assert (child.name, child.sex, child.birth_date, child.status) == (
            data["name"], "L", BIRTH, "active")
        assert child.guardian_phone == "081234567890"
        assert child.nik_warnings is None
        entry = db.session.scalar(select(AuditRecord).where(
            AuditRecord.entity_type == "child", AuditRecord.action == "create"))
        assert entry.entity_id == str(child.id)
        # Auditors read the trail: the NIK in it is masked.
        assert data["nik"] not in str(entry.changes)
    page = client.get(response.headers["Location"])
    assert data["nik"] in page.text  # officers see the whole NIK


def test_nik_that_disagrees_needs_the_officers_confirmation(client, login, regions, app):
    login("officer")
    # The NIK says a boy born on BIRTH, the form says a girl born a day later.
    data = form_data(sex="P", birth_date=BIRTH + timedelta(days=1),
                     nik=factories.child_nik(BIRTH, "L", 77))
    response = client.post("/children/new", data=data)
    assert response.status_code == 200
    assert "NIK tidak cocok" in response.text
    assert "Saya sudah memeriksa, simpan" in response.text
    assert "Jenis kelamin pada NIK (laki-laki)" in response.text
    assert f'value="{data["name"]}"' in response.text  # the input stays in the form
    with app.app_context():
        assert db.session.scalar(select(Child)) is None

    response = client.post("/children/new", data={**data, "confirm_nik_warnings": "y"})
    assert response.status_code == 302
    with app.app_context():
        child = db.session.scalar(select(Child))
        assert "Tanggal lahir pada NIK" in child.nik_warnings
        assert "Jenis kelamin pada NIK" in child.nik_warnings


def test_malformed_nik_is_an_error_not_a_warning(client, login, regions):
    login("officer")
    response = client.post("/children/new", data=form_data(nik="1971013202240001",
                                                           confirm_nik_warnings="y"))
    assert response.status_code == 200
    assert "Tanggal lahir pada NIK (32)" in response.text
    assert "NIK tidak cocok" not in response.text


def test_service_rules(app_ctx, regions):
    with pytest.raises(ValidationFailed) as info:
        services.create_child(factories.child_values(
            name=" ", guardian_name="", address="", kelurahan_code="19.71.99.9999",
            guardian_phone="12ab", birth_date=timeutil.today() + timedelta(days=1)))
    assert set(info.value.errors) == {"name", "guardian_name", "address", "kelurahan_code",
                                      "guardian_phone", "birth_date"}
    too_old = timeutil.today() - timedelta(days=1827)
    with pytest.raises(ValidationFailed) as info:
        services.create_child(factories.child_values(birth_date=too_old))
    assert "59 bulan" in info.value.errors["birth_date"][0]


def test_duplicate_nik_is_409(app_ctx, regions):
    first = factories.child()
    with pytest.raises(ValidationFailed) as info:
        factories.child(nik=first.nik)
    assert info.value.status == 409 and "nik" in info.value.errors


def test_status_changes_with_a_reason_and_is_audited(client, login, regions, app):
    with app.app_context():
        child_id = factories.child().id
        db.session.commit()
    login("officer")
    response = client.post(f"/children/{child_id}/status", data={"status": "moved",
                                                                 "reason": ""})
    assert response.status_code == 200
    assert "Alasan wajib diisi" in response.text
    response = client.post(f"/children/{child_id}/status",
                           data={"status": "moved", "reason": "Pindah ke Kota Bogor"})
    assert response.status_code == 302
    with app.app_context():
        child = db.session.get(Child, child_id)
        assert (child.status, child.status_reason) == ("moved", "Pindah ke Kota Bogor")
        assert child.status_changed_at is not None
        entry = db.session.scalar(select(AuditRecord).where(
            AuditRecord.action == "change_status"))
        assert entry.changes["status"] == ["active", "moved"]
    # A moved child leaves the default (active) list but is never deleted.
    link = f'href="/children/{child_id}"'
    assert link not in client.get("/children").text
    assert link in client.get("/children?status=all").text


def test_status_change_refuses_the_same_status_and_unknown_ones(app_ctx, regions):
    child = factories.child()
    with pytest.raises(ValidationFailed) as info:
        services.change_status(child, "active", "tetap")
    assert "status" in info.value.errors
    with pytest.raises(ValidationFailed):
        services.change_status(child, "deleted", "hapus")


def test_correcting_birth_date_reassesses_measurements(app_ctx, regions):
    child = factories.child(birth_date=BIRTH)
    factories.measurement(child, height_cm="74.0", weight_kg="9.0")
    before = child.latest_haz
    values = {**{f: getattr(child, f) for f in services.CHILD_FIELDS},
              "birth_date": BIRTH + timedelta(days=60)}
    values["nik"] = factories.child_nik(values["birth_date"], "L", 5)
    services.update_child(child, values)
    assert child.latest_haz > before  # younger, so the same length is less short
    entry = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "update"))
    assert "birth_date" in entry.changes


def test_edit_keeps_confirmed_warnings_without_asking_again(app_ctx, regions):
    child = factories.child(sex="P", nik=factories.child_nik(BIRTH, "L", 9), birth_date=BIRTH,
                            confirm_nik_warnings=True)
    values = {**{f: getattr(child, f) for f in services.CHILD_FIELDS}, "name": "Nama Baru"}
    services.update_child(child, values)  # same warnings as confirmed: no NikWarnings
    assert child.name == "Nama Baru"
    values["birth_date"] = BIRTH + timedelta(days=3)
    with pytest.raises(services.NikWarnings):
        services.update_child(child, values)


def test_a_child_past_five_can_still_be_corrected(app_ctx, regions):
    child = factories.child(birth_date=timeutil.today() - timedelta(days=1800))
    values = {**{f: getattr(child, f) for f in services.CHILD_FIELDS},
              "guardian_phone": "081299998888"}
    later = timeutil.today() + timedelta(days=100)
    services.update_child(child, values, today=later)
    assert child.guardian_phone == "081299998888"
    values["birth_date"] = child.birth_date - timedelta(days=1)
    with pytest.raises(ValidationFailed) as info:
        services.update_child(child, values, today=later, confirm_nik_warnings=True)
    assert "59 bulan" in info.value.errors["birth_date"][0]
