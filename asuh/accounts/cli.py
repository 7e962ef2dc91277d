"""``flask --app app users …``"""

import click
from flask.cli import AppGroup

from asuh.accounts import rescope, services
from asuh.errors import NotFoundError, ValidationFailed
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


@users_cli.command("set-scope")
@click.argument("email")
@click.argument("code")
@click.option("--kelurahan", "kelurahan", multiple=True,
              help="A field user's new kelurahan/desa code (repeat for several); needed "
                   "when their present ones lie outside the new scope.")
def set_scope(email: str, code: str, kelurahan: tuple[str, ...]) -> None:
    """Move an account to another kabupaten/kota (e.g. 19.01) or province (19).

    CODE ``-`` makes an admin one of the whole installation.
    """
    try:
        user = rescope.find_user(email)
        changed = rescope.change_scope(user, None if code.strip() == "-" else code,
                                       actor=None, kelurahan=list(kelurahan) or None)
    except (ValidationFailed, NotFoundError) as failure:
        raise click.ClickException(str(failure)) from failure
    where = user.scope_code or "the whole installation"
    if changed:
        click.echo(f"{user.email} now works in {where}.")
    else:
        click.echo(f"{user.email} already works in {where}; nothing changed.")
