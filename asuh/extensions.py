"""Flask extensions, created here and bound to the app in the factory."""

from collections.abc import Callable

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine

# Named constraints make Alembic migrations reproducible on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])



def configure_sqlite(engine: Engine, busy_timeout_ms: int,
                     begins_writing: Callable[[], bool]) -> None:
    """Make SQLite safe for several gunicorn workers writing at once.

    WAL plus a busy timeout is not enough: a transaction that reads and then writes
    gets SQLITE_BUSY at once (no waiting) if another writer committed in between.
    Write transactions therefore take the write lock up front with BEGIN IMMEDIATE.
    Which transactions write is the unit of work's to say (``begins_writing``, from
    ``asuh.transactions``): reads begin DEFERRED so readers never queue, and a POST
    holds the lock only while its use case runs, not while it parses or decodes.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # pysqlite's own implicit BEGIN would defeat the explicit one below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if begins_writing() else "BEGIN")
