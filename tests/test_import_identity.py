"""Identity before update (issue 11): a NIK alone never makes a row a registered child.

Each file is shaped like the ones the issue describes: a row carrying child #1's NIK but
another child's name, sex, birth date and kelurahan; siblings under their mother's NIK;
children without a NIK. The first two tests are the issue's failures as reported; on the
code before this change they fail (child #1 is overwritten, the siblings become one).
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from asuh.accounts.models import User
from asuh.audit.models import AuditRecord
from asuh.children import importing
from asuh.children.import_identity import Decision, similar_names
from asuh.children.importfile import read_child_rows
from asuh.children.models import Child, Measurement
from asuh.errors import ValidationFailed
from asuh.extensions import db
from tests import factories
from tests.test_children_import import BIRTH, SEEN, counts, csv_file, dmy, row, upload

OTHER_BIRTH = BIRTH - timedelta(days=200)


def imported(rows, **kwargs):
    return importing.import_children(read_child_rows("posyandu.csv", csv_file(rows)), **kwargs)


def import_audits() -> int:
    return db.session.scalar(select(func.count(AuditRecord.id)).where(
        AuditRecord.action == "import", AuditRecord.entity_type == "child"))


def collision_row():
    """Child #1's NIK on another child: other name, sex, birth date and kelurahan."""
    return row(1, Nama="Muhammad Fajar", **{
        "JK (L/P)": "L", "Tgl Lahir": dmy(OTHER_BIRTH), "Kec": "GERUNGGANG",
        "Desa/Kel": "TAMAN BUNGA", "Nama Ortu": "Ibu Lain", "Berat": "10,1", "Tinggi": "80,2",
        "Cara Ukur": "Berdiri", "Tanggal Pengukuran": dmy(SEEN - timedelta(days=3))})


def child_one():
    imported([row(1)])
    child = db.session.scalar(select(Child))
    child.is_matched = True  # matched to a sponsor, as in the report
    db.session.commit()
    return child


def snapshot(child) -> tuple:
    haz = db.session.scalars(select(Measurement.haz).where(Measurement.child_id == child.id))
    return (child.name, child.sex, child.birth_date, child.kelurahan_code, child.is_matched,
            sorted(haz))


def test_a_nik_collision_no_longer_overwrites_another_child(app_ctx, regions):
    child = child_one()
    before = snapshot(child)
    with pytest.raises(importing.ImportRefused) as refused:
        imported([collision_row()])
    db.session.rollback()
    [outcome] = refused.value.preview.rows
    assert outcome.action == "conflict"
    assert outcome.conflict["name"] == "Anak Impor 1"
    assert outcome.file_identity["name"] == "Muhammad Fajar"
    db.session.expire_all()
    assert snapshot(db.session.get(Child, child.id)) == before
    assert counts() == (1, 1)


def test_siblings_sharing_the_mothers_nik_become_two_children(app_ctx, regions):
    mother = factories.child_nik(BIRTH, "P", 77)
    older = row(1, NIK=mother, Nama="Rina Marlina", **{
        "Tgl Lahir": dmy(OTHER_BIRTH), "Berat": "10,2", "Tinggi": "80,1",
        "Tanggal Pengukuran": dmy(SEEN - timedelta(days=20))})
    younger = row(2, NIK=mother, Nama="Dewi Lestari")
    preview = imported([older, younger])
    assert preview.children_created == 2 and preview.measurements_created == 2
    children = db.session.scalars(select(Child).order_by(Child.birth_date)).all()
    assert [(c.name, c.nik, c.nik_status) for c in children] == [
        ("Rina Marlina", mother, "parent"), ("Dewi Lestari", mother, "parent")]
    for child, height in zip(children, ("80.1", "74.5"), strict=True):
        [measurement] = db.session.scalars(select(Measurement).where(
            Measurement.child_id == child.id))
        assert measurement.height_cm == Decimal(height)  # each child's own measurement
    again = imported([older, younger])
    assert (again.children_created, again.children_unchanged, again.measurements_created) \
        == (0, 2, 0)
    assert counts() == (2, 2) and import_audits() == 1


