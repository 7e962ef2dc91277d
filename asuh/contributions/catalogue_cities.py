"""Catalogue additions per kabupaten/kota (issue 15): whose commodity is whose.

The installation's catalogue is shared by every kabupaten/kota (``city_code`` NULL); a
city adds its local foods (Kabupaten Bangka's ikan teri) for its own children only. A
delivery is offered the shared catalogue plus the additions of the CHILD's kabupaten/kota
(the sponsor may live elsewhere in the province; what is given is what reaches the child).

Who manages what follows the scope rule (``asuh.regions.scopes``): an admin of the whole
installation manages the shared catalogue and every city's additions; a city's admin sees
the shared catalogue read-only and manages their own city's additions; another city's
addition does not exist for them (404). Codes stay unique across the installation: the API
names a commodity by its code alone.
"""

from sqlalchemy import ColumnElement, false, or_, select

from asuh.children.models import Child
from asuh.contributions.models import Commodity
from asuh.errors import NotFoundError, NotPermitted, ValidationFailed
from asuh.extensions import db
from asuh.regions import scopes
from asuh.regions.models import KABUPATEN, Region

SHARED_LABEL = "Katalog bersama"
SHARED_READ_ONLY = ("Barang katalog bersama hanya dapat diubah admin seluruh instalasi; "
                    "tambahkan barang untuk kabupaten/kota Anda sendiri.")


def match_city(match) -> str:
    """The kabupaten/kota whose catalogue a match's deliveries take: its child's."""
    child = db.session.get(Child, match.child_id)
    return scopes.city_code_of(child.kelurahan_code)


def offered_condition(city_code: str | None) -> ColumnElement:
    """Commodities a delivery to a child in ``city_code`` may name: the shared catalogue
    and that city's additions (None: the shared catalogue alone)."""
    shared = Commodity.city_code.is_(None)
    return shared if city_code is None else or_(shared, Commodity.city_code == city_code)


def offered(city_code: str | None, *, active_only: bool = True) -> list[Commodity]:
    stmt = (select(Commodity).where(offered_condition(city_code))
            .order_by(Commodity.sort_order, Commodity.name))
    if active_only:
        stmt = stmt.where(Commodity.active.is_(True))
    return list(db.session.scalars(stmt))


def is_offered(commodity: Commodity, city_code: str | None) -> bool:
    return commodity.city_code is None or commodity.city_code == city_code


def item_refusal(code: str, commodity: Commodity | None, city_code: str | None) -> str | None:
    """Why a delivery item may not name ``code`` for a child in ``city_code`` (None: it
    may): not in the catalogue, retired, or another kabupaten/kota's addition."""
    if commodity is None or not commodity.active:
        return f"Barang '{code[:20]}' tidak ada dalam katalog."
    if not is_offered(commodity, city_code):
        return not_offered_message(city_code)
    return None


def not_offered_message(city_code: str | None) -> str:
    """What a delivery item naming another city's addition is told (the form, the API and
    the phone's rules say the same). It names no other city: that is not the user's to
    know."""
    where = scopes.scope_label(city_code) if city_code else "kabupaten/kota ini"
    return (f"Barang ini tambahan katalog kabupaten/kota lain. Untuk anak di {where}, "
            f"pilih dari katalog bersama atau tambahan {where}.")


def _cities_of(scope: str) -> list[str]:
    return [region.code for region in scopes.cities_in(scope)]


def visible_condition(user) -> ColumnElement | None:
    """The catalogue a user manages or reads on the admin pages: all of it for the whole
    installation (None: add nothing), else the shared catalogue and the additions of the
    cities in their scope."""
    scope = scopes.scope_of(user)
    if scope is None:
        return None
    cities = _cities_of(scope)
    own = Commodity.city_code.in_(cities) if cities else false()
    return or_(Commodity.city_code.is_(None), own)


def visible(user) -> list[Commodity]:
    stmt = select(Commodity).order_by(Commodity.sort_order, Commodity.name)
    condition = visible_condition(user)
    if condition is not None:
        stmt = stmt.where(condition)
    return list(db.session.scalars(stmt))


def ensure_visible(user, commodity: Commodity | None) -> Commodity:
    """The commodity, or NotFoundError when it is missing or another city's addition."""
    if commodity is None or (commodity.city_code is not None
                             and not scopes.within(scopes.scope_of(user), commodity.city_code)):
        raise NotFoundError("Barang tidak ditemukan.")
    return commodity


def load_visible(commodity_id: int, user) -> Commodity:
    return ensure_visible(user, db.session.get(Commodity, commodity_id))


def ensure_editable(user, commodity: Commodity) -> None:
    """404 for another city's addition; 403 for a city admin touching the shared one."""
    if user is None:
        return  # the system (install, demo)
    ensure_visible(user, commodity)
    if commodity.city_code is None and scopes.scope_of(user) is not None:
        raise NotPermitted(SHARED_READ_ONLY)


def may_edit(user, commodity: Commodity) -> bool:
    return commodity.city_code is not None or scopes.scope_of(user) is None


def addition_city(actor, city_code) -> str | None:
    """The kabupaten/kota a new commodity belongs to, checked against the actor's scope.

    A city's admin adds for their own city whatever they send; an admin of the whole
    installation adds to the shared catalogue (blank) or for a kabupaten/kota they name.
    """
    scope = scopes.scope_of(actor)
    code = str(city_code).strip() if city_code not in (None, "") else None
    if scope is not None and len(scope) == scopes.CITY_SCOPE_LENGTH and code is None:
        return scope
    if code is None:
        if scope is not None:
            raise ValidationFailed({"city_code": ["Pilih kabupaten/kota."]})
        return None
    region = db.session.get(Region, code)
    if region is None or region.level != KABUPATEN or not scopes.within(scope, code):
        raise ValidationFailed({"city_code": ["Kabupaten/kota tidak dikenal."]})
    return region.code


def offered_city(user, city_code: str) -> str:
    """A kabupaten/kota whose offered catalogue ``user`` asks for (the API's
    ``?city_code=``): NotFoundError unless it is a kabupaten/kota row in their scope."""
    region = db.session.get(Region, city_code)
    if region is None or region.level != KABUPATEN:
        raise NotFoundError("Kabupaten/kota tidak ditemukan.")
    scopes.ensure_in_scope(user, region.code)
    return region.code


def city_choices(user) -> list[tuple[str, str]]:
    """The add form's choices: ``("", shared)`` for the whole installation, then the
    kabupaten/kota the user may add for."""
    scope = scopes.scope_of(user)
    shared = [("", f"{SHARED_LABEL} (semua kabupaten/kota)")] if scope is None else []
    return shared + [(region.code, region.name) for region in scopes.cities_in(scope)]


def city_names(commodities: list[Commodity]) -> dict[str, str]:
    """``{city code: name}`` of the cities the commodities' additions belong to."""
    codes = {c.city_code for c in commodities if c.city_code}
    if not codes:
        return {}
    return dict(db.session.execute(select(Region.code, Region.name)
                                   .where(Region.code.in_(codes))).all())
