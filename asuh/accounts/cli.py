"""``flask --app app users …``"""

import click
from flask.cli import AppGroup

from asuh.accounts import services
from asuh.errors import ValidationFailed
from asuh.permissions import Role

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--name", default=None)
def create(email: str, password: str, role: str, name: str | None) -> None:
    """Create a user account."""
    try:
        user = services.create_user(email, password, role, name)
    except ValidationFailed as failure:
        raise click.ClickException(str(failure)) from failure
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")
