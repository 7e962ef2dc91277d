"""Scale: the merge point of this branch's two heads (issue 16's bench-scale)

Revision ID: 0015_scale
Revises: 0014_provcity, 0013_storage
Create Date: 2026-12-06 12:25:00.000000

No schema change: the bench at 1,000,000 children found no query an index would save
(the fixes were query shape and caching). It only joins 0014_provcity (after
0013_province) and 0013_storage, both merged into this branch; when the lead re-chains
the migrations on main it can be dropped.
"""


# revision identifiers, used by Alembic.
revision = '0015_scale'
down_revision = ('0014_provcity', '0013_storage')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
