"""Registry: regions, sponsors, children, measurements

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 11:52:18.886549

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('regions',
    sa.Column('code', sa.String(length=13), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('parent_code', sa.String(length=13), nullable=True),
    sa.Column('village_type', sa.String(length=10), nullable=True),
    sa.ForeignKeyConstraint(['parent_code'], ['regions.code'], name=op.f('fk_regions_parent_code_regions')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_regions'))
    )
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_regions_level'), ['level'], unique=False)
        batch_op.create_index(batch_op.f('ix_regions_parent_code'), ['parent_code'], unique=False)

    op.create_table('children',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nik', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('sex', sa.String(length=1), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('guardian_name', sa.String(length=120), nullable=False),
    sa.Column('guardian_phone', sa.String(length=20), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('kelurahan_code', sa.String(length=13), nullable=False),
    sa.Column('posyandu', sa.String(length=120), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('status_reason', sa.String(length=500), nullable=True),
    sa.Column('status_changed_at', sa.DateTime(), nullable=True),
    sa.Column('nik_warnings', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('latest_measured_on', sa.Date(), nullable=True),
    sa.Column('latest_haz', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('latest_category', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_children_created_by_id_users')),
    sa.ForeignKeyConstraint(['kelurahan_code'], ['regions.code'], name=op.f('fk_children_kelurahan_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_children')),
    sa.UniqueConstraint('nik', name=op.f('uq_children_nik'))
    )
    with op.batch_alter_table('children', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_children_birth_date'), ['birth_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_children_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_children_kelurahan_code'), ['kelurahan_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_children_latest_category'), ['latest_category'], unique=False)
        batch_op.create_index(batch_op.f('ix_children_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_children_status'), ['status'], unique=False)

    op.create_table('field_assignments',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kelurahan_code', sa.String(length=13), nullable=False),
    sa.ForeignKeyConstraint(['kelurahan_code'], ['regions.code'], name=op.f('fk_field_assignments_kelurahan_code_regions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_field_assignments_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', 'kelurahan_code', name=op.f('pk_field_assignments'))
    )
    op.create_table('sponsors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('nip', sa.String(length=18), nullable=True),
    sa.Column('nik', sa.String(length=16), nullable=True),
    sa.Column('is_pppk', sa.Boolean(), nullable=False),
    sa.Column('agency', sa.String(length=150), nullable=True),
    sa.Column('rank', sa.String(length=60), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('kelurahan_code', sa.String(length=13), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('registered_via', sa.String(length=10), nullable=False),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawal_reason', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_sponsors_approved_by_id_users')),
    sa.ForeignKeyConstraint(['kelurahan_code'], ['regions.code'], name=op.f('fk_sponsors_kelurahan_code_regions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sponsors_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sponsors')),
    sa.UniqueConstraint('email', name=op.f('uq_sponsors_email')),
    sa.UniqueConstraint('nik', name=op.f('uq_sponsors_nik')),
    sa.UniqueConstraint('nip', name=op.f('uq_sponsors_nip')),
    sa.UniqueConstraint('user_id', name=op.f('uq_sponsors_user_id'))
    )
    with op.batch_alter_table('sponsors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sponsors_approved_at'), ['approved_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sponsors_kelurahan_code'), ['kelurahan_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_sponsors_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_sponsors_name'), ['name'], unique=False)

    op.create_table('measurements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('measured_on', sa.Date(), nullable=False),
    sa.Column('height_cm', sa.Numeric(precision=5, scale=1), nullable=False),
    sa.Column('weight_kg', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('position', sa.String(length=8), nullable=False),
    sa.Column('measured_by', sa.String(length=120), nullable=True),
    sa.Column('age_days', sa.Integer(), nullable=False),
    sa.Column('height_adjusted_cm', sa.Numeric(precision=5, scale=1), nullable=False),
    sa.Column('haz', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('waz', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('whz', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('category', sa.String(length=20), nullable=True),
    sa.Column('weight_category', sa.String(length=24), nullable=True),
    sa.Column('wasting_category', sa.String(length=24), nullable=True),
    sa.Column('flags', sa.String(length=20), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('voided_at', sa.DateTime(), nullable=True),
    sa.Column('void_reason', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['child_id'], ['children.id'], name=op.f('fk_measurements_child_id_children')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_measurements_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_measurements'))
    )
    with op.batch_alter_table('measurements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_measurements_child_id'), ['child_id'], unique=False)
        batch_op.create_index('uq_measurements_child_day', ['child_id', 'measured_on'], unique=True, sqlite_where=sa.text('voided_at IS NULL'), postgresql_where=sa.text('voided_at IS NULL'))



def downgrade():
    with op.batch_alter_table('measurements', schema=None) as batch_op:
        batch_op.drop_index('uq_measurements_child_day', sqlite_where=sa.text('voided_at IS NULL'), postgresql_where=sa.text('voided_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_measurements_child_id'))

    op.drop_table('measurements')
    with op.batch_alter_table('sponsors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sponsors_name'))
        batch_op.drop_index(batch_op.f('ix_sponsors_kind'))
        batch_op.drop_index(batch_op.f('ix_sponsors_kelurahan_code'))
        batch_op.drop_index(batch_op.f('ix_sponsors_approved_at'))

    op.drop_table('sponsors')
    op.drop_table('field_assignments')
    with op.batch_alter_table('children', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_children_status'))
        batch_op.drop_index(batch_op.f('ix_children_name'))
        batch_op.drop_index(batch_op.f('ix_children_latest_category'))
        batch_op.drop_index(batch_op.f('ix_children_kelurahan_code'))
        batch_op.drop_index(batch_op.f('ix_children_created_at'))
        batch_op.drop_index(batch_op.f('ix_children_birth_date'))

    op.drop_table('children')
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_regions_parent_code'))
        batch_op.drop_index(batch_op.f('ix_regions_level'))

    op.drop_table('regions')
