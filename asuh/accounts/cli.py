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
@click.option("--scope", default=None,
              help="Kabupaten/kota (e.g. 19.71) or province (19) code the account works in.")
def create(email: str, password: str, role: str, name: str | None, scope: str | None) -> None:
    """Create a user account."""
    try:
        user = services.create_user(email, password, role, name, scope=scope)
    except ValidationFailed as failure:
        raise click.ClickException(str(failure)) from failure
    where = f", scope {user.scope_code}" if user.scope_code else ""
    click.echo(f"Created {user.role} {user.email} (id {user.id}{where}).")
