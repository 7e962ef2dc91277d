"""Weight-only measurements, the standing-under-9-months flag, re-measure marker, aged_out

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 07:05:00.000000

- ``measurements.height_cm``, ``height_adjusted_cm`` and ``position`` become nullable: a
  monthly weighing records a weight only. Their CHECKs stay as they are (``height_cm > 0``
  is unknown for a NULL, and SQL's CHECK accepts unknown), so a height is still "> 0 when
  present"; a new CHECK ``height_given`` keeps the three together (all or none).
- ``measurements.standing_under_9m``: WHO Anthro's flag for a child under 9 months
  recorded as measured standing (the value is taken as a length).
- ``children.needs_remeasure``: the newest measurement is flagged implausible; the child is
  left out of the stunting figures and matching until a plausible one comes.
- ``children.status`` may be ``aged_out`` (60 months: the child left the balita programme).

Downgrade: a weight-only measurement cannot exist in the old schema and is DELETED; an
``aged_out`` child goes back to ``withdrawn`` (its status reason names the age).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

OLD_STATUS = "status IN ('active', 'deceased', 'graduated', 'moved', 'withdrawn')"
NEW_STATUS = "status IN ('active', 'aged_out', 'deceased', 'graduated', 'moved', 'withdrawn')"
HEIGHT_GIVEN = ("(height_cm IS NULL) = (height_adjusted_cm IS NULL) "
                "AND (height_cm IS NULL) = (position IS NULL)")


def upgrade():
    with op.batch_alter_table("measurements", schema=None) as batch_op:
        batch_op.alter_column("height_cm", existing_type=sa.Numeric(5, 1), nullable=True)
        batch_op.alter_column("height_adjusted_cm", existing_type=sa.Numeric(5, 1),
                              nullable=True)
        batch_op.alter_column("position", existing_type=sa.String(8), nullable=True)
        batch_op.add_column(sa.Column("standing_under_9m", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.create_check_constraint(op.f("ck_measurements_height_given"), HEIGHT_GIVEN)
    with op.batch_alter_table("children", schema=None) as batch_op:
        batch_op.add_column(sa.Column("needs_remeasure", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.drop_constraint(op.f("ck_children_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_children_status"), NEW_STATUS)
    # Existing measurements: a child under 274 days (9 months of 30.4375 days) recorded
    # standing is what WHO Anthro flags.
    op.execute("UPDATE measurements SET standing_under_9m = "
               + ("TRUE" if op.get_bind().dialect.name == "postgresql" else "1")
               + " WHERE position = 'standing' AND age_days < 274")
    # The child's category is that of its latest plausible measurement (a flagged one no
    # longer classifies); before this revision every measurement had a height.
    for column in ("category", "haz"):
        op.execute(
            f"UPDATE children SET latest_{column} = (SELECT m.{column} FROM measurements m"
            " WHERE m.child_id = children.id AND m.voided_at IS NULL AND m.haz IS NOT NULL"
            " AND m.flags = '' ORDER BY m.measured_on DESC LIMIT 1)")
    # The dashboard's growth summaries still hold flagged categories in their grids: run
    # `flask --app app dashboard rebuild` after upgrading (a migration never imports the
    # application's code that computes them).
    # A child whose newest live measurement is flagged must be measured again.
    op.execute(
        "UPDATE children SET needs_remeasure = "
        + ("TRUE" if op.get_bind().dialect.name == "postgresql" else "1")
        + " WHERE id IN (SELECT m.child_id FROM measurements m WHERE m.voided_at IS NULL"
          " AND m.flags <> '' AND m.measured_on = (SELECT max(n.measured_on) FROM measurements n"
          " WHERE n.child_id = m.child_id AND n.voided_at IS NULL))")


def downgrade():
    op.execute("DELETE FROM measurements WHERE height_cm IS NULL")
    op.execute("UPDATE children SET status = 'withdrawn' WHERE status = 'aged_out'")
    with op.batch_alter_table("children", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_children_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_children_status"), OLD_STATUS)
        batch_op.drop_column("needs_remeasure")
    with op.batch_alter_table("measurements", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_measurements_height_given"), type_="check")
        batch_op.drop_column("standing_under_9m")
        batch_op.alter_column("position", existing_type=sa.String(8), nullable=False)
        batch_op.alter_column("height_adjusted_cm", existing_type=sa.Numeric(5, 1),
                              nullable=False)
        batch_op.alter_column("height_cm", existing_type=sa.Numeric(5, 1), nullable=False)
