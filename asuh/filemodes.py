"""Owner-only files: the instance folder and the SQLite database hold personal data
(NIK, children's growth), the keys and the uploads; no other account on the server may
read them, whatever the umask of the service that created them."""

import logging
import os
from contextlib import suppress
from pathlib import Path

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)


def _chmod(path: Path, mode: int) -> None:
    try:
        path.chmod(mode)
    except PermissionError:
        # Another account owns it (a shared deployment): say so rather than refuse to start.
        log.warning("cannot make %s owner-only (mode %o): not its owner", path, mode)


def private_dir(path: Path) -> Path:
    """Create ``path`` (mode 0700), or tighten an existing one to it."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    _chmod(path, 0o700)
    return path


def private_sqlite_file(url: str) -> None:
    """Create the SQLite database file 0600 before SQLite does (it would use the umask);
    its -wal and -shm files take the database file's mode."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return
    path = Path(parsed.database)
    if not path.parent.is_dir():
        return  # SQLite reports the wrong path on first use, as it always did
    if not path.exists():
        # Only a file that is not there yet is opened here: closing any descriptor of an
        # open database drops every POSIX lock this process holds on it, and another
        # process then takes itself for the last connection and deletes the -wal and
        # -shm in use ("disk I/O error"; sqlite.org/howtocorrupt.html, 2.2). A second app
        # built in a process that already uses the database (a test, a command) did.
        with suppress(FileExistsError):
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if candidate.exists():
            _chmod(candidate, 0o600)
