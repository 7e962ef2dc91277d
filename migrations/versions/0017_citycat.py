"""Catalogue additions per kabupaten/kota

Revision ID: 0017_citycat
Revises: 0016_provcity
Create Date: 2026-12-06 15:00:00.000000

Issue 15: a kabupaten/kota adds local foods (Kabupaten Bangka's ikan teri) to the shared
catalogue. ``commodities.city_code`` names the city whose addition a commodity is; NULL is
the installation's shared catalogue, which every existing commodity stays.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0017_citycat'
down_revision = '0016_provcity'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('commodities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('city_code', sa.String(length=13), nullable=True))
        batch_op.create_foreign_key(op.f('fk_commodities_city_code_regions'), 'regions',
                                    ['city_code'], ['code'])
        batch_op.create_index(batch_op.f('ix_commodities_city_code'), ['city_code'],
                              unique=False)


def downgrade():
    conn = op.get_bind()
    if conn.execute(sa.text(
            "SELECT COUNT(*) FROM commodities WHERE city_code IS NOT NULL")).scalar():
        # Dropping the column would offer a city's local food to every city's children.
        raise RuntimeError("commodities belong to a kabupaten/kota: cannot go back to one "
                           "shared catalogue")
    with op.batch_alter_table('commodities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commodities_city_code'))
        batch_op.drop_constraint(op.f('fk_commodities_city_code_regions'), type_='foreignkey')
        batch_op.drop_column('city_code')
