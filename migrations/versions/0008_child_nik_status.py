"""Child identity: a NIK may be missing or a parent's; unique only when the child's own

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 07:20:00.000000

Posyandu files register children without a NIK and siblings under their mother's NIK.
``children.nik_status`` says whose the NIK is: ``own`` (the child's), ``parent`` ("NIK
orang tua", shared by siblings), ``not_own`` (an officer found it belongs to another
child) or ``missing`` ("NIK belum ada", nik NULL). Only an own NIK is unique, so the
table-wide unique constraint becomes a partial unique index.

The downgrade can only go back when every NIK is present and unique again: it stops,
naming the rows, rather than dropping children.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

OWN = sa.text("nik_status = 'own'")
MISSING = sa.text("nik_status = 'missing'")


def upgrade():
    with op.batch_alter_table('children', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nik_status', sa.String(length=8), nullable=False,
                                      server_default='own'))
        batch_op.alter_column('nik', existing_type=sa.String(length=16), nullable=True)
        batch_op.drop_constraint(op.f('uq_children_nik'), type_='unique')
        batch_op.create_check_constraint(
            op.f('ck_children_nik_status'),
            "nik_status IN ('missing', 'not_own', 'own', 'parent')")
        batch_op.create_check_constraint(
            op.f('ck_children_nik_missing'), "(nik IS NULL) = (nik_status = 'missing')")
        batch_op.create_index(op.f('ix_children_nik'), ['nik'], unique=False)
        batch_op.create_index('uq_children_own_nik', ['nik'], unique=True,
                              sqlite_where=OWN, postgresql_where=OWN)
        # Imports look for children without a NIK by birth date; they are few.
        batch_op.create_index('ix_children_without_nik', ['birth_date'], unique=False,
                              sqlite_where=MISSING, postgresql_where=MISSING)


def downgrade():
    bind = op.get_bind()
    blocking = bind.execute(sa.text(
        "SELECT count(*) FROM children WHERE nik_status <> 'own'")).scalar()
    if blocking:
        raise RuntimeError(
            f"{blocking} children have no NIK of their own (nik_status <> 'own'); give them "
            "their own NIK before downgrading below 0007.")
    with op.batch_alter_table('children', schema=None) as batch_op:
        batch_op.drop_index('ix_children_without_nik', sqlite_where=MISSING,
                            postgresql_where=MISSING)
        batch_op.drop_index('uq_children_own_nik', sqlite_where=OWN, postgresql_where=OWN)
        batch_op.drop_index(op.f('ix_children_nik'))
        batch_op.drop_constraint(op.f('ck_children_nik_missing'), type_='check')
        batch_op.drop_constraint(op.f('ck_children_nik_status'), type_='check')
        batch_op.create_unique_constraint(op.f('uq_children_nik'), ['nik'])
        batch_op.alter_column('nik', existing_type=sa.String(length=16), nullable=False)
        batch_op.drop_column('nik_status')
