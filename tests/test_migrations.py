"""The schema comes only from migrations; they go up and down, and match the models.

Each runs on the pass's own database: SQLite, or a fresh database on the throwaway
PostgreSQL server under ``--postgres``.
"""

import ast
import os
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import MetaData, Table, create_engine, inspect, text

from asuh import create_app
from asuh.extensions import db
from tests.conftest import PG_URL_ENV, app_settings

VERSIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"


@pytest.fixture
def fresh_url(tmp_path):
    """An empty database of the pass's kind."""
    server_url = os.environ.get(PG_URL_ENV)
    if not server_url:
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    name = "asuh_fresh_" + os.environ.get("PYTEST_XDIST_WORKER", "main")
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield server_url.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_upgrade_from_empty_and_downgrade_to_base(tmp_path, fresh_url):
    fresh = create_app(app_settings(tmp_path, fresh_url))
    with fresh.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"users", "audit_records", "login_sessions", "child_growth_summaries"} <= tables
        assert inspect(db.engine).get_check_constraints("sponsors")
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        db.engine.dispose()


def test_no_migration_imports_the_application():
    """A migration must do tomorrow what it did the day it was written; importing `asuh`
    would make it do whatever today's code does (0004 once did, for growth summaries)."""
    offenders = []
    for path in sorted(VERSIONS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.name}:{node.lineno} imports {name}" for name in names
                          if name == "asuh" or name.startswith("asuh.")]
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") in (
                    "__import__", "import_module"):
                offenders.append(f"{path.name}:{node.lineno} imports at run time")
    assert len(list(VERSIONS.glob("*.py"))) >= 5
    assert offenders == []


def _tables_with_a_kelurahan(conn):
    """The children and measurements tables as this revision has them (reflected, not the
    models'), after adding the one kelurahan the tests' children live in."""
    tables = MetaData()
    regions, children, measurements = (
        Table(name, tables, autoload_with=conn)
        for name in ("regions", "children", "measurements"))
    conn.execute(regions.insert(), [
        {"code": "19.71.01", "name": "Bukit Intan", "level": "kecamatan"},
        {"code": "19.71.01.1004", "name": "Temberan", "level": "kelurahan",
         "parent_code": "19.71.01", "village_type": "kelurahan"}])
    return children, measurements


def test_0004_builds_the_growth_summaries_of_existing_measurements(tmp_path, fresh_url):
    """Measurements recorded before 0004 get their summary from the migration's own frozen
    rules: first/last category and count per month, and the weight compared with the one
    49–91 days earlier; voided measurements do not count."""
    fresh = create_app(app_settings(tmp_path, fresh_url))
    with fresh.app_context():
        upgrade(revision="0003")
        with db.engine.begin() as conn:
            children, measurements = _tables_with_a_kelurahan(conn)
            child_id = conn.execute(children.insert().values(
                nik="1971015101250001", name="Anak Migrasi", sex="L",
                birth_date=date(2025, 1, 1), guardian_name="Ibu", address="Jl. Mentok",
                kelurahan_code="19.71.01.1004", status="active", created_at=datetime(2026, 1, 1),
                is_matched=False)).inserted_primary_key[0]
            base = {"child_id": child_id, "height_cm": Decimal("70.0"), "position": "lying",
                    "age_days": 400, "height_adjusted_cm": Decimal("70.0"), "flags": "",
                    "created_at": datetime(2026, 3, 16)}
            conn.execute(measurements.insert(), [
                {**base, "measured_on": date(2026, 1, 10), "category": "stunted",
                 "weight_kg": Decimal("8.00"), "voided_at": None},
                {**base, "measured_on": date(2026, 1, 25), "category": "severely_stunted",
                 "weight_kg": Decimal("8.10"), "voided_at": None},
                {**base, "measured_on": date(2026, 2, 10), "category": "normal",
                 "weight_kg": Decimal("9.90"), "voided_at": datetime(2026, 2, 11)},
                {**base, "measured_on": date(2026, 3, 15), "category": "normal",
                 "weight_kg": Decimal("8.00"), "voided_at": None}])
        upgrade()
        with db.engine.connect() as conn:
            row = conn.execute(text(
                "SELECT first_month, grid, latest_on, latest_weight_kg, compared_on, "
                "compared_weight_kg, weight_stalled FROM child_growth_summaries")).one()
        db.engine.dispose()
    first_month, grid, latest_on, latest, compared_on, compared, stalled = row
    assert first_month == 2026 * 12 + 0
    assert grid == "212" "000" "331"  # January: stunted→severely, 2; none; March: normal, 1
    assert str(latest_on) == "2026-03-15" and Decimal(str(latest)) == Decimal("8.00")
    assert str(compared_on) == "2026-01-25" and Decimal(str(compared)) == Decimal("8.10")
    assert bool(stalled) is True


