"""The audit trail is a hash chain; tampering behind the app's back is detected."""

from sqlalchemy import text

from asuh.audit import appendonly
from asuh.audit.models import AuditRecord
from asuh.extensions import db


def _some_history(client, users):
    client.post("/login", data={"email": users["officer"][1], "password": "wrong"})
    client.post("/logout")


def _act_as_dba() -> None:
    """Someone with the database's own powers drops the append-only triggers first."""
    appendonly.remove(db.session.connection())


def test_chain_verifies_when_untouched(runner, client, users):
    _some_history(client, users)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "intact" in result.output


def test_altered_record_is_named(runner, client, users, app):
    _some_history(client, users)
    with app.app_context():
        victim = db.session.scalars(db.select(AuditRecord.id).order_by(AuditRecord.id)).all()[2]
        _act_as_dba()
        db.session.execute(text("UPDATE audit_records SET summary = 'edited' WHERE id = :id"),
                           {"id": victim})
        db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"record {victim}: contents do not match" in result.output


def test_removed_record_is_detected(runner, client, users, app):
    _some_history(client, users)
    with app.app_context():
        ids = db.session.scalars(db.select(AuditRecord.id).order_by(AuditRecord.id)).all()
        _act_as_dba()
        db.session.execute(text("DELETE FROM audit_records WHERE id = :id"), {"id": ids[1]})
        db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"record {ids[2]}: previous hash" in result.output


def test_removed_newest_record_is_detected(runner, client, users, app):
    _some_history(client, users)
    with app.app_context():
        last = db.session.scalar(db.select(db.func.max(AuditRecord.id)))
        _act_as_dba()
        db.session.execute(text("DELETE FROM audit_records WHERE id = :id"), {"id": last})
        db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "chain head" in result.output
