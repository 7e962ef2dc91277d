"""Kelurahan as people pick them: under their kecamatan, both by name.

The one answer for every kelurahan picker (forms' select fields, list filters, a field
user's work area), so a city's 42 kelurahan never show as one flat list.
"""

from itertools import groupby

from wtforms import SelectChoice

from asuh.regions.models import Region
from asuh.regions.services import kelurahan_list


def _kecamatan_name(region: Region) -> str:
    return region.parent.name if region.parent else ""


def by_kecamatan(regions: list[Region] | None = None) -> list[tuple[str, list[Region]]]:
    """``[(kecamatan name, [kelurahan, …]), …]``, both sorted by name."""
    rows = sorted(kelurahan_list() if regions is None else regions,
                  key=lambda r: (_kecamatan_name(r), r.name))
    return [(name, list(group)) for name, group in groupby(rows, key=_kecamatan_name)]


def kelurahan_select_choices(prompt: str = "— Pilih kelurahan —",
                             regions: list[Region] | None = None) -> list[SelectChoice]:
    """A select field's choices: the prompt, then kelurahan in a group per kecamatan."""
    return [SelectChoice("", prompt)] + [
        SelectChoice(r.code, r.name, optgroup=f"Kec. {name}" if name else None)
        for name, group in by_kecamatan(regions) for r in group]
