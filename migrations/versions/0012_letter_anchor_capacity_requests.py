"""Letters record the audit chain's head at their issue; sponsors' capacity requests

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 09:10:00.000000

Issue 12: every issued letter prints the audit trail's head (sequence number and hash)
when it was issued, so a paper copy can prove the trail up to it with
``audit verify --anchor SEQ:HASH``. Letters issued before stay NULL (nothing to invent).

A sponsor's own capacity change waits for an officer: ``capacity_requests`` holds it.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'capacity_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sponsor_id', sa.Integer(), nullable=False),
        sa.Column('previous', sa.Integer(), nullable=False),
        sa.Column('requested', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('requested_at', sa.DateTime(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.String(length=500), nullable=True),
        sa.CheckConstraint('previous BETWEEN 1 AND 20',
                           name=op.f('ck_capacity_requests_previous')),
        sa.CheckConstraint('requested BETWEEN 1 AND 20',
                           name=op.f('ck_capacity_requests_requested')),
        sa.CheckConstraint("status IN ('approved', 'cancelled', 'pending', 'rejected')",
                           name=op.f('ck_capacity_requests_status')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_capacity_requests_decided_by_id_users')),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'],
                                name=op.f('fk_capacity_requests_requested_by_id_users')),
        sa.ForeignKeyConstraint(['sponsor_id'], ['sponsors.id'],
                                name=op.f('fk_capacity_requests_sponsor_id_sponsors')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_capacity_requests')),
    )
    with op.batch_alter_table('capacity_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_capacity_requests_sponsor_id'), ['sponsor_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_capacity_requests_status'), ['status'],
                              unique=False)
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audit_seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('audit_hash', sa.String(length=64), nullable=True))
        batch_op.create_check_constraint(op.f('ck_letters_audit_seq'), 'audit_seq >= 0')


def downgrade():
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_letters_audit_seq'), type_='check')
        batch_op.drop_column('audit_hash')
        batch_op.drop_column('audit_seq')
    with op.batch_alter_table('capacity_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_capacity_requests_status'))
        batch_op.drop_index(batch_op.f('ix_capacity_requests_sponsor_id'))
    op.drop_table('capacity_requests')
