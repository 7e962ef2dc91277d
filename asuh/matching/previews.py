"""Auto-match proposals kept between the preview and the officer's confirmation.

A city-wide proposal is thousands of pairs: too big for the session cookie, and a form
field would let the browser send back pairs we never proposed (harmless — the
confirmation re-checks every pair — but confusing in the audit trail). So the pairs wait
in the store (``asuh.storage``, key ``automatch/<random token>.json``; the local store:
``UPLOAD_FOLDER/automatch/``), where every app server finds them, tied to the officer who
asked for them, used once, and discarded after a day, as the import previews are.
"""

import json
import re
import secrets
from datetime import timedelta

from asuh import storage
from asuh.timeutil import utcnow

KEEP_SECONDS = 24 * 3600
FOLDER = "automatch"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def _key(token: str) -> str | None:
    # The token comes back from a form: only our own alphabet, so it cannot climb out.
    if not _TOKEN.match(token or ""):
        return None
    return f"{FOLDER}/{token}.json"


def discard_stale() -> None:
    storage.void_older_than(FOLDER, utcnow() - timedelta(seconds=KEEP_SECONDS))


def keep(pairs: list[tuple[int, int, int]], user, *, shown: int | None = None) -> str:
    """Store a proposal for ``user``; returns the token naming it. ``shown``: how many of
    the first pairs the officer saw (and could untick); None for all."""
    discard_stale()
    token = secrets.token_urlsafe(24)
    storage.save(_key(token), json.dumps(
        {"user_id": user.id, "made_at": utcnow().isoformat(), "pairs": pairs,
         "shown": len(pairs) if shown is None else min(shown, len(pairs))},
        separators=(",", ":")).encode(), "application/json")
    return token


def load(token: str, user) -> list[list[int]] | None:
    """The pairs of a kept proposal; None if missing, stale, used or someone else's."""
    kept = load_proposal(token, user)
    return None if kept is None else kept[0]


def load_proposal(token: str, user) -> tuple[list[list[int]], int] | None:
    """``(pairs, shown)`` of a kept proposal; None as for :func:`load`."""
    key = _key(token)
    found = storage.info(key) if key else None
    if found is None:
        return None
    if found.created_at < utcnow() - timedelta(seconds=KEEP_SECONDS):
        storage.void(key)
        return None
    stored = json.loads(storage.read(key) or b"{}")
    if stored.get("user_id") != user.id:
        return None
    pairs = stored.get("pairs") or []
    return pairs, int(stored.get("shown", len(pairs)))


def discard(token: str) -> None:
    key = _key(token)
    if key is not None:
        storage.void(key)
