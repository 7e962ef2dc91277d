"""Bulk inserts of an import's new rows: PostgreSQL's COPY there, a multi-row INSERT elsewhere.

Profiled at 1,000,000 children (issue 16): inserting a 500-row batch of children through
SQLAlchemy's multi-row ``INSERT … RETURNING`` spent most of its time in the driver
turning a 7,500-parameter statement into PostgreSQL's form (psycopg caches that only for
short statements) and the rest in the server planning it; the batch's measurements the
same. ``COPY … FROM STDIN`` sends the rows as data, with no statement to convert or plan.
The ids come first from the table's own sequence (``nextval`` for as many rows in one
query), so every row's id is known without ``RETURNING`` and without matching rows back
by their values. Python-side column defaults (``created_at``, ``flags`` …) are filled in
here, since COPY only applies the server's.

SQLite (the embedded city) keeps the plain multi-row INSERT: it is already fast there.
"""

from sqlalchemy import text

from asuh.extensions import db


def _python_defaults(table) -> dict:
    """Column name → Python-side default: a value or a zero-argument callable."""
    defaults = {}
    for column in table.columns:
        if column.primary_key or column.default is None:
            continue
        default = column.default
        if default.is_scalar:
            defaults[column.name] = default.arg
        elif default.is_callable:
            # SQLAlchemy wraps a plain callable to take the execution context; none of
            # these defaults reads it.
            defaults[column.name] = lambda fn=default.arg: fn(None)
    return defaults


def copies() -> bool:
    """Whether this database takes COPY (PostgreSQL)."""
    return db.session.get_bind().dialect.name == "postgresql"


def copy_rows(model, rows: list[dict]) -> list[int]:
    """Insert ``rows`` (dicts of column values) into ``model``'s table by COPY, in the
    current transaction; their new ids, in order. PostgreSQL only (``copies()``)."""
    if not rows:
        return []
    table = model.__table__
    session = db.session
    ids = list(session.scalars(text(
        "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
        {"table": table.name, "n": len(rows)}))
    names = list(dict.fromkeys(name for row in rows for name in row))
    defaults = _python_defaults(table)
    filled = {name: defaults.pop(name, None) for name in names}  # a key some rows lack
    columns = ["id", *names, *defaults]
    quoted = ", ".join(f'"{name}"' for name in columns)
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({quoted}) FROM STDIN") as copy:
        for new_id, row in zip(ids, rows, strict=True):
            copy.write_row((new_id, *(row[name] if name in row else _value(filled[name])
                                      for name in names),
                            *(_value(value) for value in defaults.values())))
    return ids


def _value(default):
    return default() if callable(default) else default
