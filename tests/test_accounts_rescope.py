"""Moving an existing account to another scope (issue 15): the rules in the use case,
the admin's page (form, confirmation, move) and ``flask --app app users set-scope``."""

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from asuh import timeutil
from asuh.accounts import rescope
from asuh.accounts.models import User
from asuh.audit.models import AuditRecord
from asuh.audit.queries import scope_condition
from asuh.errors import NotFoundError, NotPermitted, ValidationFailed
from asuh.extensions import db
from asuh.regions.services import assign_kelurahan, assigned_kelurahan
from tests import factories
from tests.conftest import sign_in
from tests.provcity import KAB, KAB_KEL, KAB_KEL_2, KOTA, KOTA_KEL, PROVINCE

PASSWORD = factories.PASSWORD


def _scope_records(user_id: int) -> list[AuditRecord]:
    return list(db.session.scalars(
        select(AuditRecord).where(AuditRecord.action == "change_scope",
                                  AuditRecord.entity_id == str(user_id))
        .order_by(AuditRecord.id)))


def _field_user(root, scope=KOTA, kelurahan=(KOTA_KEL,)):
    user = factories.user("field", scope=scope)
    assign_kelurahan(user, list(kelurahan), actor=root)
    return user


# --- the use case ------------------------------------------------------------------------


def test_an_installation_admin_moves_an_officer_audited_and_idempotent(app, province):
    with app.app_context():
        root = factories.user("admin")
        officer = factories.user("officer", scope=KOTA)
        assert rescope.change_scope(officer, KAB, actor=root) is True
        assert db.session.get(User, officer.id).scope_code == KAB
        records = _scope_records(officer.id)
        # One act, sealed in the new city and (so its own trail shows the officer leaving)
        # in the old one; both say old -> new.
        assert [r.scope_code for r in records] == [KAB, KOTA]
        assert all(r.changes["scope_code"] == [KOTA, KAB] for r in records)
        assert all(r.user_id == root.id for r in records)
        assert "Kota Pangkalpinang → Kabupaten Bangka" in records[0].summary
        # Each city's officers read the move in their trail, the province's once per city.
        for reader, expected in ((factories.user("auditor", scope=KOTA), 1),
                                 (factories.user("auditor", scope=KAB), 1),
                                 (factories.user("auditor", scope=PROVINCE), 2)):
            seen = db.session.scalars(select(AuditRecord.id).where(
                AuditRecord.action == "change_scope", scope_condition(reader))).all()
            assert len(seen) == expected, reader.scope_code
        # Again: nothing changes, nothing is written.
        assert rescope.change_scope(officer, KAB, actor=root) is False
        assert len(_scope_records(officer.id)) == 2


def test_an_auditor_goes_up_to_the_province_and_back(app, province):
    with app.app_context():
        root = factories.user("admin")
        auditor = factories.user("auditor", scope=KOTA)
        rescope.change_scope(auditor, PROVINCE, actor=root)
        assert auditor.scope_code == PROVINCE
        # The province's trail shows its cities' records too: one record is enough there,
        # and the city it left gets its own.
        assert [r.scope_code for r in _scope_records(auditor.id)] == [PROVINCE, KOTA]
        rescope.change_scope(auditor, KOTA, actor=root)
        assert auditor.scope_code == KOTA
        # Back down: the province's trail sees the city's record.
        assert [r.scope_code for r in _scope_records(auditor.id)] == [PROVINCE, KOTA, KOTA]
        # An admin may be made one of the whole installation, and back to a city.
        admin = factories.user("admin", scope=KOTA)
        rescope.change_scope(admin, None, actor=root)
        assert admin.scope_code is None
        rescope.change_scope(admin, KAB, actor=root)
        assert admin.scope_code == KAB


