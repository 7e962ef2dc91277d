"""Sponsors: a registration can be rejected with a reason; the record is kept

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 09:10:00.000000

An officer refuses a self-registration ("Tolak pendaftaran") with a reason; the sponsor
record stays (status rejected), as everything in Asuh is kept rather than deleted.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sponsors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rejected_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('rejected_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('rejection_reason', sa.String(length=500),
                                      nullable=True))
        batch_op.create_foreign_key(op.f('fk_sponsors_rejected_by_id_users'), 'users',
                                    ['rejected_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('sponsors', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_sponsors_rejected_by_id_users'), type_='foreignkey')
        batch_op.drop_column('rejection_reason')
        batch_op.drop_column('rejected_by_id')
        batch_op.drop_column('rejected_at')
