"""Import files kept between the preview and the officer's confirmation.

The file waits in ``UPLOAD_FOLDER/imports/<random token>/`` rather than in the session
cookie (it can be megabytes, and the cookie is readable by the browser). Confirming
re-reads and re-checks it, because the registry may have changed in between. Files
are tied to the user who uploaded them and discarded after a day.
"""

import json
import re
import secrets
import shutil
import time
from pathlib import Path, PurePath

from flask import current_app
from werkzeug.utils import secure_filename

from asuh.timeutil import utcnow

KEEP_SECONDS = 24 * 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
_DATA = "upload.bin"
_META = "meta.json"


def _root() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / "imports"


def _folder(token: str) -> Path | None:
    # The token comes from the URL: only our own alphabet, so it can never climb out.
    if not _TOKEN.match(token or ""):
        return None
    return _root() / token


def discard_stale(now: float | None = None) -> None:
    """Remove kept files older than a day (previews nobody confirmed)."""
    root = _root()
    if not root.is_dir():
        return
    limit = (now or time.time()) - KEEP_SECONDS
    for folder in root.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < limit:
            shutil.rmtree(folder, ignore_errors=True)


def keep(filename: str, data: bytes, user) -> str:
    """Store an uploaded file for ``user``; returns the token naming it."""
    discard_stale()
    token = secrets.token_urlsafe(24)
    folder = _root() / token
    folder.mkdir(parents=True, mode=0o700)
    (folder / _DATA).write_bytes(data)
    suffix = PurePath(filename or "").suffix.lower()
    shown = secure_filename(filename or "") or f"berkas{suffix}"
    (folder / _META).write_text(json.dumps({
        "filename": shown, "suffix": suffix, "user_id": user.id,
        "uploaded_at": utcnow().isoformat()}))
    return token


def load(token: str, user) -> tuple[str, bytes] | None:
    """``(filename, data)`` of a kept file, or None if missing, stale or someone else's."""
    folder = _folder(token)
    if folder is None or not (folder / _META).is_file():
        return None
    meta = json.loads((folder / _META).read_text())
    if meta.get("user_id") != user.id:
        return None
    if folder.stat().st_mtime < time.time() - KEEP_SECONDS:
        discard(token)
        return None
    filename = meta["filename"]
    if not filename.lower().endswith(meta["suffix"]):
        filename += meta["suffix"]
    return filename, (folder / _DATA).read_bytes()


def discard(token: str) -> None:
    folder = _folder(token)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
