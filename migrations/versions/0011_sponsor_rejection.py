"""Sponsors: a registration can be rejected with a reason; the record is kept

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 09:10:00.000000

An officer refuses a self-registration ("Tolak pendaftaran") with a reason; the sponsor
record stays (status rejected), as everything in Asuh is kept rather than deleted.
A rejected sponsor's NIK/NIP is free again, as a withdrawn one's is (0010): the partial
unique indexes' condition widens to "neither withdrawn nor rejected".
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


WITHDRAWN_ONLY = sa.text("withdrawn_at IS NULL")
HOLDS = sa.text("withdrawn_at IS NULL AND rejected_at IS NULL")


def _live_indexes(batch_op, drop, create) -> None:
    for column in ("nip", "nik"):
        batch_op.drop_index(f"uq_sponsors_live_{column}", sqlite_where=drop,
                            postgresql_where=drop)
        batch_op.create_index(f"uq_sponsors_live_{column}", [column], unique=True,
                              sqlite_where=create, postgresql_where=create)


def upgrade():
    with op.batch_alter_table('sponsors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rejected_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('rejected_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('rejection_reason', sa.String(length=500),
                                      nullable=True))
        batch_op.create_foreign_key(op.f('fk_sponsors_rejected_by_id_users'), 'users',
                                    ['rejected_by_id'], ['id'])
    with op.batch_alter_table('sponsors', schema=None) as batch_op:
        _live_indexes(batch_op, WITHDRAWN_ONLY, HOLDS)


def downgrade():
    shared = op.get_bind().execute(sa.text(
        "SELECT (SELECT count(nik) - count(DISTINCT nik) FROM sponsors"
        " WHERE withdrawn_at IS NULL)"
        " + (SELECT count(nip) - count(DISTINCT nip) FROM sponsors WHERE withdrawn_at IS NULL)"
    )).scalar()
    if shared:
        raise RuntimeError(
            f"{shared} sponsor records share a NIK/NIP with a rejected one (a citizen who "
            "registered again); the schema below 0011 cannot hold them.")
    with op.batch_alter_table('sponsors', schema=None) as batch_op:
        _live_indexes(batch_op, HOLDS, WITHDRAWN_ONLY)
    with op.batch_alter_table('sponsors', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_sponsors_rejected_by_id_users'), type_='foreignkey')
        batch_op.drop_column('rejection_reason')
        batch_op.drop_column('rejected_by_id')
        batch_op.drop_column('rejected_at')
