"""``flask --app app letters …``: bulk statements and the documentation's sample letters."""

from pathlib import Path

import click
from flask.cli import AppGroup

from asuh.errors import ValidationFailed
from asuh.letters.models import SPONSOR_STATEMENT
from asuh.letters.periods import HELP as PERIOD_HELP
from asuh.letters.periods import parse_period

letters_cli = AppGroup("letters", help="Accountability letters.")


@letters_cli.command("issue")
@click.option("--kind", type=click.Choice([SPONSOR_STATEMENT]), default=SPONSOR_STATEMENT,
              show_default=True)
@click.option("--period", "period_text", required=True, help=PERIOD_HELP)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Also write each PDF to this folder as <number>.pdf.")
@click.option("--reissue", is_flag=True,
              help="Issue new statements even where a current one exists (supersedes it).")
@click.option("--processes", type=click.IntRange(min=1),
              help="Rendering processes (default: every usable CPU core).")
@click.option("--interim", is_flag=True,
              help="The period is still running: issue interim statements up to today.")
def issue(kind: str, period_text: str, out_dir: Path | None, reissue: bool,
          processes: int | None, interim: bool) -> None:
    """Issue the statement of every sponsor with a match during the period.

    Safe to run again: sponsors whose statement for exactly this period is current are
    skipped (unless --reissue).
    """
    from asuh.letters.bulk import issue_statements

    try:
        period = parse_period(period_text)
    except ValidationFailed as failure:
        raise click.BadParameter(str(failure), param_hint="--period") from failure
    bar = {}

    def started(total: int) -> None:
        bar["bar"] = click.progressbar(length=total, label=f"Surat {period.label}",
                                       show_pos=True)
        bar["bar"].__enter__()

    try:
        result = issue_statements(period, processes=processes, reissue=reissue,
                                  out_dir=out_dir, started=started, interim=interim,
                                  advance=lambda n: bar["bar"].update(n))
    except ValidationFailed as failure:
        raise click.UsageError(str(failure)) from failure
    finally:
        if "bar" in bar:
            bar["bar"].__exit__(None, None, None)
    click.echo(f"{len(result.issued)} surat diterbitkan"
               + (f" ({result.issued[0]} s.d. {result.issued[-1]})" if result.issued else "")
               + f"; {result.skipped} dilewati karena sudah ada surat yang berlaku.")


@letters_cli.command("samples")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("docs/letters"), show_default=True)
def samples(out_dir: Path) -> None:
    """Issue one letter of each kind from demo-like data in a throwaway database and
    render every page to PNG (needs pdftoppm from poppler-utils)."""
    from asuh.letters.samples import write_samples

    for path in write_samples(out_dir):
        click.echo(str(path))
