"""``flask --app app audit …``"""

import click
from flask.cli import AppGroup

from asuh.audit.services import verify_chain

audit_cli = AppGroup("audit", help="Audit trail tools.")


@audit_cli.command("verify")
def verify() -> None:
    """Check the hash chain; exit 1 and name each broken record if it was tampered with."""
    problems = verify_chain()
    if problems:
        for problem in problems:
            click.echo(problem, err=True)
        raise SystemExit(1)
    click.echo("Audit trail intact.")
