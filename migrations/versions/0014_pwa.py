"""Measurements and confirmations carry a submission key: resent from a phone's outbox, stored once

Revision ID: 0014_pwa
Revises: 0013_storage
Create Date: 2026-12-06 10:30:00.000000

A field user's measurement made without signal waits on the phone (issue 13) and may be
sent more than once (a lost answer, the page and the service worker both trying). Its
form's one-time token is kept with the row, unique, so a resend finds the measurement it
already made instead of being refused as a second one the same day. A delivery's
confirmation keeps its form's token likewise (not unique: one per delivery), so a resend
of a confirmation changes nothing, even after its maker undid it.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0014_pwa"
down_revision = "0013_storage"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('measurements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submission_key', sa.String(length=120), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_measurements_submission_key'),
                                          ['submission_key'])
    with op.batch_alter_table('contributions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmation_key', sa.String(length=120), nullable=True))


def downgrade():
    with op.batch_alter_table('contributions', schema=None) as batch_op:
        batch_op.drop_column('confirmation_key')
    with op.batch_alter_table('measurements', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_measurements_submission_key'), type_='unique')
        batch_op.drop_column('submission_key')