def test_roles_hold_only_their_kinds_of_scope(app, province):
    with app.app_context():
        root = factories.user("admin")
        field = _field_user(root)
        admin = factories.user("admin", scope=KOTA)
        sponsor = factories.user("sponsor")
        for user, code, why in ((field, PROVINCE, "bukan kode kabupaten/kota"),
                                (admin, PROVINCE, "bukan kode kabupaten/kota"),
                                (factories.user("officer", scope=KOTA), "19.71.01", "bukan kode"),
                                (factories.user("officer", scope=KOTA), "99.99", "bukan kode"),
                                (sponsor, KOTA, "tidak memiliki wilayah kerja"),
                                (sponsor, None, "tidak memiliki wilayah kerja")):
            with pytest.raises(ValidationFailed) as refused:
                rescope.change_scope(user, code, actor=root)
            assert why in str(refused.value), (user.role, code, str(refused.value))
        assert sponsor.scope_code is None
        db.session.rollback()


def test_a_city_admin_moves_only_within_their_city(app, province):
    with app.app_context():
        root = factories.user("admin")
        city_admin = factories.user("admin", scope=KOTA)
        mine = factories.user("officer", scope=KOTA)
        theirs = factories.user("officer", scope=KAB)
        provincial = factories.user("officer", scope=PROVINCE)
        for code in (KAB, PROVINCE):
            with pytest.raises(ValidationFailed) as refused:
                rescope.change_scope(mine, code, actor=city_admin)
            assert "di luar wilayah Anda" in str(refused.value)
        # Accounts outside their city do not exist for them.
        for other in (theirs, provincial):
            with pytest.raises(NotFoundError):
                rescope.change_scope(other, KOTA, actor=city_admin)
        assert (mine.scope_code, theirs.scope_code, provincial.scope_code) == (
            KOTA, KAB, PROVINCE)
        # Only admins move accounts.
        with pytest.raises(NotPermitted):
            rescope.change_scope(mine, KOTA, actor=factories.user("officer", scope=KOTA))
        assert rescope.change_scope(mine, KOTA, actor=city_admin) is False
        assert root.scope_code is None
        db.session.rollback()


def test_an_admin_never_widens_their_own_scope(app, province):
    with app.app_context():
        root = factories.user("admin")
        city_admin = factories.user("admin", scope=KOTA)
        for code in (KAB, PROVINCE):
            with pytest.raises(ValidationFailed) as refused:
                rescope.change_scope(city_admin, code, actor=city_admin)
            assert "tidak dapat memperluas wilayah akun Anda sendiri" in str(refused.value)
        # "No scope" from a city admin means their own city: no widening either.
        assert rescope.change_scope(city_admin, None, actor=city_admin) is False
        assert city_admin.scope_code == KOTA
        # Narrowing one's own is allowed: an installation admin becomes a city's ...
        assert rescope.change_scope(root, KOTA, actor=root) is True
        assert root.scope_code == KOTA
        # ... and cannot take it back alone.
        with pytest.raises(ValidationFailed) as refused:
            rescope.change_scope(root, KAB, actor=root)
        assert "memperluas" in str(refused.value)
        assert root.scope_code == KOTA
        db.session.rollback()


def test_a_field_user_moves_with_kelurahan_inside_the_new_scope(app, province):
    with app.app_context():
        root = factories.user("admin")
        field = _field_user(root)
        with pytest.raises(ValidationFailed) as refused:
            rescope.change_scope(field, KAB, actor=root)
        assert set(refused.value.errors) == {"kelurahan"}
        message = str(refused.value)
        assert "Semabung Lama tidak berada di Kabupaten Bangka" in message
        assert "Pilih kelurahan/desa baru" in message
        with pytest.raises(ValidationFailed) as refused:
            rescope.change_scope(field, KAB, actor=root, kelurahan=[KOTA_KEL])
        assert "tidak berada di Kabupaten Bangka" in str(refused.value)
        with pytest.raises(ValidationFailed):
            rescope.change_scope(field, KAB, actor=root, kelurahan=["19.01.99.9999"])
        assert field.scope_code == KOTA and assigned_kelurahan(field) == [KOTA_KEL]
        assert rescope.change_scope(field, KAB, actor=root, kelurahan=[KAB_KEL, KAB_KEL_2])
        assert field.scope_code == KAB
        assert sorted(assigned_kelurahan(field)) == [KAB_KEL, KAB_KEL_2]
        record = _scope_records(field.id)[0]
        assert record.changes["kelurahan"] == [[KOTA_KEL], [KAB_KEL, KAB_KEL_2]]
        # Idempotent with the same kelurahan, or with none given (kept: all inside).
        assert rescope.change_scope(field, KAB, actor=root,
                                    kelurahan=[KAB_KEL_2, KAB_KEL]) is False
        assert rescope.change_scope(field, KAB, actor=root) is False
        # Other kelurahan in the same city: the work-area record, no move.
        assert rescope.change_scope(field, KAB, actor=root, kelurahan=[KAB_KEL]) is True
        assert assigned_kelurahan(field) == [KAB_KEL]
        assert len(_scope_records(field.id)) == 2
        # A field user without kelurahan moves freely.
        bare = factories.user("field", scope=KOTA)
        assert rescope.change_scope(bare, KAB, actor=root) is True


