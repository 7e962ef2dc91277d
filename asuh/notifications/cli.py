"""``flask --app app notifications daily``: run every morning (deploy/asuh-notifications.timer)."""

import click
from flask.cli import AppGroup

notifications_cli = AppGroup("notifications", help="Email notifications.")


@notifications_cli.command("daily")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Act as on this day (default: today in the installation's zone).")
def daily(day) -> None:
    """Queue the day's reminders and digests (idempotent per day; the job worker sends
    them)."""
    from asuh.notifications.daily import run_daily

    result = run_daily(day.date() if day else None)
    click.echo(f"{result.behind} pengingat paket, {result.digests} ringkasan petugas, "
               f"{result.measurement_lists} daftar ukur kader diantrekan.")


@notifications_cli.command("send")
def send() -> None:
    """Send the queued mail that is due now (the job worker does this by itself)."""
    from asuh.notifications.outbox import deliver_due

    click.echo(f"{deliver_due()} email terkirim.")

