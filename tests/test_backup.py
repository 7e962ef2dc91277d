"""Backups that restore (issue 12): taken while deliveries keep being written, restored
into a fresh installation with every row committed before the backup began, proven by
audit verify, dashboard check and the letters' and photos' hashes. SQLite and PostgreSQL
(``--postgres``)."""

import json
import os
import sqlite3
import stat
import subprocess
import threading
import time
from datetime import timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, select, text

from asuh import create_app
from asuh.accounts.models import User
from asuh.contributions import photos
from asuh.contributions.models import Contribution, ContributionPhoto
from asuh.extensions import db
from asuh.letters import services as letters
from asuh.letters.models import Letter
from tests import factories
from tests.conftest import PG_URL_ENV, app_settings


def _fresh_database(tmp_path) -> str:
    """A new, empty database of the kind the suite runs on."""
    server = os.environ.get(PG_URL_ENV)
    if not server:
        return f"sqlite:///{tmp_path / 'restored.db'}"
    name = "asuh_restore_" + os.environ.get("PYTEST_XDIST_WORKER", "main")
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server.rsplit("/", 1)[0] + "/" + name


def _fresh_installation(tmp_path, **settings):
    tmp_path.mkdir(parents=True, exist_ok=True)
    fresh = create_app({**app_settings(tmp_path / "fresh", _fresh_database(tmp_path)),
                        **settings})
    with fresh.app_context():
        upgrade()  # an operator's new installation: `flask db upgrade`, nothing else
    return fresh


def _scene(app, users):
    """A letter (stored PDF), a delivery with a photo file, and a match to deliver to."""
    with app.app_context():
        admin = db.session.get(User, users["admin"][0])
        scene = factories.letter_scene(actor=admin)
        letters.issue_letter("sponsor_statement", sponsor_id=scene["sponsor"],
                             period=scene["period"], actor=admin)
        pending = db.session.get(Contribution, scene["pending"])
        photos.add_photos(pending, [factories.image_bytes()], actor=admin)
        db.session.commit()
        return scene["match"], scene["period"].start, set(db.session.scalars(
            select(Contribution.id)))


class DeliveryWriter(threading.Thread):
    """Keeps logging deliveries through the service, one transaction each, and notes
    which ids had committed (``commit()`` returned) and when."""

    def __init__(self, app, users, match_id, first_day):
        super().__init__(daemon=True)
        self.app, self.users, self.match_id, self.day = app, users, match_id, first_day
        self.committed: list[tuple[float, int]] = []
        self.stop = threading.Event()
        self.error = None

    def run(self):
        from asuh.contributions.services import log_contribution
        from asuh.matching.models import Match

        try:
            with self.app.app_context():
                admin = db.session.get(User, self.users["admin"][0])
                for n in range(10_000):
                    if self.stop.is_set():
                        return
                    made, _ = log_contribution(
                        db.session.get(Match, self.match_id),
                        delivered_on=self.day + timedelta(days=n % 20),
                        items=[dict(factories.RICE_2_KARUNG)], actor=admin)
                    db.session.commit()
                    self.committed.append((time.monotonic(), made.id))
        except Exception as error:  # reported by the test, not lost in the thread
            self.error = error


