"""Auto-match proposals kept between the preview and the officer's confirmation.

A city-wide proposal is thousands of pairs: too big for the session cookie, and a form
field would let the browser send back pairs we never proposed (harmless — the
confirmation re-checks every pair — but confusing in the audit trail). So the pairs wait
in ``UPLOAD_FOLDER/automatch/<random token>.json``, tied to the officer who asked for
them, used once, and discarded after a day, as the import previews are.
"""

import json
import re
import secrets
import time
from pathlib import Path

from flask import current_app

from asuh.timeutil import utcnow

KEEP_SECONDS = 24 * 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def _root() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / "automatch"


def _path(token: str) -> Path | None:
    # The token comes back from a form: only our own alphabet, so it cannot climb out.
    if not _TOKEN.match(token or ""):
        return None
    return _root() / f"{token}.json"


def discard_stale(now: float | None = None) -> None:
    root = _root()
    if not root.is_dir():
        return
    limit = (now or time.time()) - KEEP_SECONDS
    for path in root.glob("*.json"):
        if path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


def keep(pairs: list[tuple[int, int, int]], user, *, shown: int | None = None) -> str:
    """Store a proposal for ``user``; returns the token naming it. ``shown``: how many of
    the first pairs the officer saw (and could untick); None for all."""
    discard_stale()
    root = _root()
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    token = secrets.token_urlsafe(24)
    (root / f"{token}.json").write_text(json.dumps(
        {"user_id": user.id, "made_at": utcnow().isoformat(), "pairs": pairs,
         "shown": len(pairs) if shown is None else min(shown, len(pairs))},
        separators=(",", ":")))
    return token


def load(token: str, user) -> list[list[int]] | None:
    """The pairs of a kept proposal; None if missing, stale, used or someone else's."""
    kept = load_proposal(token, user)
    return None if kept is None else kept[0]


def load_proposal(token: str, user) -> tuple[list[list[int]], int] | None:
    """``(pairs, shown)`` of a kept proposal; None as for :func:`load`."""
    path = _path(token)
    if path is None or not path.is_file():
        return None
    if path.stat().st_mtime < time.time() - KEEP_SECONDS:
        path.unlink(missing_ok=True)
        return None
    stored = json.loads(path.read_text())
    if stored.get("user_id") != user.id:
        return None
    pairs = stored.get("pairs") or []
    return pairs, int(stored.get("shown", len(pairs)))


def discard(token: str) -> None:
    path = _path(token)
    if path is not None:
        path.unlink(missing_ok=True)
