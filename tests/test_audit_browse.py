"""Auditors browse, filter and page through the trail (page and API); it cannot be changed."""

from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from asuh import timeutil
from asuh.accounts.models import User
from asuh.audit import appendonly
from asuh.audit import queries as audit_queries
from asuh.audit.models import AuditRecord
from asuh.children import services as children
from asuh.extensions import db
from tests import factories


@pytest.fixture
def history(app, users, regions):
    """Two children made and changed by the officer, one sponsor by the admin."""
    with app.app_context():
        officer = db.session.get(User, users["officer"][0])
        admin = db.session.get(User, users["admin"][0])
        first = factories.child(actor=officer, name="Anak Pertama")
        second = factories.child(actor=officer, name="Anak Kedua")
        values = {f: getattr(first, f) for f in children.CHILD_FIELDS}
        children.update_child(first, {**values, "address": "Jl. Baru No. 1"}, actor=officer)
        sponsor = factories.sponsor(actor=admin)
        db.session.commit()
        return {"first": first.id, "second": second.id, "sponsor": sponsor.id,
                "officer": officer.id, "admin": admin.id}


@pytest.mark.parametrize("role", ["admin", "auditor"])
def test_auditors_and_admins_browse_newest_first(client, login, history, role):
    login(role)
    html = client.get("/audit").text
    assert html.index("Jl. Baru No. 1") < html.index("Anak Kedua didaftarkan")
    assert html.index("Anak Kedua didaftarkan") < html.index("Anak Pertama didaftarkan")
    # The correction shows the address before and after.
    # Labels, not field names (issue 18).
    assert "<th scope=\"row\">Alamat</th>" in html and "Jl. Baru No. 1" in html
    assert ">address<" not in html
    assert f'href="/children/{history["first"]}"' in html


@pytest.mark.parametrize("role", ["officer", "field", "sponsor"])
def test_others_cannot_read_the_trail(client, login, history, role):
    login(role)
    assert client.get("/audit").status_code == 403


def test_filters(client, login, history):
    login("auditor")
    by_user = client.get(f"/audit?user_id={history['admin']}").text
    assert "Bapak/Bunda Asuh" in by_user and "Anak Pertama didaftarkan" not in by_user
    one_child = client.get(f"/audit?entity_type=child&entity_id={history['first']}").text
    assert "Anak Pertama didaftarkan" in one_child and "Anak Kedua" not in one_child
    updates = client.get("/audit?action=update&entity_type=child").text
    assert "diperbaiki" in updates and "didaftarkan" not in updates
    tomorrow = (timeutil.today() + timedelta(days=1)).isoformat()
    assert "Tidak ada catatan" in client.get(f"/audit?since={tomorrow}").text
    today = timeutil.today().isoformat()
    assert "Anak Pertama" in client.get(f"/audit?since={today}&until={today}").text
    assert client.get("/audit?since=yesterday&user_id=x").status_code == 200


def test_pages_keep_the_filters(app, client, login, history):
    with app.app_context():
        admin = db.session.get(User, history["admin"])
        for _ in range(55):
            factories.child(actor=admin)
        db.session.commit()
    login("auditor")
    html = client.get("/audit?entity_type=child").text
    assert "Halaman 1 dari 2" in html
    assert "/audit?page=2&amp;entity_type=child" in html
    assert "Lebih lama" in html


def test_keyset_pages_of_the_api(app, client, api_token, history):
    headers = api_token("auditor")
    with app.app_context():
        total = db.session.scalar(select(db.func.count(AuditRecord.id)))
    seen, cursor = [], None
    while True:
        url = "/api/v1/audit?limit=3" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url, headers=headers).json
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen, reverse=True)
    assert len(seen) == len(set(seen)) >= total


def test_api_filters_and_shape(client, api_token, history):
    headers = api_token("admin")
    body = client.get(f"/api/v1/audit?entity_type=child&entity_id={history['first']}",
                      headers=headers).json
    assert [item["action"] for item in body["items"]] == ["update", "create"]
    update = body["items"][0]
    assert update["changes"]["address"][1] == "Jl. Baru No. 1"
    assert update["user_id"] == history["officer"] and update["at"].endswith("Z")
    assert len(update["hash"]) == 64 and body["next_cursor"] is None
    only_admin = client.get(f"/api/v1/audit?user_id={history['admin']}&action=create",
                            headers=headers).json["items"]
    assert {item["entity_type"] for item in only_admin} == {"sponsor", "user"}  # + its login


@pytest.mark.parametrize("query", ["cursor=nonsense", "limit=0", "limit=1000", "limit=x",
                                   "since=2026-13-01", "user_id=abc"])
def test_api_refuses_bad_parameters(client, api_token, history, query):
    response = client.get(f"/api/v1/audit?{query}", headers=api_token("auditor"))
    assert response.status_code == 422


@pytest.mark.parametrize("role", ["officer", "field", "sponsor"])
def test_api_needs_the_audit_permission(client, api_token, history, role):
    assert client.get("/api/v1/audit", headers=api_token(role)).status_code == 403


def test_cursor_round_trip():
    assert audit_queries.decode_cursor(audit_queries.encode_cursor(12345)) == 12345


# --- append-only --------------------------------------------------------------------


def test_the_database_refuses_to_change_or_delete_records(app, history):
    with app.app_context():
        record_id = db.session.scalar(select(db.func.min(AuditRecord.id)))
        for sql in ("UPDATE audit_records SET summary = 'x' WHERE id = :id",
                    "DELETE FROM audit_records WHERE id = :id"):
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(text(sql), {"id": record_id})
            db.session.rollback()
        assert db.session.get(AuditRecord, record_id).summary != "x"


def test_the_orm_cannot_change_a_record_either(app, history):
    with app.app_context():
        record = db.session.scalar(select(AuditRecord).limit(1))
        record.summary = "dirapikan"
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.commit()
        db.session.rollback()


def test_migration_installs_the_same_triggers_as_the_app(app):
    with app.app_context(), db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            names = set(conn.execute(text(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_records'::regclass "
                "AND NOT tgisinternal")).scalars())
        else:
            names = set(conn.execute(text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'audit_records'")).scalars())
    assert names == set(appendonly.TRIGGERS)


def test_a_dba_who_drops_the_triggers_is_still_caught(app, runner, history):
    with app.app_context():
        victim = db.session.scalar(select(db.func.max(AuditRecord.id)))
        appendonly.remove(db.session.connection())
        db.session.execute(text("UPDATE audit_records SET summary = 'x' WHERE id = :id"),
                           {"id": victim})
        db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"record {victim}: contents do not match" in result.output
