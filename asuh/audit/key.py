"""The audit chain's key: kept outside the database, so write access to the database alone
cannot forge a record.

Where it comes from, first match wins: the app's ``AUDIT_KEY`` setting (tests), the
``ASUH_AUDIT_KEY`` environment variable, or ``instance/audit_key``, made on first run with
owner-only permissions. Never stored in the database, never in the repository, and never
in a backup (``asuh.backup`` records only its fingerprint): whoever holds a copy of the
database and the key could re-chain the trail undetected.
"""

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from flask import Flask, current_app

KEY_FILE = "audit_key"
_EXTENSION = "asuh_audit_key"


MIN_LENGTH = 32


def _load(app: Flask) -> bytes:
    configured = app.config.get("AUDIT_KEY")
    if configured:
        return configured.encode()
    configured = os.environ.get("ASUH_AUDIT_KEY")
    if configured:
        if len(configured) < MIN_LENGTH:
            raise RuntimeError(f"ASUH_AUDIT_KEY must be at least {MIN_LENGTH} characters "
                               "(e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`).")
        return configured.encode()
    path = Path(app.instance_path) / KEY_FILE
    if not path.exists():
        _create(path)
    key = path.read_text().strip()
    if not key:
        raise RuntimeError(f"{path} is empty: restore the audit key from its safe copy.")
    return key.encode()


def _create(path: Path) -> None:
    """Write the key to a private temporary file, then link it into place: two workers
    starting at once never both write a key, nor read a half-written one."""
    temporary = path.with_name(f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        os.link(temporary, path)
    except FileExistsError:
        pass  # another process made it first: use theirs
    finally:
        temporary.unlink()


def init_app(app: Flask) -> None:
    """Resolve the key at start-up, so a missing or unreadable key fails early."""
    app.extensions[_EXTENSION] = _load(app)


def audit_key() -> bytes:
    app = current_app._get_current_object()
    if _EXTENSION not in app.extensions:
        init_app(app)
    return app.extensions[_EXTENSION]


def key_fingerprint(key: bytes | None = None) -> str:
    """Names the key without revealing it: a backup says which key its trail needs."""
    return hmac.new(key or audit_key(), b"asuh audit key id", hashlib.sha256).hexdigest()[:16]
