"""The children list's place filters, by level: kabupaten/kota, then kecamatan, then kelurahan.

A province holds a thousand kelurahan (issue 16): listing them all in the page's select
cost more than the page's rows. Each select now lists the places of the level above's
choice only (a kabupaten/kota officer's one city is chosen already), so the page works
without JavaScript by plain GET: choose the kabupaten/kota, show, choose its kecamatan,
and so on. A choice that does not lie in the one above it (the kabupaten/kota was changed
and the old kecamatan kept) is dropped, not combined into an empty list.
"""

from dataclasses import dataclass, field

from sqlalchemy import select

from asuh.children.listing import ChildFilters
from asuh.children.visibility import visible_kelurahan
from asuh.extensions import db
from asuh.permissions import Role
from asuh.regions.models import Region
from asuh.regions.scopes import cities_in, scope_of
from asuh.regions.services import kecamatan_list, kelurahan_list


@dataclass
class PlaceChoices:
    cities: list[Region] = field(default_factory=list)  # shown when more than one
    kecamatan: list[Region] = field(default_factory=list)
    kelurahan: list[Region] = field(default_factory=list)
    city_code: str | None = None  # chosen, or the only one
    unassigned: bool = False  # a field user with no kelurahan yet


def place_choices(user, filters: ChildFilters) -> PlaceChoices:
    """The options of each place select for ``user``; corrects ``filters`` in place (the
    levels below a choice follow it)."""
    # Field users see their few assigned kelurahan; everyone else whole cities (their
    # thousand kelurahan codes are not read).
    own = set(visible_kelurahan(user)) if user is not None and user.role == Role.FIELD \
        else None
    if own is not None and not own:
        filters.city_code = filters.kecamatan_code = filters.kelurahan_code = None
        return PlaceChoices(unassigned=True)
    cities = cities_in(scope_of(user))
    own_rows = []
    if own is not None:
        own_rows = list(db.session.scalars(select(Region).where(Region.code.in_(own))))
        cities = [c for c in cities if c.code in {r.city_code for r in own_rows}]
    city_codes = {c.code for c in cities}
    # A kecamatan or kelurahan chosen without its city (a dashboard link) names it.
    chosen = db.session.get(Region, filters.kecamatan_code or filters.kelurahan_code) \
        if (filters.kecamatan_code or filters.kelurahan_code) else None
    if filters.city_code not in city_codes:
        filters.city_code = chosen.city_code if chosen is not None else None
    if filters.city_code not in city_codes:
        filters.city_code = None
    city = filters.city_code or (cities[0].code if len(cities) == 1 else None)

    kecamatan = kecamatan_list(scope=city) if city else []
    if own is not None:
        kecamatan = [k for k in kecamatan if k.code in {r.parent_code for r in own_rows}]
    if filters.kelurahan_code and not filters.kecamatan_code and chosen is not None:
        filters.kecamatan_code = chosen.parent_code
    if filters.kecamatan_code not in {k.code for k in kecamatan}:
        filters.kecamatan_code = None
    kelurahan = kelurahan_list(kecamatan_code=filters.kecamatan_code) \
        if filters.kecamatan_code else []
    if own is not None:
        kelurahan = [r for r in kelurahan if r.code in own]
    if filters.kelurahan_code not in {r.code for r in kelurahan}:
        filters.kelurahan_code = None
    return PlaceChoices(cities=cities if len(cities) > 1 else [], kecamatan=kecamatan,
                        kelurahan=kelurahan, city_code=city)