def test_0007_reclassifies_children_whose_newest_measurement_is_flagged(tmp_path, fresh_url):
    """Issue 11: a flagged measurement no longer classifies. A child whose newest measurement
    is flagged gets the category of its latest plausible one and is marked to re-measure;
    a standing baby under 9 months gets WHO Anthro's flag; the downgrade works with a
    weight-only measurement and an aged_out child in the database."""
    fresh = create_app(app_settings(tmp_path, fresh_url))
    with fresh.app_context():
        upgrade(revision="0006")
        with db.engine.begin() as conn:
            children, measurements = _tables_with_a_kelurahan(conn)
            child_id = conn.execute(children.insert().values(
                nik="1971015101250001", name="Anak Migrasi", sex="L",
                birth_date=date(2025, 1, 1), guardian_name="Ibu", address="Jl. Mentok",
                kelurahan_code="19.71.01.1004", status="active", created_at=datetime(2026, 1, 1),
                is_matched=False, latest_category="severely_stunted",
                latest_haz=Decimal("-6.28"))).inserted_primary_key[0]
            base = {"child_id": child_id, "height_cm": Decimal("70.0"), "position": "lying",
                    "age_days": 400, "height_adjusted_cm": Decimal("70.0"), "flags": "",
                    "weight_kg": Decimal("8.00"), "created_at": datetime(2026, 3, 16),
                    "voided_at": None}
            conn.execute(measurements.insert(), [
                {**base, "measured_on": date(2026, 1, 10), "category": "stunted",
                 "haz": Decimal("-2.40")},
                {**base, "measured_on": date(2026, 3, 15), "category": "severely_stunted",
                 "haz": Decimal("-6.28"), "flags": "haz"},
                {**base, "measured_on": date(2025, 6, 1), "position": "standing",
                 "age_days": 151, "category": "normal", "haz": Decimal("0.10")}])
        upgrade()
        with db.engine.connect() as conn:
            child = conn.execute(text(
                "SELECT latest_category, latest_haz, needs_remeasure FROM children")).one()
            standing = conn.execute(text(
                "SELECT measured_on FROM measurements WHERE standing_under_9m")).scalars().all()
        assert (child[0], Decimal(str(child[1])), bool(child[2])) == \
            ("stunted", Decimal("-2.40"), True)
        assert [str(day) for day in standing] == ["2025-06-01"]
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE children SET status = 'aged_out'"))
            conn.execute(text(
                "INSERT INTO measurements (child_id, measured_on, weight_kg, age_days, flags, "
                f"standing_under_9m, created_at) VALUES ({child_id}, '2026-04-01', 8.2, 455, "
                "'', false, '2026-04-01 08:00:00')"))
        downgrade(revision="0005")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT status FROM children")).scalar() == "withdrawn"
            assert conn.execute(text("SELECT count(*) FROM measurements")).scalar() == 3
        db.engine.dispose()


# --- 0013_province: a single-city database upgrades with all its data in its city ----


