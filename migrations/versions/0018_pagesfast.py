"""The children list's index: its order and every filter's column in one place

Revision ID: 0018_pagesfast
Revises: 0017_citycat
Create Date: 2026-12-06 15:30:00.000000

Issue 16. The registry's list (``/children``: status, then name and id, filtered by place,
category, re-measure mark, matched and age) reads the ids of one page from
``ix_children_list`` alone on PostgreSQL: the key is the list's order, the INCLUDE columns
are what its filters test, so page 50 of a province's million children skips 1,225 index
entries instead of reading and joining 1,225 rows. SQLite has no INCLUDE: there the index
is the key only (its pages are small enough without).

On PostgreSQL it is built CONCURRENTLY (a million rows take seconds; app servers keep
registering children meanwhile), outside the migration's transaction.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0018_pagesfast'
down_revision = '0017_citycat'
branch_labels = None
depends_on = None

COLUMNS = ['status', 'name', 'id']
INCLUDE = ['kelurahan_code', 'latest_category', 'needs_remeasure', 'is_matched',
           'birth_date']


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        with op.get_context().autocommit_block():
            op.create_index('ix_children_list', 'children', COLUMNS, unique=False,
                            postgresql_include=INCLUDE, postgresql_concurrently=True)
    else:
        op.create_index('ix_children_list', 'children', COLUMNS, unique=False)


def downgrade():
    op.drop_index('ix_children_list', table_name='children')
