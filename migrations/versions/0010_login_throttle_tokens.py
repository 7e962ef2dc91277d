"""Sign-in throttle in the database; API token labels; a NIK/NIP unique among live sponsors

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 09:10:00.000000

``login_failures`` counts failed sign-ins for every worker and across restarts (keyed
hashes only: no typed email, no address). ``login_sessions`` gains the label its owner
gave an API token and when it was last used, for the owner's list of tokens.

A citizen whose registration was withdrawn may register again with the same NIK (or NIP):
the old record stays (matches and letters point at it), so the identifiers are unique
only among sponsors not withdrawn: the table-wide unique constraints become partial
unique indexes. The downgrade stops, naming the count, while two records share one.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

LIVE = sa.text("withdrawn_at IS NULL")


def upgrade():
    op.create_table(
        'login_failures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_key', sa.String(length=64), nullable=False),
        sa.Column('client_key', sa.String(length=64), nullable=False),
        sa.Column('failed_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures')),
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index('ix_login_failures_account_at', ['account_key', 'failed_at'],
                              unique=False)
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('label', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('last_used_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('sponsors', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('uq_sponsors_nik'), type_='unique')
        batch_op.drop_constraint(op.f('uq_sponsors_nip'), type_='unique')
        batch_op.create_index('uq_sponsors_live_nik', ['nik'], unique=True,
                              sqlite_where=LIVE, postgresql_where=LIVE)
        batch_op.create_index('uq_sponsors_live_nip', ['nip'], unique=True,
                              sqlite_where=LIVE, postgresql_where=LIVE)


def downgrade():
    bind = op.get_bind()
    shared = bind.execute(sa.text(
        "SELECT (SELECT count(*) - count(DISTINCT nik) FROM sponsors WHERE nik IS NOT NULL)"
        " + (SELECT count(*) - count(DISTINCT nip) FROM sponsors WHERE nip IS NOT NULL)"
    )).scalar()
    if shared:
        raise RuntimeError(
            f"{shared} sponsor records share a NIK/NIP with a withdrawn one (a citizen who "
            "registered again); the schema below 0009 cannot hold them.")
    with op.batch_alter_table('sponsors', schema=None) as batch_op:
        batch_op.drop_index('uq_sponsors_live_nip', sqlite_where=LIVE, postgresql_where=LIVE)
        batch_op.drop_index('uq_sponsors_live_nik', sqlite_where=LIVE, postgresql_where=LIVE)
        batch_op.create_unique_constraint(op.f('uq_sponsors_nip'), ['nip'])
        batch_op.create_unique_constraint(op.f('uq_sponsors_nik'), ['nik'])
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.drop_column('last_used_at')
        batch_op.drop_column('label')
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_account_at')
    op.drop_table('login_failures')