def test_the_officer_decides_a_conflict_as_another_child(app_ctx, regions):
    child = child_one()
    before = snapshot(child)
    line = 2
    preview = imported([collision_row()], decisions={line: Decision("other")})
    assert preview.children_created == 1
    new = db.session.scalar(select(Child).where(Child.id != child.id))
    assert (new.name, new.nik, new.nik_status) == ("Muhammad Fajar", child.nik, "not_own")
    assert new.nik_status_label == "NIK bukan milik anak"
    assert snapshot(db.session.get(Child, child.id)) == before
    again = imported([collision_row()], decisions={line: Decision("other")})
    assert again.children_unchanged == 1 and counts() == (2, 2)


def test_the_officer_decides_a_conflict_as_the_same_child_with_a_reason(app_ctx, regions,
                                                                        users):
    child = child_one()
    with pytest.raises(importing.ImportRefused) as refused:
        imported([collision_row()], decisions={2: Decision("same", "  ")})
    db.session.rollback()
    assert "Alasan perbaikan data anak wajib diisi." in refused.value.preview.rows[0].errors
    officer = db.session.get(User, users["officer"][0])
    preview = imported([collision_row()], decisions={2: Decision("same", "Salah ketik KIA")},
                       actor=officer)
    assert preview.children_updated == 1 and counts() == (1, 2)
    corrected = db.session.get(Child, child.id)
    assert (corrected.name, corrected.sex, corrected.birth_date) == (
        "Muhammad Fajar", "L", OTHER_BIRTH)
    record = db.session.scalar(select(AuditRecord).where(
        AuditRecord.action == "update", AuditRecord.entity_id == str(child.id)))
    assert "Salah ketik KIA" in record.summary
    assert record.changes["reason"] == [None, "Salah ketik KIA"]
    assert record.changes["sex"] == ["P", "L"]
    # Re-importing the same file: the child is now recognised, nothing changes.
    assert imported([collision_row()]).children_unchanged == 1


def test_the_preview_page_shows_both_identities_and_takes_the_decision(client, login, regions,
                                                                       app):
    with app.app_context():
        child_id = child_one().id
    login("officer")
    preview_url = upload(client, csv_file([collision_row(), row(3)])).headers["Location"]
    page = client.get(preview_url).text
    assert "NIK yang dipakai anak lain (1)" in page
    assert "Anak Impor 1" in page and "Muhammad Fajar" in page
    assert f"A-{child_id:06d}" in page and "Taman Bunga" in page and "Bacang" in page
    assert 'name="decision-2" value="other"' in page
    response = client.post(f"{preview_url}/confirm",
                           data={"mode": "all", "decision-2": "other", "reason-2": ""})
    assert response.status_code == 302
    with app.app_context():
        assert counts() == (3, 3)
        assert db.session.scalar(select(Child.nik_status).where(
            Child.name == "Muhammad Fajar")) == "not_own"


@pytest.mark.parametrize("blank", ["", "0000000000000000", "0"])
def test_a_child_without_a_nik_is_accepted_and_a_later_nik_attaches(app_ctx, regions, blank):
    no_nik = row(5, NIK=blank, Nama="Bayi Ny. Sari")
    preview = imported([row(1), no_nik])
    assert preview.children_created == 2
    child = db.session.scalar(select(Child).where(Child.nik.is_(None)))
    assert child.nik_status == "missing" and child.nik_status_label == "NIK belum ada"
    assert child.registry_number == f"A-{child.id:06d}"
    # The same file again: the child without a NIK is recognised, not registered twice.
    assert imported([row(1), no_nik]).children_unchanged == 2 and counts() == (2, 2)
    given = factories.child_nik(BIRTH, "P", 55)
    later = row(5, NIK=given, Nama="Sari Wulandari Putri", **{
        "Tanggal Pengukuran": dmy(SEEN + timedelta(days=5)), "Tinggi": "74,9"})
    later["Nama"] = "Sari"
    assert imported([later]).children_updated == 1
    db.session.refresh(child)
    assert (child.nik, child.nik_status) == (given, "own") and counts() == (2, 3)


