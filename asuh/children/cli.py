"""``flask --app app children import FILE [--dry-run]``

``children_cli`` is added to the app by ``asuh.children.register``.
"""

import time
from pathlib import Path

import click
from flask.cli import AppGroup

from asuh.children import importing
from asuh.children.import_outcome import ImportPreview
from asuh.children.importfile import ImportFileError, read_child_rows
from asuh.identifiers import mask_identifier

children_cli = AppGroup("children", help="Children and their measurements.")


def _echo_rows(preview: ImportPreview) -> None:
    for row in preview.rows:
        # Names identify the row for the officer; NIKs stay masked in terminal logs.
        who = f"{row.name or '-'}, NIK {mask_identifier(row.nik) or '-'}"
        for message in row.errors:
            click.echo(f"DITOLAK baris {row.line} ({who}): {message}")
        for message in row.warnings:
            click.echo(f"peringatan baris {row.line} ({who}): {message}")


@children_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Print the preview only; write nothing.")
def import_command(path: Path, dry_run: bool) -> None:
    """Import children and measurements from an e-PPGBM / posyandu file (.xlsx or .csv).

    Nothing is written if any row is refused (exit status 1).
    """
    started = time.perf_counter()
    try:
        rows = read_child_rows(path.name, path.read_bytes())
    except ImportFileError as exc:
        raise click.ClickException(str(exc)) from exc
    if dry_run:
        preview = importing.preview_import(rows, filename=path.name)
    else:
        try:
            preview = importing.import_children(rows, filename=path.name)
        except importing.ImportRefused as refused:
            preview = refused.preview
    _echo_rows(preview)
    click.echo(preview.summary())
    seconds = f"{time.perf_counter() - started:.1f} s"
    if not preview.rows:
        click.echo("Berkas tidak berisi baris data; tidak ada yang disimpan.")
        click.get_current_context().exit(1)
    if not preview.accepted:
        click.echo(f"Tidak ada yang disimpan: {len(preview.rejected)} baris ditolak ({seconds}).")
        click.get_current_context().exit(1)
    if dry_run:
        click.echo(f"Uji coba (--dry-run): tidak ada yang disimpan ({seconds}).")
    else:
        click.echo(f"Disimpan ({seconds}).")
