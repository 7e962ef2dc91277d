"""Settings per province and kabupaten/kota; letters numbered per issuing office

Revision ID: 0014_provcity
Revises: 0013_province
Create Date: 2026-12-06 12:00:00.000000

Issue 15: an installation holds a whole province. ``region_settings`` keeps what a
province or a kabupaten/kota sets for itself (letterhead, head of office, number pattern,
monthly package, commitment); a key a city has not set falls back to its province, then to
the installation's ``settings`` rows, which stay as they are: an upgraded single-city
database keeps reading exactly the values it read before.

Each letter records the office that issued it (``letters.office_code``: a kabupaten/kota,
or a province for its recap) and each office numbers its own letters per year
(``letter_sequences`` keyed by office and year). Existing letters and the existing
year's counter belong to the database's one kabupaten/kota (created by 0013 from the
kecamatan codes), so its next letter continues the same sequence.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014_provcity'
down_revision = '0013_province'
branch_labels = None
depends_on = None


def _the_city(conn) -> str:
    """The existing database's kabupaten/kota: letters existed only in single-city days."""
    city = conn.execute(sa.text(
        "SELECT MIN(code) FROM regions WHERE level = 'kabupaten'")).scalar()
    if city:
        return city
    kecamatan = conn.execute(sa.text(
        "SELECT MIN(code) FROM regions WHERE level = 'kecamatan'")).scalar()
    return kecamatan[:5] if kecamatan else None


def upgrade():
    op.create_table(
        'region_settings',
        sa.Column('region_code', sa.String(length=13), nullable=False),
        sa.Column('key', sa.String(length=60), nullable=False),
        sa.Column('value', sa.JSON(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['region_code'], ['regions.code'],
                                name=op.f('fk_region_settings_region_code_regions')),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'],
                                name=op.f('fk_region_settings_updated_by_id_users')),
        sa.PrimaryKeyConstraint('region_code', 'key', name=op.f('pk_region_settings')),
    )
    conn = op.get_bind()
    has_letters = conn.execute(sa.text(
        "SELECT COUNT(*) FROM letters")).scalar() or conn.execute(sa.text(
            "SELECT COUNT(*) FROM letter_sequences")).scalar()
    city = _the_city(conn) if has_letters else None
    if has_letters and city is None:
        raise RuntimeError("letters exist but no kabupaten/kota region: run 0013 first")

    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('office_code', sa.String(length=13), nullable=True))
    if city is not None:
        conn.execute(sa.text("UPDATE letters SET office_code = :city"), {"city": city})
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.alter_column('office_code', existing_type=sa.String(length=13),
                              nullable=False)
        batch_op.drop_constraint('uq_letters_year', type_='unique')
        batch_op.drop_constraint('uq_letters_number', type_='unique')
        batch_op.create_unique_constraint('uq_letters_office_seq',
                                          ['office_code', 'year', 'seq'])
        batch_op.create_unique_constraint('uq_letters_office_number',
                                          ['office_code', 'number'])
        batch_op.create_foreign_key(op.f('fk_letters_office_code_regions'), 'regions',
                                    ['office_code'], ['code'])
        batch_op.create_index(batch_op.f('ix_letters_office_code'), ['office_code'],
                              unique=False)

    sequences = conn.execute(sa.text("SELECT year, last_seq FROM letter_sequences")).all()
    op.drop_table('letter_sequences')
    table = op.create_table(
        'letter_sequences',
        sa.Column('office_code', sa.String(length=13), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('last_seq', sa.Integer(), nullable=False),
        sa.CheckConstraint('last_seq >= 0', name=op.f('ck_letter_sequences_last_seq')),
        sa.ForeignKeyConstraint(['office_code'], ['regions.code'],
                                name=op.f('fk_letter_sequences_office_code_regions')),
        sa.PrimaryKeyConstraint('office_code', 'year', name=op.f('pk_letter_sequences')),
    )
    if sequences:
        op.bulk_insert(table, [{"office_code": city, "year": year, "last_seq": last}
                               for year, last in sequences])


def downgrade():
    conn = op.get_bind()
    offices = conn.execute(sa.text("SELECT COUNT(DISTINCT office_code) FROM letters")).scalar()
    if offices and offices > 1:
        # One installation-wide sequence cannot hold two offices' numbers without clashes.
        raise RuntimeError("letters of more than one office: cannot go back to one sequence")
    sequences = conn.execute(sa.text("SELECT year, last_seq FROM letter_sequences")).all()
    op.drop_table('letter_sequences')
    table = op.create_table(
        'letter_sequences',
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('last_seq', sa.Integer(), nullable=False),
        sa.CheckConstraint('last_seq >= 0', name=op.f('ck_letter_sequences_last_seq')),
        sa.PrimaryKeyConstraint('year', name=op.f('pk_letter_sequences')),
    )
    if sequences:
        op.bulk_insert(table, [{"year": year, "last_seq": last} for year, last in sequences])
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letters_office_code'))
        batch_op.drop_constraint(op.f('fk_letters_office_code_regions'), type_='foreignkey')
        batch_op.drop_constraint('uq_letters_office_number', type_='unique')
        batch_op.drop_constraint('uq_letters_office_seq', type_='unique')
        batch_op.create_unique_constraint('uq_letters_number', ['number'])
        batch_op.create_unique_constraint('uq_letters_year', ['year', 'seq'])
        batch_op.drop_column('office_code')
    op.drop_table('region_settings')
