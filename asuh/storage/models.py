"""``stored_files``: the database store's files (``ASUH_STORAGE=database``).

One row per version of a key. A key saved again gets a new row (the newest is the file;
the older rows are superseded, kept); a file the domain is done with (an import preview
nobody confirmed) is voided: its row stays as the trace, its bytes are dropped, as the
local store unlinks it. Nothing is deleted.
"""

from datetime import datetime

from sqlalchemy import Index, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from asuh.checks import not_negative
from asuh.extensions import db
from asuh.timeutil import utcnow


class StoredFile(db.Model):
    __tablename__ = "stored_files"
    __table_args__ = (
        not_negative("size_bytes"),
        # The file of a key is its newest row that is not voided: one index walk.
        Index("ix_stored_files_key_id", "key", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300))
    # bytea on PostgreSQL (TOASTed out of line), BLOB on SQLite. Deferred: listing rows
    # never drags the bytes along.
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    voided_at: Mapped[datetime | None]
