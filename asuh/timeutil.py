"""The clock: the database stores naive UTC. (How dates read: ``asuh.formatting``.)"""

from datetime import UTC, datetime


def utcnow() -> datetime:
    # Naive UTC keeps SQLite and PostgreSQL columns comparable without tz juggling.
    return datetime.now(UTC).replace(tzinfo=None)