def test_backup_during_writes_restores_every_committed_row(app, runner, users, regions,
                                                          tmp_path):
    match_id, first_day, scene_ids = _scene(app, users)
    writer = DeliveryWriter(app, users, match_id, first_day)
    writer.start()
    while len(writer.committed) < 15 and writer.is_alive():
        time.sleep(0.02)
    started = time.monotonic()
    result = runner.invoke(args=["backup", "create", str(tmp_path / "bk")])
    finished = time.monotonic()
    while writer.is_alive() and sum(t > finished for t, _ in writer.committed) < 5:
        time.sleep(0.02)
    writer.stop.set()
    writer.join(30)
    assert writer.error is None, writer.error
    assert result.exit_code == 0, result.output
    during = [i for t, i in writer.committed if started <= t <= finished]
    before = {i for t, i in writer.committed if t < started}
    assert before, "deliveries were committed before the backup began"
    assert any(t > finished for t, _ in writer.committed), "writes went on after it"
    manifest = json.loads((tmp_path / "bk" / "manifest.json").read_text())
    assert {stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "bk").rglob("*")
            if p.is_file()} == {0o600}, "the backup is as private as the installation"
    assert any(name.startswith("files/uploads/photos/") for name in manifest["files"])

    fresh = _fresh_installation(tmp_path)
    restored = fresh.test_cli_runner().invoke(args=["backup", "restore", str(tmp_path / "bk")])
    assert restored.exit_code == 0, restored.output
    for check in ("audit verify --anchor", "dashboard check", "letters: PDF hashes",
                  "delivery photos"):
        assert f"{check}" in restored.output
    assert "FAILED" not in restored.output and "every check passed" in restored.output
    with fresh.app_context():
        ids = set(db.session.scalars(select(Contribution.id)))
        assert scene_ids | before <= ids, f"lost: {sorted(scene_ids | before - ids)}"
        assert ids <= scene_ids | {i for _, i in writer.committed}, "rows nobody committed"
        assert db.session.scalar(select(func.count(Letter.id))) == 1
        assert db.session.scalar(select(func.count(ContributionPhoto.id))) == 1
        db.session.remove()
        db.engine.dispose()
    print(f"{len(before)} deliveries before, {len(during)} during the backup")


def test_restore_refuses_an_installation_that_has_data(app, runner, users, tmp_path):
    assert runner.invoke(args=["backup", "create", str(tmp_path / "bk")]).exit_code == 0
    result = runner.invoke(args=["backup", "restore", str(tmp_path / "bk")])
    assert result.exit_code == 1
    assert "restore needs an empty installation" in result.output
    assert "users (5 rows)" in result.output


def test_restore_refuses_an_altered_backup_or_another_key(app, runner, users, tmp_path):
    backup = tmp_path / "bk"
    assert runner.invoke(args=["backup", "create", str(backup)]).exit_code == 0
    other_key = _fresh_installation(tmp_path / "k", AUDIT_KEY="another-installation")
    result = other_key.test_cli_runner().invoke(args=["backup", "restore", str(backup)])
    assert result.exit_code == 1 and "audit key" in result.output
    database = next(p for p in backup.iterdir() if p.name.startswith("database."))
    with database.open("ab") as handle:
        handle.write(b"\0")
    fresh = _fresh_installation(tmp_path / "f")
    result = fresh.test_cli_runner().invoke(args=["backup", "restore", str(backup)])
    assert result.exit_code == 1 and f"altered: {database.name}" in result.output
    for installation in (other_key, fresh):
        with installation.app_context():
            db.engine.dispose()


def test_backup_of_a_wal_database_holds_what_a_file_copy_loses(app, runner, users, tmp_path):
    if os.environ.get(PG_URL_ENV):
        pytest.skip("the WAL file is SQLite's")
    with app.app_context():
        # Start from an empty -wal, so the rows below are in it and not yet in the file.
        raw = db.engine.raw_connection()  # outside any transaction, as a checkpoint must be
        try:
            busy, _, _ = raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            assert busy == 0
        finally:
            raw.close()
        made = [factories.user("sponsor").email for _ in range(20)]
        db.session.commit()
        path = db.engine.url.database
    # What `cp asuh.db backup/` does, in a process of its own as cp is: opening and closing
    # the live file in this process would drop the POSIX locks its SQLite connections hold
    # (sqlite.org/howtocorrupt.html 2.2), and a job worker's exit later would delete the
    # -wal still in use by the suite.
    subprocess.run(["cp", path, str(tmp_path / "naive.db")], check=True)
    assert runner.invoke(args=["backup", "create", str(tmp_path / "bk")]).exit_code == 0

    def emails(file):
        conn = sqlite3.connect(file)
        try:
            return {row[0] for row in conn.execute("SELECT email FROM users")}
        finally:
            conn.close()

    assert not set(made) <= emails(tmp_path / "naive.db"), "the copy lost committed rows"
    assert set(made) <= emails(tmp_path / "bk" / "database.sqlite3")
