"""One storage interface for every file the app keeps: delivery photos and their
thumbnails, import files waiting for confirmation, auto-match proposals.

Two stores, chosen by ``ASUH_STORAGE``:

- ``local`` (the default): files under ``UPLOAD_FOLDER`` at the paths they always had,
  owner-only. For one server; existing installations keep working unchanged.
- ``database``: rows of ``stored_files``. For several app servers: every server reaches
  the database already, so there is no extra server to run, secure or back up; a photo
  is written in the same transaction as its row, and one backup (the database's) holds
  both. Photos are ~300 KB and thumbnails ~30 KB (issue 11), a city's year some GBs:
  well within what PostgreSQL keeps out of line (TOAST) without slowing the tables that
  name them. An S3-compatible store would fit behind this same interface when the files
  outgrow the database; none is pretended here.

The interface (keys are ``<area folder>/<name>``, e.g. ``photos/3f…a1.jpg``)::

    storage.save(key, data, content_type)   # bytes made beforehand (the write-lock rule)
    storage.read(key) -> bytes | None
    storage.exists(key) -> bool
    storage.info(key) -> FileInfo(size, created_at) | None
    storage.void(key)                       # the domain is done with it (scratch files)
    storage.void_older_than(prefix, limit)  # scratch files older than ``limit`` (UTC)
    storage.probe()                         # /healthz: raises StorageUnavailable

Issued letters and job results are not files: they are columns of their own rows
(``letters.pdf``, ``jobs.result_file``), shared and backed up with the database already.
"""

from datetime import datetime

from flask import Flask, current_app

from asuh.storage.base import FileInfo, StorageUnavailable, Store

__all__ = ["FileInfo", "Store", "StorageUnavailable", "save", "read", "exists", "info",
           "void", "void_older_than", "probe", "store", "register", "BACKENDS"]

_EXTENSION = "asuh_storage"
BACKENDS = ("local", "database")


def make_store(app: Flask) -> Store:
    choice = (app.config.get("STORAGE") or "local").strip().lower()
    if choice == "local":
        from asuh.storage.local import LocalStore

        return LocalStore(app.config["UPLOAD_FOLDER"])
    if choice == "database":
        from asuh.storage.database import DatabaseStore

        return DatabaseStore()
    raise ValueError(f"ASUH_STORAGE must be one of {', '.join(BACKENDS)}, not {choice!r}")


def register(app: Flask) -> None:
    """Choose the store at start-up, so a misspelt ``ASUH_STORAGE`` fails early."""
    app.extensions[_EXTENSION] = make_store(app)
    from asuh.storage.cli import storage_cli

    app.cli.add_command(storage_cli)


def store() -> Store:
    app = current_app._get_current_object()
    if _EXTENSION not in app.extensions:
        app.extensions[_EXTENSION] = make_store(app)
    return app.extensions[_EXTENSION]


def save(key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
    store().save(key, data, content_type)


def read(key: str) -> bytes | None:
    return store().read(key)


def exists(key: str) -> bool:
    return store().exists(key)


def info(key: str) -> FileInfo | None:
    return store().info(key)


def void(key: str) -> None:
    store().void(key)


def void_older_than(prefix: str, limit: datetime) -> int:
    return store().void_older_than(prefix, limit)


def probe() -> None:
    store().probe()
