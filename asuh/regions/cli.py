"""``flask --app app regions import FILE.csv``"""

from pathlib import Path

import click
from flask.cli import AppGroup

from asuh.regions.regionfile import RegionFileError, default_region_file, parse_region_csv
from asuh.regions.services import import_regions

regions_cli = AppGroup("regions", help="Kecamatan and kelurahan lists.")


@regions_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                required=False)
def import_command(path: Path | None) -> None:
    """Load a city's regions (CSV: code,name,level,parent_code); default Kota Pangkalpinang."""
    path = path or default_region_file()
    try:
        rows = parse_region_csv(path.read_bytes())
    except RegionFileError as exc:
        for line, message in exc.errors:
            click.echo(f"baris {line}: {message}" if line else message, err=True)
        raise click.ClickException("Nothing imported.") from exc
    created, updated = import_regions(rows)
    click.echo(f"Regions: {created} created, {updated} updated, from {path.name}.")