# --- the next request sees the new scope ---------------------------------------------------


def test_the_move_holds_from_the_users_next_request(app, province):
    with app.app_context():
        root = factories.user("admin")
        officer = factories.user("officer", scope=KOTA)
        kota_child = factories.child(actor=root, kelurahan_code=KOTA_KEL,
                                     confirm_nik_warnings=True)
        kab_child = factories.child(actor=root, kelurahan_code=KAB_KEL,
                                    confirm_nik_warnings=True)
        db.session.commit()
        ids, email = (kota_child.id, kab_child.id), officer.email
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    token = app.test_client().post("/api/v1/tokens", json={
        "email": email, "password": PASSWORD}).json["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/children/{ids[0]}").status_code == 200
    assert client.get(f"/children/{ids[1]}").status_code == 404
    assert client.get(f"/api/v1/children/{ids[0]}", headers=bearer).status_code == 200
    with app.app_context():
        rescope.change_scope(db.session.get(User, _id(email)), KAB, actor=None)
    # Same cookie, same token: the old city is gone, the new one is there.
    assert client.get(f"/children/{ids[0]}").status_code == 404
    assert client.get(f"/children/{ids[1]}").status_code == 200
    assert client.get(f"/api/v1/children/{ids[0]}", headers=bearer).status_code == 404
    assert client.get(f"/api/v1/children/{ids[1]}", headers=bearer).status_code == 200
    listing = client.get("/children").text
    assert "Sungailiat" in listing or str(ids[1]) in listing


def _id(email: str) -> int:
    return db.session.scalar(select(User.id).where(User.email == email))


# --- the admin's page ---------------------------------------------------------------------


def _admin_client(app, scope=None):
    with app.app_context():
        admin = factories.user("admin", scope=scope)
        db.session.commit()
        email = admin.email
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def test_the_page_asks_then_confirms_then_moves(app, province):
    with app.app_context():
        officer = factories.user("officer", scope=KOTA, name="Petugas Pindah")
        db.session.commit()
        user_id = officer.id
    client = _admin_client(app)
    detail = client.get(f"/admin/users/{user_id}").text
    assert f"/admin/users/{user_id}/scope" in detail
    page = client.get(f"/admin/users/{user_id}/scope")
    assert page.status_code == 200 and "Kota Pangkalpinang" in page.text
    confirm = client.post(f"/admin/users/{user_id}/scope",
                          data={"scope_code": KAB})
    assert confirm.status_code == 200
    text = confirm.text
    assert "Periksa sebelum menyimpan" in text
    assert "hanya melihat data Kabupaten Bangka" in text
    assert "Data Kota Pangkalpinang di luar wilayah baru tidak lagi terlihat" in text
    with app.app_context():
        assert db.session.get(User, user_id).scope_code == KOTA  # not yet
    done = client.post(f"/admin/users/{user_id}/scope",
                       data={"scope_code": KAB,
                             "confirmed": "1"})
    assert done.status_code == 302 and done.location.endswith(f"/admin/users/{user_id}")
    with app.app_context():
        assert db.session.get(User, user_id).scope_code == KAB
        assert len(_scope_records(user_id)) == 2
    assert "sekarang Kabupaten Bangka" in client.get(done.location).text
    # Promoted to the province: the page says so.
    page = client.post(f"/admin/users/{user_id}/scope",
                       data={"scope_code": PROVINCE}).text
    assert "hanya melihat data Kepulauan Bangka Belitung" in page


