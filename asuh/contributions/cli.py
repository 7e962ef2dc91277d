"""``flask --app app contributions rebuild-totals`` and ``… check-totals``.

``contributions_cli`` is added to the app by ``asuh.contributions.register``.
"""

import click
from flask.cli import AppGroup

from asuh.contributions import totals

contributions_cli = AppGroup("contributions", help="Deliveries and their monthly totals.")


@contributions_cli.command("check-totals")
def check_totals() -> None:
    """Compare the monthly aggregates with the raw deliveries; exit 1 on any difference."""
    problems = totals.check_monthly_totals()
    if problems:
        for problem in problems:
            click.echo(problem, err=True)
        click.echo(f"{len(problems)} difference(s); run `contributions rebuild-totals`.",
                   err=True)
        raise SystemExit(1)
    click.echo("Monthly totals match the confirmed deliveries.")


@contributions_cli.command("rebuild-totals")
def rebuild_totals() -> None:
    """Recompute the monthly aggregates from the confirmed deliveries."""
    commodity_rows, delivery_rows = totals.rebuild_monthly_totals()
    click.echo(f"Rebuilt: {commodity_rows} commodity total row(s), "
               f"{delivery_rows} delivery count row(s).")
