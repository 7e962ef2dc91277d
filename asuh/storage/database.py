"""The database store: files as rows of ``stored_files`` (``ASUH_STORAGE=database``).

For several app servers. Every server already reaches the database, so nothing more is
run or backed up; a photo is written in the same transaction as its row (a rolled-back
act leaves no file, a committed one never lacks its file); and the database backup holds
the files with the rows that name them, from one snapshot.

Writes follow the write-lock rule (``asuh.transactions``): the bytes are made before, and
inside a unit of work the row joins its transaction; outside one (an import file kept
between preview and confirmation) it is a short write of its own. Reads never take the
lock.
"""

import hashlib
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from asuh.extensions import db
from asuh.storage.base import FileInfo, StorageUnavailable, Store
from asuh.storage.models import StoredFile
from asuh.timeutil import utcnow
from asuh.transactions import end_read, short_write


def _current(key: str):
    return (StoredFile.key == key, StoredFile.voided_at.is_(None))


@short_write
def _insert(key: str, data: bytes, content_type: str) -> None:
    db.session.add(StoredFile(key=key, data=data, size_bytes=len(data),
                              sha256=hashlib.sha256(data).hexdigest(),
                              content_type=content_type))
    db.session.flush()


@short_write
def _void(condition) -> int:
    # The bytes go (an import file holds NIKs nobody asked to keep); the row stays.
    return db.session.execute(
        update(StoredFile).where(*condition).values(voided_at=utcnow(), data=b"")
        .execution_options(synchronize_session=False)).rowcount


class DatabaseStore(Store):
    name = "database"
    keeps_derived_on_read = False

    def save(self, key: str, data: bytes, content_type: str) -> None:
        _insert(self.checked(key), bytes(data), content_type)

    def read(self, key: str) -> bytes | None:
        return db.session.scalar(select(StoredFile.data).where(*_current(self.checked(key)))
                                 .order_by(StoredFile.id.desc()).limit(1))

    def info(self, key: str) -> FileInfo | None:
        row = db.session.execute(
            select(StoredFile.size_bytes, StoredFile.created_at)
            .where(*_current(self.checked(key))).order_by(StoredFile.id.desc()).limit(1)
        ).first()
        return FileInfo(size=row[0], created_at=row[1]) if row else None

    def void(self, key: str) -> None:
        key = self.checked(key)
        if self.exists(key):
            _void(_current(key))

    def void_older_than(self, prefix: str, limit: datetime) -> int:
        condition = (StoredFile.key.startswith(self.checked_prefix(prefix) + "/",
                                               autoescape=True),
                     StoredFile.created_at < limit, StoredFile.voided_at.is_(None))
        # Read first: the usual answer is "none", which needs no write at all.
        if db.session.scalar(select(StoredFile.id).where(*condition).limit(1)) is None:
            return 0
        return _void(condition)

    def probe(self) -> None:
        """The table answers (nothing is written: a probe must not fill the store)."""
        try:
            db.session.execute(select(StoredFile.id).limit(1)).all()
        except SQLAlchemyError as error:
            end_read()  # the failed statement's transaction is of no further use
            cause = type(getattr(error, "orig", None) or error).__name__
            raise StorageUnavailable(f"the stored_files table cannot be read ({cause})") from None
