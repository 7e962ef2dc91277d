"""The keyed chain: the attack from issue 12 (alter, delete, re-chain) is caught without
the key; anchors catch even a key holder; the failed sign-in record holds no typed text."""

import os
import stat

import pytest
from flask import Flask
from sqlalchemy import select

from asuh.audit import appendonly, key
from asuh.audit.chain import ChainHead, chain_head, keyed_digest, legacy_digest
from asuh.audit.models import AuditHead, AuditRecord
from asuh.extensions import db
from tests.conftest import sign_in


def _history(client, users, rounds=3):
    for _ in range(rounds):
        client.post("/login", data={"email": users["officer"][1], "password": "wrong"})
        sign_in(client, users["admin"][1])
        client.post("/logout")


def _tamper(app, seal, *, alter: int, delete: int | None = None, rechain_from: int):
    """Act as a DBA: drop the append-only triggers, alter one record, delete another, then
    recompute every hash from ``rechain_from`` on with ``seal`` and move the head."""
    with app.app_context():
        appendonly.remove(db.session.connection())
        victim = db.session.get(AuditRecord, alter)
        victim.summary = "tidak pernah terjadi"
        if delete is not None:
            db.session.delete(db.session.get(AuditRecord, delete))
        db.session.flush()
        rows = db.session.scalars(select(AuditRecord).order_by(AuditRecord.id)).all()
        prev = next((r.hash for r in reversed(rows) if r.id < rechain_from), "0" * 64)
        for row in rows:
            if row.id >= rechain_from:
                row.prev_hash = prev
                row.hash = seal(row)
                prev = row.hash
                db.session.flush()
        head = db.session.get(AuditHead, 1)
        head.last_hash, head.last_seq = prev, rows[-1].id
        db.session.commit()


@pytest.mark.parametrize("seal", [legacy_digest, lambda r: keyed_digest(r, b"a guessed key")],
                         ids=["plain-sha256", "wrong-key"])
def test_alter_delete_and_rechain_without_the_key_is_named(runner, client, users, app, seal):
    _history(client, users)
    with app.app_context():
        ids = db.session.scalars(select(AuditRecord.id).order_by(AuditRecord.id)).all()
    assert ids == list(range(1, len(ids) + 1)), "records are numbered without gaps"
    altered, deleted = ids[3], ids[4]
    _tamper(app, seal, alter=altered, delete=deleted, rechain_from=altered)

    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1, result.output
    assert f"record {altered}: contents do not match" in result.output
    assert f"record {deleted} missing (removed)" in result.output
    assert "intact" not in result.output


def test_untouched_keyed_chain_verifies_and_reports_its_head(runner, client, users, app):
    _history(client, users)
    with app.app_context():
        head = chain_head()
        last = db.session.scalar(select(AuditRecord).order_by(AuditRecord.id.desc()))
        assert (head.seq, head.hash) == (last.id, last.hash)
    result = runner.invoke(args=["audit", "verify", "--anchor", str(head)])
    assert result.exit_code == 0, result.output
    assert f"Anchor {head.seq} matches" in result.output


def test_anchor_catches_a_rewrite_by_a_key_holder(runner, client, users, app):
    _history(client, users, rounds=1)
    with app.app_context():
        anchor = chain_head()
    _history(client, users, rounds=1)
    # Someone with the key alters a record before the anchor and re-seals everything.
    _tamper(app, keyed_digest, alter=2, rechain_from=2)
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0, "the key re-seals"
    result = runner.invoke(args=["audit", "verify", "--anchor", str(anchor)])
    assert result.exit_code == 1
    assert f"record {anchor.seq}: hash differs from the anchor" in result.output


def test_anchor_beyond_a_truncated_trail_is_named(runner, client, users, app):
    _history(client, users, rounds=2)
    with app.app_context():
        anchor = chain_head()
        appendonly.remove(db.session.connection())
        last = db.session.get(AuditRecord, anchor.seq)
        db.session.delete(last)
        head = db.session.get(AuditHead, 1)
        head.last_hash, head.last_seq = last.prev_hash, anchor.seq - 1
        db.session.commit()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0, "truncation alone hides"
    result = runner.invoke(args=["audit", "verify", "--anchor", str(anchor)])
    assert result.exit_code == 1
    assert f"record {anchor.seq} of the anchor is not in the trail" in result.output


def test_a_malformed_anchor_is_refused(runner, app):
    result = runner.invoke(args=["audit", "verify", "--anchor", "12:nothex"])
    assert result.exit_code == 2
    assert "SEQ:HASH" in result.output
    assert ChainHead.parse("3:" + "A" * 64) == ChainHead(3, "a" * 64)


