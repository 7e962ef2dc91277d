"""Which office issues a letter, and which offices a viewer's scope covers (issue 15).

A letter is issued in the name of the kabupaten/kota office of the children it is about:
a statement covers one city's children (a sponsor with children in two cities gets one
statement from each office: each city's officers answer for, and see, their own
children, and each office keeps its own gapless numbering); a receipt is the delivery's
city's; a recap is its kecamatan's or city's, or the province's for a provincial recap.
Scopes come from ``asuh.regions.scopes`` (the one rule); a letter is in a scope when its
office is.
"""

from sqlalchemy import func, select

from asuh.children.models import Child
from asuh.errors import NotFoundError, ValidationFailed
from asuh.extensions import db
from asuh.letters.periods import Period
from asuh.matching.models import Match
from asuh.matching.rules import active_during
from asuh.regions import scopes
from asuh.regions.models import KABUPATEN, KECAMATAN, PROVINSI, Region

NO_CHILDREN = "Bapak/Bunda Asuh ini tidak mengasuh anak dalam periode tersebut."


def office_of(region: Region) -> str:
    """A province's own code; any other region's kabupaten/kota."""
    return region.code if region.level == PROVINSI else scopes.city_code_of(region.code)


def office_codes_in(scope: str | None) -> list[str] | None:
    """The offices a scope covers: its kabupaten/kota (and the province's own office for
    a provincial scope); None for no limit."""
    if scope is None:
        return None
    codes = [city.code for city in scopes.cities_in(scope)]
    return codes + [scope] if len(scope) == 2 else codes


def office_condition(scope: str | None, column):
    """``column`` (an office code) within ``scope``; None for no limit."""
    codes = office_codes_in(scope)
    return None if codes is None else column.in_(codes)


def office_in_scope(scope: str | None, office_code: str) -> bool:
    return scope is None or office_code in office_codes_in(scope)


def _city_of_child():
    # Kemendagri codes are hierarchical: a kelurahan's kabupaten/kota is its first five
    # characters (scopes.city_code_of), here in SQL for a grouped read.
    return func.substr(Child.kelurahan_code, 1, 5)


def statement_pairs(period: Period, sponsor_ids: list[int] | None = None
                    ) -> list[tuple[int, str]]:
    """``(sponsor id, city code)`` for every city where a sponsor had a matched child
    during the period, in that order: one statement each."""
    stmt = (select(Match.sponsor_id, _city_of_child())
            .join(Child, Child.id == Match.child_id)
            .where(active_during(period.start, period.end)).distinct())
    if sponsor_ids is not None:
        stmt = stmt.where(Match.sponsor_id.in_(sponsor_ids))
    return sorted((sid, city) for sid, city in db.session.execute(stmt))


def statement_city(sponsor_id: int, period: Period, city_code=None,
                   scope: str | None = None) -> str:
    """The city a statement is for: the one asked (it must hold one of the sponsor's
    children and lie in the scope), else the only city in scope where they had one."""
    cities = [city for _, city in statement_pairs(period, [sponsor_id])]
    if city_code not in (None, ""):
        city = str(city_code)
        if not office_in_scope(scope, city):
            raise NotFoundError("Kabupaten/kota tidak ditemukan.")
        if city not in cities:
            raise ValidationFailed({"city_code": [
                "Bapak/Bunda Asuh ini tidak mengasuh anak di kabupaten/kota ini dalam "
                "periode tersebut."]})
        return city
    cities = [city for city in cities if office_in_scope(scope, city)]
    if not cities:
        raise ValidationFailed({"period": [NO_CHILDREN]})
    if len(cities) > 1:
        raise ValidationFailed({"city_code": [
            "Bapak/Bunda Asuh ini mengasuh anak di beberapa kabupaten/kota: tiap "
            "kabupaten/kota menerbitkan suratnya sendiri; pilih salah satu ("
            + ", ".join(cities) + ")."]})
    return cities[0]


def recap_region(kecamatan_code=None, region_code=None, scope: str | None = None) -> Region:
    """A recap's region: one kecamatan, a kabupaten/kota or a province; without either,
    the scope's own (a city's officer: their city), or the installation's only city."""
    if kecamatan_code not in (None, ""):
        region = db.session.get(Region, str(kecamatan_code))
        if region is None or region.level != KECAMATAN:
            raise ValidationFailed({"kecamatan_code": ["Kecamatan tidak dikenal."]})
    elif region_code not in (None, ""):
        region = db.session.get(Region, str(region_code))
        if region is None or region.level not in (KABUPATEN, PROVINSI):
            raise ValidationFailed({"region_code": [
                "Pilih kabupaten/kota atau provinsi yang dikenal."]})
    elif scope is not None:
        region = db.session.get(Region, scope)
    else:
        cities = list(db.session.scalars(select(Region).where(Region.level == KABUPATEN)
                                         .limit(2)))
        if len(cities) != 1:
            raise ValidationFailed({"region_code": [
                "Pilih kabupaten/kota atau provinsi yang direkap."]})
        region = cities[0]
    if region is None:
        raise NotFoundError("Wilayah tidak ditemukan.")
    if not (scope is None or scopes.within(scope, region.code)):
        raise NotFoundError("Wilayah tidak ditemukan.")
    return region
