"""``flask --app app demo seed``: a realistic demo city so every screen has data."""

import random
from datetime import date

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from asuh import timeutil
from asuh.accounts import services as accounts
from asuh.accounts.models import User
from asuh.children import demo as children_demo
from asuh.contributions import demo as contributions_demo
from asuh.extensions import db
from asuh.install import install_defaults
from asuh.matching import demo as matching_demo
from asuh.regions import services as regions
from asuh.sponsors import demo as sponsors_demo
from asuh.transactions import use_case

demo_cli = AppGroup("demo", help="Demo data.")

DEMO_PASSWORD = "asuh-demo-2026"
DEMO_USERS = (
    ("admin@demo.asuh.id", "admin", "Admin Asuh"),
    ("petugas@demo.asuh.id", "officer", "Rina Petugas Dinas"),
    ("kader@demo.asuh.id", "field", "Sari Kader Posyandu"),
    ("sponsor@demo.asuh.id", "sponsor", "Budi Santoso"),
    ("auditor@demo.asuh.id", "auditor", "Inspektorat Kota"),
)


def is_empty() -> bool:
    return db.session.scalar(select(func.count(User.id))) == 0


@use_case
def seed_demo(today: date | None = None) -> list[tuple[str, str]]:
    """Create the demo city; returns the demo logins as (email, role).

    A fixed random seed makes every demo city the same, so screenshots and walkthroughs
    can refer to the same names.
    """
    today = today or timeutil.today()
    rng = random.Random(2026)
    install_defaults()
    logins = {role: accounts.create_user(email, DEMO_PASSWORD, role, name)
              for email, role, name in DEMO_USERS}
    kelurahan = [r.code for r in regions.kelurahan_list()]
    # The demo kader works in the first two kelurahan of Bukit Intan.
    field_area = [r.code for r in regions.kelurahan_list("19.71.01")][:2]
    regions.assign_kelurahan(logins["field"], field_area, actor=logins["admin"])
    sponsors_demo.seed_demo_sponsor_for(logins["sponsor"])
    sponsors_demo.seed(rng, kelurahan, count=40)
    children_demo.seed(rng, field_area + kelurahan, today, count=60, actor=logins["officer"])
    matching_demo.seed(rng, today, demo_sponsor_user=logins["sponsor"], actor=logins["officer"])
    contributions_demo.seed(rng, today, verifier=logins["officer"])
    return [(email, role) for email, role, _ in DEMO_USERS]


def print_logins() -> None:
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for email, role, _ in DEMO_USERS:
        click.echo(f"  {role:<8} {email}")


@demo_cli.command("seed")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has users.")
def seed(if_empty: bool) -> None:
    """Load the demo city into the database."""
    # The demo accounts share a password printed in the README: never on a live system.
    if current_app.config["ASUH_ENV"] == "production":
        raise click.ClickException("Demo data is refused under ASUH_ENV=production: its "
                                   "accounts use the public demo password.")
    if not is_empty():
        if if_empty:
            click.echo("Database already has data; demo not seeded.")
            print_logins()
            return
        raise click.ClickException("The database is not empty; demo seed needs an empty one.")
    seed_demo()
    click.echo("Demo city seeded.")
    print_logins()
