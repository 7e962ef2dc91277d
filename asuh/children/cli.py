"""``flask --app app children import FILE [--dry-run] [--partial] [--same-child LINE=REASON]
[--other-child LINE]``

``children_cli`` is added to the app by ``asuh.children.register``.
"""

import time
from pathlib import Path

import click
from flask.cli import AppGroup

from asuh.children import importing
from asuh.children.ageing import age_out_children
from asuh.children.import_identity import Decision
from asuh.children.import_outcome import ImportPreview
from asuh.children.import_rejects import rejected_rows_file
from asuh.children.importfile import ImportFileError, read_child_rows
from asuh.identifiers import mask_identifier

children_cli = AppGroup("children", help="Children and their measurements.")


def _echo_rows(preview: ImportPreview) -> None:
    for row in preview.rows:
        # Names identify the row for the officer; NIKs stay masked in terminal logs.
        who = f"{row.name or '-'}, NIK {mask_identifier(row.nik) or '-'}"
        for message in row.errors:
            click.echo(f"DITOLAK baris {row.line} ({who}): {message}")
        if row.conflict:
            held = row.conflict
            click.echo(f"KONFLIK baris {row.line}: NIK terdaftar untuk {held['registry_number']} "
                       f"{held['name']} ({held['sex']}, lahir {held['birth_date']:%d/%m/%Y}, "
                       f"{held['kelurahan']}); putuskan dengan --same-child {row.line}=ALASAN "
                       f"atau --other-child {row.line}")
        for message in row.warnings:
            click.echo(f"peringatan baris {row.line} ({who}): {message}")


def _decisions(same: tuple[str, ...], other: tuple[int, ...]) -> dict[int, Decision]:
    decisions = {line: Decision("other") for line in other}
    for answer in same:
        line, _, reason = answer.partition("=")
        if not line.strip().isdigit() or not reason.strip():
            raise click.BadParameter(f"'{answer}': tulis BARIS=ALASAN, misalnya "
                                     "12=\"tanggal lahir salah ketik\"", param_hint="--same-child")
        decisions[int(line)] = Decision("same", reason.strip())
    return decisions


@children_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Print the preview only; write nothing.")
@click.option("--partial", is_flag=True,
              help="Save the accepted rows; write the refused ones, with the reason, to "
                   "FILE-ditolak.csv/.xlsx beside FILE.")
@click.option("--same-child", multiple=True, metavar="LINE=REASON",
              help="A NIK conflict on LINE is the registered child with corrected data.")
@click.option("--other-child", multiple=True, type=int, metavar="LINE",
              help="A NIK conflict on LINE is another child; its NIK is marked not its own.")
def import_command(path: Path, dry_run: bool, partial: bool, same_child: tuple[str, ...],
                   other_child: tuple[int, ...]) -> None:
    """Import children and measurements from an e-PPGBM / posyandu file (.xlsx or .csv).

    Nothing is written if any row is refused (exit status 1), unless --partial is given.
    """
    started = time.perf_counter()
    decisions = _decisions(same_child, other_child)
    data = path.read_bytes()
    try:
        rows = read_child_rows(path.name, data)
    except ImportFileError as exc:
        raise click.ClickException(str(exc)) from exc
    if dry_run:
        preview = importing.preview_import(rows, filename=path.name, decisions=decisions)
    else:
        try:
            preview = importing.import_children(rows, filename=path.name, partial=partial,
                                                decisions=decisions)
        except importing.ImportRefused as refused:
            preview = refused.preview
    _echo_rows(preview)
    click.echo(preview.summary())
    seconds = f"{time.perf_counter() - started:.1f} s"
    if not preview.rows:
        click.echo("Berkas tidak berisi baris data; tidak ada yang disimpan.")
        click.get_current_context().exit(1)
    if partial and preview.rejected:
        name, content, _ = rejected_rows_file(path.name, data, preview)
        (path.parent / name).write_bytes(content)
        click.echo(f"{len(preview.rejected)} baris ditolak ditulis ke {path.parent / name}; "
                   "perbaiki lalu impor lagi.")
    if not (preview.partly_accepted if partial else preview.accepted):
        click.echo(f"Tidak ada yang disimpan: {len(preview.rejected)} baris ditolak ({seconds}).")
        click.get_current_context().exit(1)
    if dry_run:
        click.echo(f"Uji coba (--dry-run): tidak ada yang disimpan ({seconds}).")
    else:
        click.echo(f"Disimpan ({seconds}).")


@children_cli.command("age-out")
def age_out_command() -> None:
    """Move children who have completed 60 months out of the balita programme.

    Run daily (cron, after midnight) and whenever wanted; running it twice changes nothing.
    """
    aged = age_out_children()
    click.echo(f"{len(aged)} anak berumur 60 bulan kini berstatus lulus usia balita.")
