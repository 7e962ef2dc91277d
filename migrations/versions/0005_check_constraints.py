"""Guards in the schema: CHECK constraints on quantities, capacity and status values

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 06:30:00.000000

The services refuse these values first, with a message; the database refuses them too, so
a bug, a hand-written SQL fix or a new code path cannot store them. The value lists are
frozen here as they are in the models at this revision (a migration never imports the
application): a new status in code needs a new migration, and
``tests/test_schema_checks.py`` fails until it has one.

On SQLite each table is rebuilt (batch mode; SQLite cannot add a constraint in place).
``env.py`` turns foreign keys off around the migration for that and checks them after.
On PostgreSQL ``ADD CONSTRAINT`` checks the existing rows: a database holding a value
these forbid stops the upgrade, naming the constraint, instead of hiding the row.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# {table: ((name, condition), ...)}; the constraint is ck_<table>_<name>. A NULL passes a
# CHECK, so nullable columns stay nullable.
CHECKS = {
    "users": (
        ("role", "role IN ('admin', 'auditor', 'field', 'officer', 'sponsor')"),
    ),
    "login_sessions": (
        ("kind", "kind IN ('api', 'web')"),
    ),
    "regions": (
        ("level", "level IN ('kecamatan', 'kelurahan')"),
        ("village_type", "village_type IN ('desa', 'desa_adat', 'kelurahan')"),
    ),
    "sponsors": (
        ("active_matches", "active_matches >= 0"),
        ("capacity", "capacity BETWEEN 1 AND 20"),
        ("kind", "kind IN ('asn', 'citizen')"),
        ("registered_via", "registered_via IN ('api', 'officer', 'self')"),
    ),
    "children": (
        ("latest_category", "latest_category IN ('normal', 'severely_stunted', 'stunted', 'tall')"),
        ("sex", "sex IN ('L', 'P')"),
        ("status", "status IN ('active', 'deceased', 'graduated', 'moved', 'withdrawn')"),
    ),
    "measurements": (
        ("age_days", "age_days >= 0"),
        ("category", "category IN ('normal', 'severely_stunted', 'stunted', 'tall')"),
        ("height_adjusted_cm", "height_adjusted_cm > 0"),
        ("height_cm", "height_cm > 0"),
        ("position", "position IN ('lying', 'standing')"),
        ("wasting_category", "wasting_category IN ('normal', 'obese', 'overweight', "
                             "'risk_of_overweight', 'severely_wasted', 'wasted')"),
        ("weight_category", "weight_category IN ('normal', 'risk_of_overweight', "
                            "'severely_underweight', 'underweight')"),
        ("weight_kg", "weight_kg > 0"),
    ),
    "matches": (
        ("end_reason", "end_reason IN ('child_graduated', 'moved', 'other', 'period_over', "
                       "'sponsor_withdrew')"),
        ("ended", "(ended_on IS NULL) = (end_reason IS NULL)"),
    ),
    "commodity_units": (
        ("factor", "factor > 0"),
    ),
    "contributions": (
        ("status", "status IN ('confirmed', 'pending', 'rejected', 'voided')"),
        ("total_value_idr", "total_value_idr >= 0"),
    ),
    "contribution_items": (
        ("canonical_quantity", "canonical_quantity > 0"),
        ("quantity", "quantity > 0"),
        ("value_idr", "value_idr >= 0"),
    ),
    "contribution_photos": (
        ("content_type", "content_type IN ('image/jpeg', 'image/png', 'image/webp')"),
        ("height", "height > 0"),
        ("size_bytes", "size_bytes > 0"),
        ("width", "width > 0"),
    ),
    "monthly_delivery_counts": (
        ("sponsor_kind", "sponsor_kind IN ('asn', 'citizen')"),
    ),
    "letters": (
        ("kind", "kind IN ('handover_receipt', 'recap', 'sponsor_statement')"),
        ("seq", "seq > 0"),
        ("status", "status IN ('current', 'superseded')"),
    ),
    "letter_sequences": (
        ("last_seq", "last_seq >= 0"),
    ),
    "child_growth_summaries": (
        ("compared_weight_kg", "compared_weight_kg > 0"),
        ("latest_weight_kg", "latest_weight_kg > 0"),
    ),
}


def upgrade():
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, condition in checks:
                batch_op.create_check_constraint(op.f(f"ck_{table}_{name}"), condition)


def downgrade():
    for table, checks in reversed(CHECKS.items()):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _condition in reversed(checks):
                batch_op.drop_constraint(op.f(f"ck_{table}_{name}"), type_="check")
