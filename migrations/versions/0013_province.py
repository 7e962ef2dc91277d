"""A whole province: region levels up to the province, users' scope, audit records' scope

Revision ID: 0013_province
Revises: 0012
Create Date: 2026-12-06 12:00:00.000000

Issue 15. Regions gain the levels ``provinsi`` and ``kabupaten`` (kabupaten and kota) and
two indexed columns, ``city_code`` (the kabupaten/kota, a code's first five characters;
NULL on a province row) and ``province_code`` (its first two). Kecamatan hang under their
kabupaten/kota. ``users.scope_code`` says which province or kabupaten/kota an account works
in; ``audit_records.scope_code`` which kabupaten/kota (or province) a record belongs to,
so a city's auditors read only their city's trail.

An existing single-city database keeps all its data in its city: the province and
kabupaten/kota rows are made from the codes of its kecamatan and kelurahan (the kota's
name from the ``city_name`` setting if there is one and only one city, else "Kota
Pangkalpinang" for 19.71, else "Kabupaten/Kota <code>"; province names from the literal
table below), and officers, field users and auditors get that city as their scope
(admins keep none: the whole installation). Existing audit records keep a NULL scope:
they were sealed without one, and the chain covers the scope only where it is set;
``audit_head.scoped_from``/``legacy_scope`` say they are the one city's.
"""
import contextlib
import json

import sqlalchemy as sa
from alembic import op

#  revision identifiers, used by Alembic.
revision = '0013_province'
down_revision = '0012'
branch_labels = None
depends_on = None

# Frozen here (migrations never import the app): Kepmendagri No. 300.2.2-2138/2025.
PROVINCES = {
    "11": "Aceh", "12": "Sumatera Utara", "13": "Sumatera Barat", "14": "Riau",
    "15": "Jambi", "16": "Sumatera Selatan", "17": "Bengkulu", "18": "Lampung",
    "19": "Kepulauan Bangka Belitung", "21": "Kepulauan Riau",
    "31": "Daerah Khusus Jakarta", "32": "Jawa Barat", "33": "Jawa Tengah",
    "34": "Daerah Istimewa Yogyakarta", "35": "Jawa Timur", "36": "Banten",
    "51": "Bali", "52": "Nusa Tenggara Barat", "53": "Nusa Tenggara Timur",
    "61": "Kalimantan Barat", "62": "Kalimantan Tengah", "63": "Kalimantan Selatan",
    "64": "Kalimantan Timur", "65": "Kalimantan Utara",
    "71": "Sulawesi Utara", "72": "Sulawesi Tengah", "73": "Sulawesi Selatan",
    "74": "Sulawesi Tenggara", "75": "Gorontalo", "76": "Sulawesi Barat",
    "81": "Maluku", "82": "Maluku Utara",
    "91": "Papua", "92": "Papua Barat", "93": "Papua Selatan", "94": "Papua Tengah",
    "95": "Papua Pegunungan", "96": "Papua Barat Daya",
}
DEFAULT_CITY = ("19.71", "Kota Pangkalpinang")
OLD_LEVELS = "level IN ('kecamatan', 'kelurahan')"
NEW_LEVELS = "level IN ('kabupaten', 'kecamatan', 'kelurahan', 'provinsi')"
SCOPED_ROLES = ("officer", "field", "auditor")


def _city_name(conn, code, single):
    if single:
        value = conn.execute(sa.text(
            "SELECT value FROM settings WHERE key = 'city_name'")).scalar()
        if isinstance(value, str) and conn.dialect.name == "sqlite":
            with contextlib.suppress(ValueError):
                value = json.loads(value)  # SQLite keeps the JSON column as its text
        if isinstance(value, str) and value.strip():
            return value.strip()[:100]
    if code == DEFAULT_CITY[0]:
        return DEFAULT_CITY[1]
    return f"Kabupaten/Kota {code}"


