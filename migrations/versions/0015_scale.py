"""Scale: indexes the province-sized database needs (issue 16's bench-scale)

Revision ID: 0015_scale
Revises: 0013_province, 0013_storage
Create Date: 2026-12-06 12:25:00.000000

Also the merge point of the two 0013 revisions this branch merged (the lead re-chains
them at merge: then down_revision is simply the newest revision on main).
"""


# revision identifiers, used by Alembic.
revision = '0015_scale'
down_revision = ('0013_province', '0013_storage')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
