"""0014_provcity: an upgraded single-city database keeps its letters and its numbering in
its kabupaten/kota (the next letter continues the sequence), and its settings stay the
installation's (read unchanged through ``settings.for_city``)."""

from datetime import datetime

from flask_migrate import downgrade, upgrade
from sqlalchemy import MetaData, Table, text

from asuh import create_app
from asuh.extensions import db
from tests.conftest import app_settings
from tests.test_migrations import fresh_url  # noqa: F401 - the pass's empty database


def _seed_letters(conn):
    tables = MetaData()
    regions, letters, sequences, settings = (
        Table(name, tables, autoload_with=conn)
        for name in ("regions", "letters", "letter_sequences", "settings"))
    conn.execute(regions.insert(), [
        {"code": "19.71.01", "name": "Bukit Intan", "level": "kecamatan"},
        {"code": "19.71.01.1004", "name": "Semabung Lama", "level": "kelurahan",
         "parent_code": "19.71.01", "village_type": "kelurahan"}])
    moment = datetime(2026, 11, 2, 3, 0)
    conn.execute(letters.insert(), [
        {"kind": "recap", "number": f"00{n}/BAAS/DPPPAKB/XI/2026", "year": 2026, "seq": n,
         "issued_at": moment, "pdf": b"%PDF-1.7", "sha256": "0" * 64,
         "verify_token": f"token-{n}", "short_code": f"AAAA-000{n}", "status": "current",
         "public_summary": {}} for n in (6, 7)])
    conn.execute(sequences.insert().values(year=2026, last_seq=7))
    conn.execute(settings.insert().values(key="head_name", value="dr. Lama",
                                          updated_at=moment))


def test_0014_keeps_letters_and_numbering_in_the_city(tmp_path, fresh_url):  # noqa: F811
    fresh = create_app(app_settings(tmp_path, fresh_url))
    with fresh.app_context():
        upgrade(revision="0012")
        with db.engine.begin() as conn:
            _seed_letters(conn)
        upgrade()
        with db.engine.connect() as conn:
            offices = set(conn.execute(text("SELECT office_code FROM letters")).scalars())
            sequences = conn.execute(text(
                "SELECT office_code, year, last_seq FROM letter_sequences")).all()
        assert offices == {"19.71"}
        assert [tuple(row) for row in sequences] == [("19.71", 2026, 7)]
        from asuh.letters import numbering
        from asuh.settings import services as settings

        assert numbering.take_numbers("19.71", 2026) == [8]  # the sequence goes on
        assert settings.for_city("19.71")["head_name"] == "dr. Lama"
        db.session.rollback()
        downgrade(revision="0013_province")
        with db.engine.connect() as conn:
            assert conn.execute(text(
                "SELECT year, last_seq FROM letter_sequences")).all() == [(2026, 7)]
            assert conn.execute(text("SELECT count(*) FROM letters")).scalar() == 2
        upgrade()
        db.engine.dispose()
