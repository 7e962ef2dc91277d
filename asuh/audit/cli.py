"""``flask --app app audit …``"""

import click
from flask.cli import AppGroup

from asuh.audit.chain import ChainHead, chain_head, verify_chain
from asuh.transactions import end_read

audit_cli = AppGroup("audit", help="Audit trail tools.")


def _anchor(_ctx, _param, value):
    if value is None:
        return None
    try:
        return ChainHead.parse(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from error


@audit_cli.command("verify")
@click.option("--anchor", callback=_anchor, metavar="SEQ:HASH",
              help="Also prove the trail up to this head (printed on a letter, kept in a "
                   "backup manifest): record SEQ must still carry HASH.")
def verify(anchor: ChainHead | None) -> None:
    """Check the keyed hash chain; exit 1 and name each broken record if it was tampered
    with."""
    problems = verify_chain(anchor)
    head = chain_head()
    end_read()
    if problems:
        for problem in problems:
            click.echo(problem, err=True)
        raise SystemExit(1)
    click.echo(f"Audit trail intact ({head.seq} records, head {head})."
               + (f" Anchor {anchor.seq} matches." if anchor else ""))


@audit_cli.command("head")
def head() -> None:
    """Print the current head as SEQ:HASH (an anchor to keep elsewhere)."""
    click.echo(str(chain_head()))
    end_read()
