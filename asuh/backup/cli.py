"""``flask --app app backup create DIR`` and ``flask --app app backup restore DIR``."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from asuh.audit.chain import ChainHead
from asuh.audit.key import key_fingerprint
from asuh.backup import checks, database, manifest
from asuh.backup.database import BackupError
from asuh.extensions import db
from asuh.filemodes import private_dir
from asuh.timeutil import utcnow
from asuh.transactions import end_read

backup_cli = AppGroup("backup", help="Backups that restore.")

DIRECTORY = click.Path(file_okay=False, path_type=Path)


def _folders() -> dict[str, Path]:
    return {name: Path(current_app.config[setting])
            for name, setting in manifest.FOLDERS.items()}


@backup_cli.command("create")
@click.argument("directory", type=DIRECTORY)
def create(directory: Path) -> None:
    """Back up the database (online: the app keeps running), the uploads and the stored
    letters into DIRECTORY (new or empty), with a manifest of SHA-256s and the audit head.

    The audit key is not in the backup: keep a copy of it elsewhere (README).
    """
    if directory.exists() and any(directory.iterdir()):
        raise click.ClickException(f"{directory} is not empty; back up into a new folder.")
    private_dir(directory)
    started = utcnow()
    try:
        # The database first: every photo its rows name is then already on disk.
        snapshot = database.create(db.engine, directory)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    for name, source in _folders().items():
        manifest.copy_folder(source, directory / "files" / name)
    head = ChainHead(snapshot.head_seq, snapshot.head_hash)
    manifest.write(directory, {
        "created_at": started.isoformat(timespec="seconds") + "Z",
        "dialect": db.engine.dialect.name,
        "database": snapshot.file,
        "schema_revision": snapshot.revision,
        "audit_head": str(head),
        "audit_key_id": key_fingerprint(),
    })
    end_read()
    click.echo(f"Backup written to {directory} (audit head {head}).")


def _refuse_unless_empty() -> None:
    tables = [t.name for t in db.metadata.sorted_tables]
    found = database.non_empty_tables(db.engine, tables)
    found += [f"{name} folder {path} ({len(manifest.folder_files(path))} files)"
              for name, path in _folders().items() if manifest.folder_files(path)]
    if found:
        raise click.ClickException(
            "restore needs an empty installation (a new database and empty upload and "
            "letter folders); this one holds: " + "; ".join(found))


def _upgrade_if_older(revision: str | None) -> None:
    from alembic.script import ScriptDirectory
    from flask_migrate import upgrade

    script = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
    if revision != script.get_current_head():
        click.echo(f"Backup schema {revision}; upgrading to {script.get_current_head()}.")
        upgrade()


@backup_cli.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
def restore(directory: Path) -> None:
    """Restore DIRECTORY into this empty installation, then prove it: audit verify up to
    the backup's head, dashboard check, the letters' and photos' hashes. Exit 1 if any
    check fails."""
    end_read()
    try:
        body = manifest.read_and_check(directory, key_fingerprint())
        if body["dialect"] != db.engine.dialect.name:
            raise BackupError(f"the backup is of {body['dialect']}, this installation "
                              f"uses {db.engine.dialect.name}")
        _refuse_unless_empty()
        db.session.remove()
        database.restore(db.engine, directory / body["database"])
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    for name, target in _folders().items():
        private_dir(target)
        manifest.copy_folder(directory / "files" / name, target)
    _upgrade_if_older(body["schema_revision"])
    click.echo(f"Restored {directory} (made {body['created_at']}); checking:")
    failed = 0
    for name, problems in checks.after_restore(ChainHead.parse(body["audit_head"])):
        click.echo(f"  {name}: " + ("FAILED" if problems else "ok"))
        for problem in problems[:20]:
            click.echo(f"    {problem}", err=True)
        failed += bool(problems)
    if failed:
        raise SystemExit(1)
    click.echo("Restore complete: every check passed.")