def test_the_page_asks_a_field_user_for_new_kelurahan_and_keeps_the_choice(app, province):
    with app.app_context():
        root = factories.user("admin")
        field = _field_user(root)
        db.session.commit()
        user_id = field.id
    client = _admin_client(app)
    refused = client.post(f"/admin/users/{user_id}/scope",
                          data={"scope_code": KAB})
    assert refused.status_code == 200
    text = refused.text
    assert "Semabung Lama tidak berada di Kabupaten Bangka" in text
    # What was typed is kept, and the kelurahan offered are the new city's.
    assert re.search(rf'<option selected value="{re.escape(KAB)}"|'
                     rf'<option value="{re.escape(KAB)}" selected', text)
    assert f'value="{KAB_KEL}"' in text and f'value="{KOTA_KEL}"' not in text
    confirm = client.post(f"/admin/users/{user_id}/scope",
                          data={"scope_code": KAB,
                                "kelurahan": [KAB_KEL]}).text
    assert "Periksa sebelum menyimpan" in confirm and "Sungailiat" in confirm
    client.post(f"/admin/users/{user_id}/scope",
                data={"scope_code": KAB, "kelurahan": [KAB_KEL],
                      "confirmed": "1"})
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.scope_code == KAB and assigned_kelurahan(user) == [KAB_KEL]


def test_a_city_admins_page_offers_and_reaches_only_their_city(app, province):
    with app.app_context():
        mine = factories.user("officer", scope=KOTA)
        theirs = factories.user("officer", scope=KAB)
        sponsor = factories.user("sponsor")
        db.session.commit()
        ids = (mine.id, theirs.id, sponsor.id)
    client = _admin_client(app, scope=KOTA)
    page = client.get(f"/admin/users/{ids[0]}/scope").text
    assert f'value="{KAB}"' not in page and f'value="{PROVINCE}"' not in page
    assert client.get(f"/admin/users/{ids[1]}/scope").status_code == 404
    assert client.post(f"/admin/users/{ids[1]}/scope",
                       data={"scope_code": KOTA,
                             "confirmed": "1"}).status_code == 404
    # A forged post for another city is refused with the reason, and nothing moves.
    forged = client.post(f"/admin/users/{ids[0]}/scope",
                         data={"scope_code": KAB, "confirmed": "1"})
    assert forged.status_code == 200 and "di luar wilayah Anda" in forged.text
    with app.app_context():
        assert db.session.get(User, ids[0]).scope_code == KOTA
        assert db.session.get(User, ids[1]).scope_code == KAB


def test_a_sponsors_page_says_they_have_no_staff_scope(app, province):
    with app.app_context():
        sponsor = factories.user("sponsor")
        db.session.commit()
        user_id = sponsor.id
    client = _admin_client(app)
    page = client.get(f"/admin/users/{user_id}/scope")
    assert "tidak memiliki wilayah kerja petugas" in page.text
    client.post(f"/admin/users/{user_id}/scope",
                data={"scope_code": KOTA,
                      "confirmed": "1"})
    with app.app_context():
        assert db.session.get(User, user_id).scope_code is None


# --- the CLI ------------------------------------------------------------------------------


