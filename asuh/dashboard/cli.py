"""``flask --app app dashboard rebuild`` and ``flask --app app dashboard check``."""

import click
from flask.cli import AppGroup

from asuh.dashboard.aggregates import check_all, rebuild_all

dashboard_cli = AppGroup("dashboard", help="The dashboard's aggregates.")


@dashboard_cli.command("rebuild")
def rebuild() -> None:
    """Recompute every aggregate the dashboard reads from the raw rows."""
    written = rebuild_all()
    click.echo("Rebuilt: " + ", ".join(f"{table} {rows} row(s)"
                                       for table, rows in written.items()) + ".")


@dashboard_cli.command("check")
def check() -> None:
    """Prove the aggregates match the raw rows; exit 1 naming every mismatch."""
    problems = check_all()
    if problems:
        for problem in problems:
            click.echo(problem, err=True)
        click.echo(f"{len(problems)} mismatch(es); run `flask --app app dashboard rebuild`.",
                   err=True)
        raise SystemExit(1)
    click.echo("Dashboard aggregates match the raw rows.")
