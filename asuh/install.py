"""``flask --app app install``: what a fresh installation needs before anyone signs in."""

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from asuh.contributions.catalogue import install_default_catalogue
from asuh.extensions import db
from asuh.letters.signing import install_signing_certificate
from asuh.regions.models import Region
from asuh.regions.regionfile import default_region_file, parse_region_csv
from asuh.regions.services import import_regions
from asuh.transactions import use_case


@use_case
def install_defaults() -> list[str]:
    """Load the packaged defaults where the database has none; returns what was done."""
    done = []
    if db.session.scalar(select(func.count()).select_from(Region)) == 0:
        created, _ = import_regions(parse_region_csv(default_region_file().read_bytes()))
        done.append(f"{created} regions of Kota Pangkalpinang")
    if install_default_catalogue():
        done.append("the default commodity catalogue")
    return done


@click.command("install")
@with_appcontext
def install_command() -> None:
    """Load default regions and the commodity catalogue into an empty database."""
    done = install_defaults()
    click.echo("Installed: " + "; ".join(done) if done else "Defaults already installed.")
    signing = install_signing_certificate()
    if signing:
        click.echo(signing)