def _seed_single_city(conn):
    tables = MetaData()
    regions, users, children, settings = (
        Table(name, tables, autoload_with=conn)
        for name in ("regions", "users", "children", "settings"))
    conn.execute(regions.insert(), [
        {"code": "19.71.01", "name": "Bukit Intan", "level": "kecamatan",
         "parent_code": None, "village_type": None},
        {"code": "19.71.02", "name": "Taman Sari", "level": "kecamatan",
         "parent_code": None, "village_type": None},
        {"code": "19.71.01.1004", "name": "Semabung Lama", "level": "kelurahan",
         "parent_code": "19.71.01", "village_type": "kelurahan"},
        {"code": "19.71.02.1001", "name": "Opas Indah", "level": "kelurahan",
         "parent_code": "19.71.02", "village_type": "kelurahan"}])
    moment = datetime(2026, 1, 1)
    conn.execute(users.insert(), [
        {"id": n, "email": f"{role}@example.id", "name": role, "password_hash": "x",
         "role": role, "active": True, "created_at": moment, "password_changed_at": moment}
        for n, role in enumerate(("admin", "officer", "field", "auditor", "sponsor"), 1)])
    conn.execute(children.insert().values(
        nik="1971015101250001", name="Anak Migrasi", sex="L", birth_date=date(2025, 1, 1),
        guardian_name="Ibu", address="Jl. Mentok", kelurahan_code="19.71.02.1001",
        status="active", created_at=moment, is_matched=False))
    conn.execute(settings.insert().values(key="city_name", value="Kota Pangkalpinang (uji)",
                                          updated_at=moment))


def test_0013_puts_a_single_city_database_in_its_city(tmp_path, fresh_url):
    fresh = create_app(app_settings(tmp_path, fresh_url))
    with fresh.app_context():
        upgrade(revision="0012")
        with db.engine.begin() as conn:
            _seed_single_city(conn)
        upgrade(revision="0013_province")
        with db.engine.connect() as conn:
            regions = {row.code: row for row in conn.execute(text(
                "SELECT code, name, level, parent_code, city_code, province_code "
                "FROM regions"))}
            scopes = dict(conn.execute(text("SELECT role, scope_code FROM users")).all())
            child = conn.execute(text("SELECT kelurahan_code FROM children")).scalar()
        assert (regions["19"].level, regions["19"].name, regions["19"].city_code) == (
            "provinsi", "Kepulauan Bangka Belitung", None)
        city = regions["19.71"]
        assert (city.level, city.name, city.parent_code, city.city_code,
                city.province_code) == ("kabupaten", "Kota Pangkalpinang (uji)", "19",
                                        "19.71", "19")
        assert regions["19.71.01"].parent_code == "19.71"
        assert regions["19.71.02.1001"].parent_code == "19.71.02"
        assert {(r.city_code, r.province_code) for c, r in regions.items() if len(c) > 5} == {
            ("19.71", "19")}
        assert scopes == {"admin": None, "officer": "19.71", "field": "19.71",
                          "auditor": "19.71", "sponsor": None}
        assert child == "19.71.02.1001"

        downgrade(revision="0012")
        with db.engine.connect() as conn:
            codes = set(conn.execute(text("SELECT code FROM regions")).scalars())
            parents = set(conn.execute(text(
                "SELECT parent_code FROM regions WHERE level = 'kecamatan'")).scalars())
            assert conn.execute(text("SELECT count(*) FROM children")).scalar() == 1
        assert codes == {"19.71.01", "19.71.02", "19.71.01.1004", "19.71.02.1001"}
        assert parents == {None}
        upgrade()
        db.engine.dispose()


def test_0013_names_an_unknown_city_by_its_code(tmp_path, fresh_url):
    fresh = create_app(app_settings(tmp_path, fresh_url))
    with fresh.app_context():
        upgrade(revision="0012")
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO regions (code, name, level) VALUES ('16.71.01', 'Ilir', "
                "'kecamatan'), ('19.71.01', 'Bukit Intan', 'kecamatan')"))
        upgrade(revision="0013_province")
        with db.engine.connect() as conn:
            names = dict(conn.execute(text(
                "SELECT code, name FROM regions WHERE level IN ('kabupaten', 'provinsi')")).all())
        db.engine.dispose()
    assert names == {"16": "Sumatera Selatan", "16.71": "Kabupaten/Kota 16.71",
                     "19": "Kepulauan Bangka Belitung", "19.71": "Kota Pangkalpinang"}
