"""The local store: files under ``UPLOAD_FOLDER``, at the very paths they always had.

For one server. Each file is written under a temporary ``.part`` name, owner-only, and
renamed into place, so a reader (or a backup) sees it whole or not at all. A file written
inside a unit of work that then rolls back is removed again: a refused or failed act
leaves nothing behind on disk, as the database store's row would not be there either.
"""

import os
import secrets
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

from asuh.extensions import db
from asuh.storage.base import FileInfo, StorageUnavailable, Store
from asuh.timeutil import utcnow
from asuh.transactions import in_unit_of_work

_WRITTEN = "asuh_storage_local_written"


class LocalStore(Store):
    name = "local"
    keeps_derived_on_read = True  # a file write takes no database lock

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / self.checked(key)

    def save(self, key: str, data: bytes, content_type: str) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        # Stamped with the app's clock (asuh.timeutil), as the database store's created_at:
        # "older than a day" means the same in both stores.
        stamp = utcnow().replace(tzinfo=UTC).timestamp()
        os.utime(partial, (stamp, stamp))
        os.replace(partial, target)  # two writers of one key: the last one wins, whole
        if in_unit_of_work():
            # The file belongs to the act's transaction: begun now if nothing else began
            # it, so its rollback (which removes the file) is a real one.
            db.session.connection()
            db.session.info.setdefault(_WRITTEN, []).append(target)

    def read(self, key: str) -> bytes | None:
        path = self.path(key)
        try:
            return path.read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            return None

    def info(self, key: str) -> FileInfo | None:
        try:
            stat = self.path(key).stat()
        except FileNotFoundError:
            return None
        return FileInfo(size=stat.st_size,
                        created_at=datetime.fromtimestamp(stat.st_mtime, UTC)
                        .replace(tzinfo=None))

    def void(self, key: str) -> None:
        path = self.path(key)
        path.unlink(missing_ok=True)
        self._prune(path.parent)

    def void_older_than(self, prefix: str, limit: datetime) -> int:
        folder = self.root / self.checked_prefix(prefix)
        if not folder.is_dir():
            return 0
        stamp = limit.replace(tzinfo=UTC).timestamp()
        voided = 0
        for path in sorted(folder.rglob("*"), reverse=True):
            if path.is_file() and path.stat().st_mtime < stamp:
                path.unlink(missing_ok=True)
                voided += 1
            elif path.is_dir():
                self._prune(path)
        return voided

    def _prune(self, folder: Path) -> None:
        """Remove a folder a voided file leaves empty (an import's token folder)."""
        if folder != self.root and self.root in folder.parents:
            with suppress(OSError):  # not empty, or gone
                folder.rmdir()

    def probe(self) -> None:
        """The folder can take a file: one is written, read back and removed."""
        try:
            self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
            probe = self.root / f".healthz.{os.getpid()}.{secrets.token_hex(4)}"
            fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(b"ok")
                if probe.read_bytes() != b"ok":
                    raise StorageUnavailable("the upload folder returned other bytes")
            finally:
                probe.unlink(missing_ok=True)
        except OSError as error:
            raise StorageUnavailable(
                f"the upload folder cannot be written ({error.strerror or error})") from None


@event.listens_for(Session, "after_commit")
def _keep_written(session) -> None:
    session.info.pop(_WRITTEN, None)


@event.listens_for(Session, "after_rollback")
def _remove_written(session) -> None:
    for path in session.info.pop(_WRITTEN, []):
        Path(path).unlink(missing_ok=True)
