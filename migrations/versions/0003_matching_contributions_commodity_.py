"""Matching, contributions, commodity catalogue, monthly totals, settings, letters

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 11:56:45.659729

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('commodities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('canonical_unit', sa.String(length=20), nullable=False),
    sa.Column('is_cash', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commodities')),
    sa.UniqueConstraint('code', name=op.f('uq_commodities_code'))
    )
    op.create_table('commodity_units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commodity_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('factor', sa.Numeric(precision=12, scale=4), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['commodity_id'], ['commodities.id'], name=op.f('fk_commodity_units_commodity_id_commodities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commodity_units')),
    sa.UniqueConstraint('commodity_id', 'name', name=op.f('uq_commodity_units_commodity_id'))
    )
    with op.batch_alter_table('commodity_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commodity_units_commodity_id'), ['commodity_id'], unique=False)

    op.create_table('monthly_commodity_totals',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('kelurahan_code', sa.String(length=13), nullable=False),
    sa.Column('commodity_id', sa.Integer(), nullable=False),
    sa.Column('canonical_quantity', sa.Numeric(precision=16, scale=3), nullable=False),
    sa.Column('value_idr', sa.Integer(), nullable=False),
    sa.Column('item_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['commodity_id'], ['commodities.id'], name=op.f('fk_monthly_commodity_totals_commodity_id_commodities')),
    sa.ForeignKeyConstraint(['kelurahan_code'], ['regions.code'], name=op.f('fk_monthly_commodity_totals_kelurahan_code_regions')),
    sa.PrimaryKeyConstraint('month', 'kelurahan_code', 'commodity_id', name=op.f('pk_monthly_commodity_totals'))
    )
    op.create_table('monthly_delivery_counts',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('kelurahan_code', sa.String(length=13), nullable=False),
    sa.Column('sponsor_kind', sa.String(length=10), nullable=False),
    sa.Column('contributions', sa.Integer(), nullable=False),
    sa.Column('value_idr', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['kelurahan_code'], ['regions.code'], name=op.f('fk_monthly_delivery_counts_kelurahan_code_regions')),
    sa.PrimaryKeyConstraint('month', 'kelurahan_code', 'sponsor_kind', name=op.f('pk_monthly_delivery_counts'))
    )
    op.create_table('settings',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.JSON(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_settings_updated_by_id_users')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_settings'))
    )
    op.create_table('matches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sponsor_id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('planned_end_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('end_reason', sa.String(length=20), nullable=True),
    sa.Column('end_note', sa.String(length=500), nullable=True),
    sa.Column('ended_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['child_id'], ['children.id'], name=op.f('fk_matches_child_id_children')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_matches_created_by_id_users')),
    sa.ForeignKeyConstraint(['ended_by_id'], ['users.id'], name=op.f('fk_matches_ended_by_id_users')),
    sa.ForeignKeyConstraint(['sponsor_id'], ['sponsors.id'], name=op.f('fk_matches_sponsor_id_sponsors')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matches'))
    )
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matches_child_id'), ['child_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_matches_ended_on'), ['ended_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_matches_sponsor_id'), ['sponsor_id'], unique=False)
        batch_op.create_index('uq_matches_active_child', ['child_id'], unique=True, sqlite_where=sa.text('ended_on IS NULL'), postgresql_where=sa.text('ended_on IS NULL'))

    op.create_table('contributions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('match_id', sa.Integer(), nullable=False),
    sa.Column('sponsor_id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('kelurahan_code', sa.String(length=13), nullable=False),
    sa.Column('delivered_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('total_value_idr', sa.Integer(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.Column('verified_at', sa.DateTime(), nullable=True),
    sa.Column('rejection_reason', sa.String(length=500), nullable=True),
    sa.Column('voided_by_id', sa.Integer(), nullable=True),
    sa.Column('voided_at', sa.DateTime(), nullable=True),
    sa.Column('void_reason', sa.String(length=500), nullable=True),
    sa.Column('submission_key', sa.String(length=120), nullable=True),
    sa.ForeignKeyConstraint(['child_id'], ['children.id'], name=op.f('fk_contributions_child_id_children')),
    sa.ForeignKeyConstraint(['kelurahan_code'], ['regions.code'], name=op.f('fk_contributions_kelurahan_code_regions')),
    sa.ForeignKeyConstraint(['match_id'], ['matches.id'], name=op.f('fk_contributions_match_id_matches')),
    sa.ForeignKeyConstraint(['sponsor_id'], ['sponsors.id'], name=op.f('fk_contributions_sponsor_id_sponsors')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_contributions_submitted_by_id_users')),
    sa.ForeignKeyConstraint(['verified_by_id'], ['users.id'], name=op.f('fk_contributions_verified_by_id_users')),
    sa.ForeignKeyConstraint(['voided_by_id'], ['users.id'], name=op.f('fk_contributions_voided_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contributions')),
    sa.UniqueConstraint('submission_key', name=op.f('uq_contributions_submission_key'))
    )
    with op.batch_alter_table('contributions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contributions_child_id'), ['child_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contributions_delivered_on'), ['delivered_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_contributions_kelurahan_code'), ['kelurahan_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_contributions_match_id'), ['match_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contributions_sponsor_id'), ['sponsor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contributions_status'), ['status'], unique=False)

    op.create_table('contribution_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contribution_id', sa.Integer(), nullable=False),
    sa.Column('commodity_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=False),
    sa.Column('canonical_quantity', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('value_idr', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['commodity_id'], ['commodities.id'], name=op.f('fk_contribution_items_commodity_id_commodities')),
    sa.ForeignKeyConstraint(['contribution_id'], ['contributions.id'], name=op.f('fk_contribution_items_contribution_id_contributions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contribution_items'))
    )
    with op.batch_alter_table('contribution_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contribution_items_commodity_id'), ['commodity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contribution_items_contribution_id'), ['contribution_id'], unique=False)

    op.create_table('contribution_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contribution_id', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('content_type', sa.String(length=20), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['contribution_id'], ['contributions.id'], name=op.f('fk_contribution_photos_contribution_id_contributions')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_contribution_photos_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contribution_photos')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_contribution_photos_stored_name'))
    )
    with op.batch_alter_table('contribution_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contribution_photos_contribution_id'), ['contribution_id'], unique=False)

    with op.batch_alter_table('children', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_matched', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(batch_op.f('ix_children_is_matched'), ['is_matched'], unique=False)

    with op.batch_alter_table('sponsors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active_matches', sa.Integer(), nullable=False, server_default='0'))

    op.create_table('letter_sequences',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_letter_sequences'))
    )
    op.create_table('letters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('number', sa.String(length=80), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('sponsor_id', sa.Integer(), nullable=True),
    sa.Column('contribution_id', sa.Integer(), nullable=True),
    sa.Column('kecamatan_code', sa.String(length=13), nullable=True),
    sa.Column('period_start', sa.Date(), nullable=True),
    sa.Column('period_end', sa.Date(), nullable=True),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('verify_token', sa.String(length=64), nullable=False),
    sa.Column('short_code', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('superseded_by_id', sa.Integer(), nullable=True),
    sa.Column('superseded_at', sa.DateTime(), nullable=True),
    sa.Column('public_summary', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['contribution_id'], ['contributions.id'], name=op.f('fk_letters_contribution_id_contributions')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_letters_issued_by_id_users')),
    sa.ForeignKeyConstraint(['kecamatan_code'], ['regions.code'], name=op.f('fk_letters_kecamatan_code_regions')),
    sa.ForeignKeyConstraint(['sponsor_id'], ['sponsors.id'], name=op.f('fk_letters_sponsor_id_sponsors')),
    sa.ForeignKeyConstraint(['superseded_by_id'], ['letters.id'], name=op.f('fk_letters_superseded_by_id_letters')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letters')),
    sa.UniqueConstraint('number', name=op.f('uq_letters_number')),
    sa.UniqueConstraint('short_code', name=op.f('uq_letters_short_code')),
    sa.UniqueConstraint('verify_token', name=op.f('uq_letters_verify_token')),
    sa.UniqueConstraint('year', 'seq', name=op.f('uq_letters_year'))
    )
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letters_contribution_id'), ['contribution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_letters_issued_at'), ['issued_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_letters_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_letters_sha256'), ['sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_letters_sponsor_id'), ['sponsor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_letters_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letters_status'))
        batch_op.drop_index(batch_op.f('ix_letters_sponsor_id'))
        batch_op.drop_index(batch_op.f('ix_letters_sha256'))
        batch_op.drop_index(batch_op.f('ix_letters_kind'))
        batch_op.drop_index(batch_op.f('ix_letters_issued_at'))
        batch_op.drop_index(batch_op.f('ix_letters_contribution_id'))

    op.drop_table('letters')
    op.drop_table('letter_sequences')

    with op.batch_alter_table('sponsors', schema=None) as batch_op:
        batch_op.drop_column('active_matches')

    with op.batch_alter_table('children', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_children_is_matched'))
        batch_op.drop_column('is_matched')

    with op.batch_alter_table('contribution_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contribution_photos_contribution_id'))

    op.drop_table('contribution_photos')
    with op.batch_alter_table('contribution_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contribution_items_contribution_id'))
        batch_op.drop_index(batch_op.f('ix_contribution_items_commodity_id'))

    op.drop_table('contribution_items')
    with op.batch_alter_table('contributions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contributions_status'))
        batch_op.drop_index(batch_op.f('ix_contributions_sponsor_id'))
        batch_op.drop_index(batch_op.f('ix_contributions_match_id'))
        batch_op.drop_index(batch_op.f('ix_contributions_kelurahan_code'))
        batch_op.drop_index(batch_op.f('ix_contributions_delivered_on'))
        batch_op.drop_index(batch_op.f('ix_contributions_child_id'))

    op.drop_table('contributions')
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.drop_index('uq_matches_active_child', sqlite_where=sa.text('ended_on IS NULL'), postgresql_where=sa.text('ended_on IS NULL'))
        batch_op.drop_index(batch_op.f('ix_matches_sponsor_id'))
        batch_op.drop_index(batch_op.f('ix_matches_ended_on'))
        batch_op.drop_index(batch_op.f('ix_matches_child_id'))

    op.drop_table('matches')
    op.drop_table('settings')
    op.drop_table('monthly_delivery_counts')
    op.drop_table('monthly_commodity_totals')
    with op.batch_alter_table('commodity_units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commodity_units_commodity_id'))

    op.drop_table('commodity_units')
    op.drop_table('commodities')