def test_failed_sign_in_records_a_masked_email(client, users, app):
    typed = "budi.santoso+<script>alert(1)</script>@contoh.example.com"
    client.post("/login", data={"email": typed, "password": "salah"})
    with app.app_context():
        entry = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "login_failed"))
    assert "script" not in entry.summary and "santoso" not in entry.summary
    assert entry.summary == "Gagal masuk sebagai b•••@c•••.com"


def test_key_file_is_made_once_and_owner_only(tmp_path, monkeypatch):
    monkeypatch.delenv("ASUH_AUDIT_KEY", raising=False)
    app = Flask(__name__, instance_path=str(tmp_path))
    key.init_app(app)
    path = tmp_path / key.KEY_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    first = app.extensions["asuh_audit_key"]
    assert len(first) == 64
    key.init_app(app)
    assert app.extensions["asuh_audit_key"] == first, "a restart keeps the key"
    assert [p.name for p in tmp_path.iterdir()] == [key.KEY_FILE], "no temporary left"
    monkeypatch.setenv("ASUH_AUDIT_KEY", "from-the-environment-" + "x" * 11)
    key.init_app(app)
    assert app.extensions["asuh_audit_key"] == b"from-the-environment-" + b"x" * 11
    monkeypatch.setenv("ASUH_AUDIT_KEY", "too-short")
    with pytest.raises(RuntimeError, match="at least 32 characters"):
        key.init_app(app)


def _legacy_installation(tmp_path, *, break_record: int | None = None):
    """An installation at revision 0004 with three records chained the old (unkeyed) way."""
    from flask_migrate import upgrade
    from sqlalchemy import inspect, text

    from asuh import create_app
    from asuh.timeutil import utcnow
    from tests.conftest import app_settings

    legacy = create_app(app_settings(tmp_path, f"sqlite:///{tmp_path / 'legacy.db'}"))
    with legacy.app_context():
        upgrade(revision="0004")
        # The columns the table had at 0004 (later ones, like 0013's scope_code, not yet).
        columns = {c["name"] for c in inspect(db.engine).get_columns("audit_records")}
        prev = "0" * 64
        for number in (1, 2, 3):
            row = AuditRecord(id=number, at=utcnow(), user_id=None, ip_address=None,
                              action="create", entity_type="child", entity_id=str(number),
                              summary=f"Anak {number}", changes={"n": [None, number]},
                              prev_hash=prev)
            row.hash = prev = legacy_digest(row)
            if number == break_record:
                row.summary = "diubah sebelum kunci"
            db.session.execute(AuditRecord.__table__.insert().values(
                {c.name: getattr(row, c.name) for c in AuditRecord.__table__.columns
                 if c.name in columns}))
        db.session.execute(text("INSERT INTO audit_head (id, last_hash) VALUES (1, :h)"),
                           {"h": prev})
        db.session.commit()
        upgrade()
    return legacy


def test_migration_keeps_the_unkeyed_trail_and_seals_it(tmp_path):
    from asuh.audit import services as audit
    from asuh.audit.chain import verify_chain

    legacy = _legacy_installation(tmp_path)
    with legacy.app_context():
        rekey = db.session.get(AuditRecord, 4)
        assert (rekey.action, rekey.changes["legacy_records"]) == ("rekey", [None, 3])
        assert rekey.changes["legacy_problems"] == [None, []]
        assert verify_chain() == []
        audit.record("create", "child", 9, summary="setelah kunci")
        db.session.commit()
        assert chain_head().seq == 5 and verify_chain() == []
        # Altering an old, unkeyed record is still caught: the rekey record seals its hash.
        appendonly.remove(db.session.connection())
        db.session.get(AuditRecord, 2).summary = "diubah"
        db.session.commit()
        assert verify_chain()[0].startswith("record 2: contents do not match")
        db.engine.dispose()


def test_migration_records_breaks_it_found_in_the_old_trail(tmp_path):
    from asuh.audit.chain import verify_chain

    legacy = _legacy_installation(tmp_path, break_record=2)
    with legacy.app_context():
        rekey = db.session.get(AuditRecord, 4)
        assert rekey.changes["legacy_problems"][1] == [
            "record 2: contents do not match its hash"]
        assert "1 kerusakan" in rekey.summary
        problems = verify_chain()
        assert len(problems) == 1 and problems[0].startswith("record 2: contents do not")
        db.engine.dispose()
