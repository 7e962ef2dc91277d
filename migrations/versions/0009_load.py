"""Letters record the audit chain's head at their issue

Revision ID: 0009_load
Revises: 0008
Create Date: 2026-12-06 09:10:00.000000

Issue 12: every issued letter prints the audit trail's head (sequence number and hash)
when it was issued, so a paper copy can prove the trail up to it with
``audit verify --anchor SEQ:HASH``. Letters issued before stay NULL (nothing to invent).
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009_load'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audit_seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('audit_hash', sa.String(length=64), nullable=True))
        batch_op.create_check_constraint(op.f('ck_letters_audit_seq'), 'audit_seq >= 0')


def downgrade():
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_letters_audit_seq'), type_='check')
        batch_op.drop_column('audit_hash')
        batch_op.drop_column('audit_seq')