def upgrade():
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('city_code', sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column('province_code', sa.String(length=2), nullable=True))
        batch_op.drop_constraint(op.f('ck_regions_level'), type_='check')
        batch_op.create_check_constraint(op.f('ck_regions_level'), NEW_LEVELS)

    conn = op.get_bind()
    codes = conn.execute(sa.text("SELECT code FROM regions")).scalars().all()
    cities = sorted({code[:5] for code in codes if len(code) >= 8})
    provinces = sorted({code[:2] for code in cities})
    regions = sa.table('regions', sa.column('code'), sa.column('name'), sa.column('level'),
                       sa.column('parent_code'), sa.column('village_type'),
                       sa.column('city_code'), sa.column('province_code'))
    if provinces:
        op.bulk_insert(regions, [
            {"code": p, "name": PROVINCES.get(p, f"Provinsi {p}"), "level": "provinsi",
             "parent_code": None, "village_type": None, "city_code": None,
             "province_code": p} for p in provinces])
    if cities:
        op.bulk_insert(regions, [
            {"code": c, "name": _city_name(conn, c, len(cities) == 1), "level": "kabupaten",
             "parent_code": c[:2], "village_type": None, "city_code": c,
             "province_code": c[:2]} for c in cities])
    conn.execute(sa.text(
        "UPDATE regions SET city_code = substr(code, 1, 5), province_code = substr(code, 1, 2) "
        "WHERE level IN ('kecamatan', 'kelurahan')"))
    conn.execute(sa.text(
        "UPDATE regions SET parent_code = substr(code, 1, 5) WHERE level = 'kecamatan'"))

    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.alter_column('province_code', existing_type=sa.String(length=2),
                              nullable=False)
        batch_op.create_index(batch_op.f('ix_regions_city_code'), ['city_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_regions_province_code'), ['province_code'],
                              unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scope_code', sa.String(length=13), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_users_scope_code_regions'), 'regions',
                                    ['scope_code'], ['code'])
    if len(cities) == 1:
        conn.execute(sa.text(
            "UPDATE users SET scope_code = :city WHERE role IN ('officer', 'field', 'auditor')"
        ), {"city": cities[0]})

    # Not in batch mode: rebuilding audit_records on SQLite would drop its append-only
    # triggers; adding a nullable column is an ALTER TABLE everywhere.
    op.add_column('audit_records', sa.Column('scope_code', sa.String(length=5), nullable=True))
    op.create_index(op.f('ix_audit_records_scope_code'), 'audit_records', ['scope_code'],
                    unique=False)
    # The records so far carry no scope: remember where scoped records begin and whose
    # the earlier ones are (the one city, if there is exactly one).
    op.add_column('audit_head', sa.Column('scoped_from', sa.Integer(), nullable=True))
    op.add_column('audit_head', sa.Column('legacy_scope', sa.String(length=5), nullable=True))
    conn.execute(sa.text(
        "UPDATE audit_head SET scoped_from = last_seq + 1, legacy_scope = :city WHERE id = 1"),
        {"city": cities[0] if len(cities) == 1 else None})


def downgrade():
    op.drop_column('audit_head', 'legacy_scope')
    op.drop_column('audit_head', 'scoped_from')
    op.drop_index(op.f('ix_audit_records_scope_code'), table_name='audit_records')
    # SQLite >= 3.35 drops a plain column in place (no rebuild, the triggers stay).
    op.drop_column('audit_records', 'scope_code')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_scope_code_regions'), type_='foreignkey')
        batch_op.drop_column('scope_code')
    conn = op.get_bind()
    conn.execute(sa.text("UPDATE regions SET parent_code = NULL WHERE level = 'kecamatan'"))
    conn.execute(sa.text("DELETE FROM regions WHERE level = 'kabupaten'"))
    conn.execute(sa.text("DELETE FROM regions WHERE level = 'provinsi'"))
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_regions_province_code'))
        batch_op.drop_index(batch_op.f('ix_regions_city_code'))
        batch_op.drop_constraint(op.f('ck_regions_level'), type_='check')
        batch_op.create_check_constraint(op.f('ck_regions_level'), OLD_LEVELS)
        batch_op.drop_column('province_code')
        batch_op.drop_column('city_code')
