"""Import files kept between the preview and the officer's confirmation.

The file waits in the store (``asuh.storage``, key ``imports/<random token>/…``; the
local store: ``UPLOAD_FOLDER/imports/<token>/``) rather than in the session cookie (it
can be megabytes, and the cookie is readable by the browser); the confirmation may reach
another app server than the preview did, and reads it there. Confirming re-reads and
re-checks it, because the registry may have changed in between. Files are tied to the
user who uploaded them and discarded after a day.
"""

import json
import re
import secrets
from datetime import timedelta
from pathlib import PurePath

from werkzeug.utils import secure_filename

from asuh import storage
from asuh.timeutil import utcnow

KEEP_SECONDS = 24 * 3600
FOLDER = "imports"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
_DATA = "upload.bin"
_META = "meta.json"


def _key(token: str, name: str) -> str | None:
    # The token comes from the URL: only our own alphabet, so it can never climb out.
    if not _TOKEN.match(token or ""):
        return None
    return f"{FOLDER}/{token}/{name}"


def discard_stale() -> None:
    """Discard kept files older than a day (previews nobody confirmed)."""
    storage.void_older_than(FOLDER, utcnow() - timedelta(seconds=KEEP_SECONDS))


def keep(filename: str, data: bytes, user) -> str:
    """Store an uploaded file for ``user``; returns the token naming it."""
    discard_stale()
    token = secrets.token_urlsafe(24)
    suffix = PurePath(filename or "").suffix.lower()
    shown = secure_filename(filename or "") or f"berkas{suffix}"
    storage.save(_key(token, _DATA), data)
    # The meta file last: its presence means the upload is whole.
    storage.save(_key(token, _META), json.dumps({
        "filename": shown, "suffix": suffix, "user_id": user.id,
        "uploaded_at": utcnow().isoformat()}).encode(), "application/json")
    return token


def note(token: str, **values) -> None:
    """Add ``values`` to a kept file's record (the job previewing a large file)."""
    meta_key = _key(token, _META)
    meta = json.loads(storage.read(meta_key) or b"{}")
    storage.save(meta_key, json.dumps({**meta, **values}).encode(), "application/json")


def details(token: str, user) -> dict | None:
    """A kept file's record (name, who, when, and what ``note`` added), or None if
    missing, stale or someone else's; the file itself is not read."""
    meta_key = _key(token, _META)
    found = storage.info(meta_key) if meta_key else None
    if found is None:
        return None
    meta = json.loads(storage.read(meta_key) or b"{}")
    if meta.get("user_id") != user.id:
        return None
    if found.created_at < utcnow() - timedelta(seconds=KEEP_SECONDS):
        discard(token)
        return None
    return meta


def load(token: str, user) -> tuple[str, bytes] | None:
    """``(filename, data)`` of a kept file, or None if missing, stale or someone else's."""
    meta = details(token, user)
    if meta is None:
        return None
    data = storage.read(_key(token, _DATA))
    if data is None:
        return None
    return filename_of(meta), data


def filename_of(meta: dict) -> str:
    """The kept file's name as shown (with its type's suffix)."""
    filename = meta["filename"]
    if not filename.lower().endswith(meta["suffix"]):
        filename += meta["suffix"]
    return filename


def discard(token: str) -> None:
    if _key(token, _META) is not None:
        storage.void(_key(token, _DATA))
        storage.void(_key(token, _META))