def test_a_registered_child_is_updated_only_when_the_identity_agrees(app_ctx, regions):
    imported([row(1)])
    spelled = row(1, Nama="ANAK IMPOR 1", **{"Nama Ortu": "Ibu Baru", "Tanggal Pengukuran":
                                             dmy(SEEN + timedelta(days=3))})
    preview = imported([spelled])
    assert preview.children_updated == 1 and preview.rows[0].changes == ["Nama", "Nama ibu/wali"]
    assert counts() == (1, 2)


def test_the_registration_form_refuses_a_childs_own_nik_but_not_a_parents(app_ctx, regions):
    mother = factories.child_nik(BIRTH, "P", 77)
    imported([row(1, NIK=mother, Nama="Rina", **{"Tgl Lahir": dmy(OTHER_BIRTH)}),
              row(2, NIK=mother, Nama="Dewi")])
    # A parent's NIK is no one's own: the form may register it, once, as a child's own.
    factories.child(nik=mother, name="Kakak Ketiga", confirm_nik_warnings=True)
    with pytest.raises(ValidationFailed, match="sudah terdaftar untuk anak lain"):
        factories.child(nik=mother, name="Adik Keempat", confirm_nik_warnings=True)


@pytest.mark.parametrize(("first", "second", "similar"), [
    ("SITI AMINAH", "Aminah, Siti", True),
    ("Siti", "Siti Aminah", True),
    ("Rizky Ramadhan", "Rizki Ramadan", True),
    ("An. Budi Santoso", "budi santoso", True),
    ("Hasan", "Husain", False),
    ("Aldi", "Aldo", False),
    ("Anak Impor 1", "Muhammad Fajar", False),
    ("", "Budi", False),
])
def test_similar_names(first, second, similar):
    assert similar_names(first, second) is similar


def test_an_officer_gives_a_nik_later_on_the_childs_form(app_ctx, regions, users):
    from asuh.children import services

    imported([row(5, NIK="", Nama="Bayi Tanpa NIK")])
    child = db.session.scalar(select(Child))
    officer = db.session.get(User, users["officer"][0])
    values = {name: getattr(child, name) for name in services.CHILD_FIELDS}
    services.update_child(child, {**values, "guardian_phone": "081234567890"}, actor=officer)
    assert (child.nik, child.nik_status) == (None, "missing")  # other data, marker kept
    given = factories.child_nik(BIRTH, "P", 55)
    services.update_child(child, {**values, "nik": given}, actor=officer)
    assert (child.nik, child.nik_status) == (given, "own")
    with pytest.raises(ValidationFailed, match="NIK"):
        services.update_child(child, {**values, "nik": ""}, actor=officer)


def test_child_pages_show_the_registry_number_and_the_nik_marker(client, login, regions, app):
    with app.app_context():
        imported([row(5, NIK="", Nama="Bayi Tanpa NIK")])
        db.session.commit()
        child_id = db.session.scalar(select(Child.id))
    login("officer")
    page = client.get(f"/children/{child_id}").text
    assert f"A-{child_id:06d}" in page and "NIK belum ada" in page and "None" not in page
    assert "NIK belum ada" in client.get("/children?status=all").text
    edit = client.get(f"/children/{child_id}/edit")
    assert edit.status_code == 200


def test_a_correction_that_old_measurements_cannot_bear_changes_nothing(app_ctx, regions):
    imported([row(1, **{"Tanggal Pengukuran": dmy(SEEN - timedelta(days=30))})])
    child = db.session.scalar(select(Child))
    before = snapshot(child)
    newborn = row(1, Nama="Muhammad Fajar", **{
        "JK (L/P)": "L", "Tgl Lahir": dmy(SEEN - timedelta(days=5)), "Berat": "3,4",
        "Tinggi": "50,1"})
    preview = imported([newborn, row(2)], partial=True,
                       decisions={2: Decision("same", "Tanggal lahir salah")})
    assert [r.line for r in preview.rejected] == [2]
    assert any("Pengukuran lama" in e for e in preview.rows[0].errors)
    db.session.expire_all()
    assert snapshot(db.session.get(Child, child.id)) == before and counts() == (2, 2)
