"""stored_files: the database store for photos and other files (ASUH_STORAGE=database)

Revision ID: 0013_storage
Revises: 0012
Create Date: 2026-12-06 12:10:00.000000

Issue 16: several app servers need files every server can read. With
ASUH_STORAGE=database they are rows here (bytea on PostgreSQL), written in the same
transaction as the rows that name them and backed up with them. Empty until then; the
local store's files stay where they are.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0013_storage'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'stored_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=300), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('size_bytes', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('voided_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint('size_bytes >= 0', name=op.f('ck_stored_files_size_bytes')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_files')),
    )
    with op.batch_alter_table('stored_files', schema=None) as batch_op:
        batch_op.create_index('ix_stored_files_key_id', ['key', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('stored_files', schema=None) as batch_op:
        batch_op.drop_index('ix_stored_files_key_id')
    op.drop_table('stored_files')
