"""CHECK constraints for the models: the database refuses a row no service would write.

The services validate first and explain in Indonesian; these are the last line, for a
bug, a hand-written SQL fix or a future code path that forgets a rule. Each constraint is
named after its column, so the naming convention makes it ``ck_<table>_<column>`` and the
error names the column that broke it.

A value list is built from the area's own constants, so adding a status in code without a
migration shows up at once: ``tests/test_schema_checks.py`` compares the database's
constraints with these.
"""

from collections.abc import Iterable

from sqlalchemy import CheckConstraint


def one_of(column: str, values: Iterable[str]) -> CheckConstraint:
    """``column IN (...)``; a NULL passes (SQL's CHECK accepts unknown), so nullable
    columns stay nullable."""
    listed = sorted(str(value) for value in values)
    if any("'" in value for value in listed):
        raise ValueError(f"{column}: a quote in a value would break the SQL")
    quoted = ", ".join(f"'{value}'" for value in listed)
    return CheckConstraint(f"{column} IN ({quoted})", name=column)


def positive(column: str) -> CheckConstraint:
    return CheckConstraint(f"{column} > 0", name=column)


def not_negative(column: str) -> CheckConstraint:
    return CheckConstraint(f"{column} >= 0", name=column)


def between(column: str, low: int, high: int) -> CheckConstraint:
    return CheckConstraint(f"{column} BETWEEN {low} AND {high}", name=column)
