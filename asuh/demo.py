"""``flask --app app demo seed``: a realistic demo city so every screen has data."""

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from asuh.accounts import services as accounts
from asuh.accounts.models import User
from asuh.extensions import db

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


def seed_demo() -> list[tuple[str, str]]:
    """Create the demo city; returns the demo logins as (email, role)."""
    for email, role, name in DEMO_USERS:
        accounts.create_user(email, DEMO_PASSWORD, role, name)
    db.session.commit()
    return [(email, role) for email, role, _ in DEMO_USERS]


def print_logins() -> None:
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for email, role, _ in DEMO_USERS:
        click.echo(f"  {role:<8} {email}")


@demo_cli.command("seed")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has users.")
def seed(if_empty: bool) -> None:
    """Load the demo city into the database."""
    if not is_empty():
        if if_empty:
            click.echo("Database already has data; demo not seeded.")
            print_logins()
            return
        raise click.ClickException("The database is not empty; demo seed needs an empty one.")
    seed_demo()
    click.echo("Demo city seeded.")
    print_logins()
