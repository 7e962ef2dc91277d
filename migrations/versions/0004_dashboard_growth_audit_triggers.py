"""Dashboard: child growth summaries, covering indexes, append-only audit trail

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 12:30:00.000000

"""
from datetime import date
from decimal import Decimal
from itertools import groupby

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# Frozen copies of asuh/audit/appendonly.py's statements (a migration must not change
# when the application code does later).
MESSAGE = "audit trail is append-only"
SQLITE_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS audit_records_no_update BEFORE UPDATE ON audit_records "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_records_no_delete BEFORE DELETE ON audit_records "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
)
POSTGRESQL_TRIGGERS = (
    "CREATE OR REPLACE FUNCTION audit_records_append_only() RETURNS trigger LANGUAGE plpgsql "
    f"AS $$ BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$",
    "DROP TRIGGER IF EXISTS audit_records_no_update ON audit_records",
    "DROP TRIGGER IF EXISTS audit_records_no_delete ON audit_records",
    "CREATE TRIGGER audit_records_no_update BEFORE UPDATE ON audit_records "
    "FOR EACH ROW EXECUTE FUNCTION audit_records_append_only()",
    "CREATE TRIGGER audit_records_no_delete BEFORE DELETE ON audit_records "
    "FOR EACH ROW EXECUTE FUNCTION audit_records_append_only()",
)


def upgrade():
    op.create_table('child_growth_summaries',
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('first_month', sa.Integer(), nullable=False),
    sa.Column('grid', sa.Text(), nullable=False),
    sa.Column('latest_on', sa.Date(), nullable=False),
    sa.Column('latest_weight_kg', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('compared_on', sa.Date(), nullable=True),
    sa.Column('compared_weight_kg', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('weight_stalled', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['child_id'], ['children.id'], name=op.f('fk_child_growth_summaries_child_id_children')),
    sa.PrimaryKeyConstraint('child_id', name=op.f('pk_child_growth_summaries'))
    )
    with op.batch_alter_table('child_growth_summaries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_child_growth_summaries_weight_stalled'), ['weight_stalled'], unique=False)

    op.create_index('ix_children_dashboard', 'children', ['status', 'kelurahan_code', 'latest_category', 'is_matched'], unique=False)
    op.create_index('ix_sponsors_dashboard', 'sponsors', ['kelurahan_code', 'kind', 'active_matches', 'approved_at', 'withdrawn_at'], unique=False)
    op.create_index('ix_matches_dashboard', 'matches', ['ended_on', 'start_on', 'child_id'], unique=False)
    op.create_index('ix_contributions_dashboard', 'contributions', ['status', 'delivered_on', 'child_id'], unique=False)
    op.create_index('ix_audit_records_entity', 'audit_records', ['entity_type', 'entity_id'], unique=False)

    # Growth summaries of children measured before this migration.
    _fill_growth_summaries()

    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for sql in POSTGRESQL_TRIGGERS:
            op.execute(sql)
    elif dialect == "sqlite":
        for sql in SQLITE_TRIGGERS:
            op.execute(sql)


def _fill_growth_summaries():
    """Compute the summaries of existing data (an empty database has none to compute)."""
    bind = op.get_bind()
    if not bind.execute(sa.text("SELECT 1 FROM measurements WHERE voided_at IS NULL LIMIT 1")).first():
        return
    rows = bind.execute(sa.text(
        "SELECT child_id, measured_on, category, weight_kg FROM measurements "
        "WHERE voided_at IS NULL ORDER BY child_id, measured_on, id").columns(
        sa.column('child_id', sa.Integer()), sa.column('measured_on', sa.Date()),
        sa.column('category', sa.String()), sa.column('weight_kg', sa.Numeric(5, 2))))
    table = sa.table(
        'child_growth_summaries', sa.column('child_id'), sa.column('first_month'),
        sa.column('grid'), sa.column('latest_on', sa.Date()),
        sa.column('latest_weight_kg', sa.Numeric(5, 2)), sa.column('compared_on', sa.Date()),
        sa.column('compared_weight_kg', sa.Numeric(5, 2)), sa.column('weight_stalled'))
    batch = []
    for values in summary_rows(rows):
        batch.append(values)
        if len(batch) >= 5000:
            op.bulk_insert(table, batch)
            batch = []
    if batch:
        op.bulk_insert(table, batch)


# --- frozen copy of asuh/dashboard/growth.py's summary rules (and the category codes in
# dashboard/models.py) as they were at this revision. The rows this migration writes must
# not change when the application's rules do later: a later rule change brings its own
# migration (or `flask dashboard rebuild`). Do not edit this to follow the app, and never
# import asuh here (tests/test_migrations.py fails if a migration does).
CATEGORY_CODES = {"severely_stunted": "1", "stunted": "2", "normal": "3", "tall": "4"}
UNKNOWN_CODE = "5"
COMPARE_MIN_DAYS = 49
COMPARE_MAX_DAYS = 91


def month_number(day: date) -> int:
    return day.year * 12 + day.month - 1


def _grid(points):
    first = month_number(points[0][0])
    cells = [["0", "0", 0] for _ in range(month_number(points[-1][0]) - first + 1)]
    for measured_on, category in points:
        cell = cells[month_number(measured_on) - first]
        code = CATEGORY_CODES.get(category or "", UNKNOWN_CODE)
        if cell[2] == 0:
            cell[0] = code
        cell[1] = code
        cell[2] += 1
    return first, "".join(f"{a}{b}{min(n, 9)}" if n else "000" for a, b, n in cells)


def summarize(child_id, measurements):
    first_month, grid = _grid([(day, category) for day, category, _ in measurements])
    latest_on, _, latest_weight = measurements[-1]
    compared = None
    for day, _, weight in reversed(measurements[:-1]):
        gap = (latest_on - day).days
        if gap > COMPARE_MAX_DAYS:
            break
        if gap >= COMPARE_MIN_DAYS:
            compared = (day, weight)
            break
    return {
        "child_id": child_id, "first_month": first_month, "grid": grid,
        "latest_on": latest_on, "latest_weight_kg": Decimal(latest_weight),
        "compared_on": compared[0] if compared else None,
        "compared_weight_kg": Decimal(compared[1]) if compared else None,
        "weight_stalled": compared is not None and Decimal(latest_weight) <= Decimal(compared[1]),
    }


def summary_rows(rows):
    for child_id, group in groupby(rows, key=lambda row: row[0]):
        yield summarize(child_id, [(row[1], row[2], row[3]) for row in group])


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_records_no_update ON audit_records")
        op.execute("DROP TRIGGER IF EXISTS audit_records_no_delete ON audit_records")
        op.execute("DROP FUNCTION IF EXISTS audit_records_append_only()")
    elif dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_records_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_records_no_delete")

    op.drop_index('ix_audit_records_entity', table_name='audit_records')
    op.drop_index('ix_contributions_dashboard', table_name='contributions')
    op.drop_index('ix_matches_dashboard', table_name='matches')
    op.drop_index('ix_sponsors_dashboard', table_name='sponsors')
    op.drop_index('ix_children_dashboard', table_name='children')
    with op.batch_alter_table('child_growth_summaries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_child_growth_summaries_weight_stalled'))

    op.drop_table('child_growth_summaries')