def test_users_set_scope(runner, app, province):
    with app.app_context():
        root = factories.user("admin")
        officer = factories.user("officer", scope=KOTA, email="pindah@example.id")
        field = _field_user(root)
        factories.user("sponsor", email="asuh@example.id")
        admin = factories.user("admin", scope=KOTA, email="admin.kota@example.id")
        db.session.commit()
        field_email, officer_id, admin_id = field.email, officer.id, admin.id
    result = runner.invoke(args=["users", "set-scope", "pindah@example.id", KAB])
    assert result.exit_code == 0 and "now works in 19.01" in result.output
    result = runner.invoke(args=["users", "set-scope", "pindah@example.id", KAB])
    assert result.exit_code == 0 and "nothing changed" in result.output
    result = runner.invoke(args=["users", "set-scope", "pindah@example.id", PROVINCE])
    assert result.exit_code == 0 and "now works in 19" in result.output
    for args, why in ((["nobody@example.id", KAB], "tidak ditemukan"),
                      (["asuh@example.id", KAB], "tidak memiliki wilayah kerja"),
                      (["pindah@example.id", "19.71.01"], "bukan kode"),
                      ([field_email, KAB], "Pilih kelurahan/desa baru"),
                      ([field_email, KAB, "--kelurahan", KOTA_KEL], "tidak berada di")):
        result = runner.invoke(args=["users", "set-scope", *args])
        assert result.exit_code != 0 and why in result.output, (args, result.output)
    result = runner.invoke(args=["users", "set-scope", field_email, KAB,
                                 "--kelurahan", KAB_KEL, "--kelurahan", KAB_KEL_2])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["users", "set-scope", "admin.kota@example.id", "-"])
    assert result.exit_code == 0 and "the whole installation" in result.output
    with app.app_context():
        assert db.session.get(User, officer_id).scope_code == PROVINCE
        moved = db.session.scalar(select(User).where(User.email == field_email))
        assert moved.scope_code == KAB
        assert sorted(assigned_kelurahan(moved)) == [KAB_KEL, KAB_KEL_2]
        assert db.session.get(User, admin_id).scope_code is None
        # Every change was audited (in the new scope and the city left), the no-op not.
        assert [r.scope_code for r in _scope_records(officer_id)] == [KAB, KOTA, PROVINCE, KAB]


def test_a_job_asked_for_before_a_move_is_not_the_movers_any_more(app, province):
    from asuh.exports.export_job import KIND
    from asuh.jobs import services as jobs

    with app.app_context():
        root = factories.user("admin")
        officer = factories.user("officer", scope=KOTA)
        kota_admin = factories.user("admin", scope=KOTA)
        kab_admin = factories.user("admin", scope=KAB)
        job = jobs.submit(KIND, {"name": "children", "fmt": "csv", "args": []},
                          actor=officer)
        assert jobs.load_for(officer, job.id) is job
        assert jobs.load_for(kota_admin, job.id) is job
        rescope.change_scope(officer, KAB, actor=root)
        # Its file would hold Kota Pangkalpinang's data: not the officer's any more, nor
        # their new city's admin's; the installation's admin still sees it.
        for who in (officer, kab_admin, kota_admin):
            with pytest.raises(NotFoundError):
                jobs.load_for(who, job.id)
        assert jobs.load_for(root, job.id) is job
        # What they ask for after the move is theirs.
        later = jobs.submit(KIND, {"name": "children", "fmt": "csv", "args": []},
                            actor=officer)
        with time_machine.travel(timeutil.utcnow() + timedelta(seconds=1), tick=False):
            later.created_at = timeutil.utcnow()
            db.session.flush()
            assert jobs.load_for(officer, later.id) is later
            assert jobs.load_for(kab_admin, later.id) is later
        db.session.rollback()


def test_an_admin_cannot_widen_their_own_scope_on_the_page(app, province):
    with app.app_context():
        admin = factories.user("admin", scope=KOTA)
        db.session.commit()
        admin_id, email = admin.id, admin.email
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    for code in (PROVINCE, KAB):
        refused = client.post(f"/admin/users/{admin_id}/scope",
                              data={"scope_code": code, "confirmed": "1"})
        assert refused.status_code == 200
        assert "tidak dapat memperluas wilayah akun Anda sendiri" in refused.text
    with app.app_context():
        assert db.session.get(User, admin_id).scope_code == KOTA
