"""``flask --app app storage copy-to-database``: moving an installation from one server's
folder to the database store (before setting ``ASUH_STORAGE=database``)."""

import mimetypes
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from asuh.storage.base import Store
from asuh.storage.database import DatabaseStore
from asuh.transactions import end_read, use_case

storage_cli = AppGroup("storage", help="Where the app keeps its files.")
BATCH = 50


@use_case
def _copy_batch(store: DatabaseStore, files: list[tuple[str, Path]]) -> None:
    for key, path in files:
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        store.save(key, path.read_bytes(), content_type)


@storage_cli.command("copy-to-database")
def copy_to_database() -> None:
    """Copy every file under UPLOAD_FOLDER that the database store lacks (the folder is
    left as it is). Safe to run again: files already there are skipped."""
    root = Path(current_app.config["UPLOAD_FOLDER"])
    store = DatabaseStore()
    pending, copied, skipped = [], 0, 0
    for path in sorted(root.rglob("*")) if root.is_dir() else []:
        key = path.relative_to(root).as_posix()
        if not path.is_file() or any(part.startswith(".") for part in key.split("/")):
            continue
        try:
            Store.checked(key)
        except ValueError:
            click.echo(f"skipped {key}: not a name the app writes", err=True)
            continue
        if store.exists(key):
            skipped += 1
            continue
        pending.append((key, path))
        if len(pending) == BATCH:
            end_read()
            _copy_batch(store, pending)
            copied, pending = copied + len(pending), []
    if pending:
        end_read()
        _copy_batch(store, pending)
        copied += len(pending)
    end_read()
    click.echo(f"{copied} files copied to the database store, {skipped} already there.")
