"""The commodity catalogue: what sponsors may give, in which units, and the monthly package.

Quantities are reported in each commodity's canonical unit (rice in kg, eggs in butir);
pack units convert to it with a factor an admin can change. Commodities and units are
deactivated, never deleted, because delivered items point at them.
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select

from asuh.audit import services as audit
from asuh.contributions import catalogue_cities
from asuh.contributions.models import Commodity, CommodityUnit
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.formatting import NumberRefused, parse_number
from asuh.permissions import Permission, ensure_permitted
from asuh.regions import scopes
from asuh.settings import services as settings
from asuh.transactions import use_case

# A commodity whose canonical unit is this one takes the unit as typed ("2 ekor ikan"):
# "other" gathers things that share no unit, so its total is a count of what was entered.
AS_ENTERED = "unit"
CASH_UNIT = "Rp"
MAX_FACTOR = Decimal("99999999.9999")
MAX_PACKAGE = Decimal("1000000")
_CODE = re.compile(r"^[a-z][a-z0-9_]{1,19}$")

DEFAULT_CATALOGUE = (
    # code, name, canonical unit, is_cash, [(pack unit, factor)]
    ("rice", "Beras", "kg", False,
     [("karung 5 kg", "5"), ("karung 10 kg", "10"), ("liter", "0.8")]),
    ("eggs", "Telur", "butir", False, [("tray", "30"), ("papan", "30"), ("kg", "16")]),
    ("milk", "Susu UHT", "liter", False, [("kotak 200 ml", "0.2"), ("kotak 1 L", "1")]),
    ("milk_powder", "Susu bubuk", "gram", False,
     [("kaleng 400 g", "400"), ("kaleng 800 g", "800"), ("dus 400 g", "400"),
      ("dus 800 g", "800")]),
    ("honey", "Madu", "ml", False, [("botol 250 ml", "250"), ("botol 500 ml", "500")]),
    ("other", "Lainnya (lauk, vitamin, makanan tambahan)", AS_ENTERED, False, []),
    ("cash", "Uang senilai barang", CASH_UNIT, True, []),
)


def _text(value) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def unit_key(name) -> str:
    """How unit names are compared: "Karung  5 KG" is "karung 5 kg"."""
    return _text(name).casefold()


def is_as_entered(commodity: Commodity) -> bool:
    return commodity.canonical_unit == AS_ENTERED and not commodity.is_cash


# --- reading -------------------------------------------------------------------------


def commodities(*, active_only: bool = False) -> list[Commodity]:
    stmt = select(Commodity).order_by(Commodity.sort_order, Commodity.name)
    if active_only:
        stmt = stmt.where(Commodity.active.is_(True))
    return list(db.session.scalars(stmt))


def commodity_by_code(code) -> Commodity | None:
    if not isinstance(code, str) or not code:
        return None
    return db.session.scalar(select(Commodity).where(Commodity.code == code.strip().lower()))


def unit_names(commodity: Commodity) -> list[str]:
    """The units a delivery of this commodity may name, canonical first."""
    return [commodity.canonical_unit] + [u.name for u in commodity.units if u.active]


def resolve_unit(commodity: Commodity, unit) -> tuple[str, Decimal] | None:
    """``(unit name as stored, factor to canonical)``, or None if the unit is unknown."""
    key = unit_key(unit)
    if not key:
        return None
    if key == unit_key(commodity.canonical_unit):
        return commodity.canonical_unit, Decimal(1)
    for pack in commodity.units:
        if pack.active and unit_key(pack.name) == key:
            return pack.name, Decimal(pack.factor)
    if is_as_entered(commodity):
        return _text(unit)[:40], Decimal(1)
    return None


@dataclass(frozen=True)
class UnitOption:
    commodity: Commodity
    unit: str
    factor: Decimal

    @property
    def value(self) -> str:
        return f"{self.commodity.code}|{self.unit}"


def unit_options(city_code: str | None = None) -> list[UnitOption]:
    """Every (active commodity, unit) pair offered for a delivery to a child in
    ``city_code`` (the shared catalogue and that city's additions), for the delivery
    form's one-tap select."""
    return [UnitOption(c, name, resolve_unit(c, name)[1])
            for c in catalogue_cities.offered(city_code) for name in unit_names(c)]


# --- changing the catalogue -------------------------------------------------------------


def _clean_name(value, field: str, label: str, max_length: int) -> str:
    text = _text(value)
    if not text:
        raise ValidationFailed({field: [f"{label} wajib diisi."]})
    if len(text) > max_length:
        raise ValidationFailed({field: [f"{label} maksimal {max_length} karakter."]})
    return text


def parse_factor(value, field: str = "factor") -> Decimal:
    text = _text(value).replace(",", ".")
    try:
        factor = Decimal(text)
    except InvalidOperation:
        raise ValidationFailed({field: ["Faktor konversi harus berupa angka."]}) from None
    if not factor.is_finite() or factor <= 0:
        raise ValidationFailed({field: ["Faktor konversi harus lebih dari 0."]})
    if factor > MAX_FACTOR or factor != factor.quantize(Decimal("0.0001")):
        raise ValidationFailed({field: ["Faktor konversi terlalu besar atau lebih dari "
                                        "4 angka desimal."]})
    return factor.quantize(Decimal("0.0001"))


@use_case
def add_commodity(*, code, name, canonical_unit, is_cash: bool = False, sort_order=None,
                  city_code=None, actor) -> Commodity:
    """Add to the shared catalogue, or (``city_code``; a city's admin always) as that
    kabupaten/kota's addition (``catalogue_cities.addition_city``)."""
    ensure_permitted(actor, Permission.MANAGE_CATALOGUE)
    city = catalogue_cities.addition_city(actor, city_code)
    code = _text(code).lower()
    if not _CODE.match(code):
        raise ValidationFailed({"code": ["Kode 2–20 huruf kecil, angka atau garis bawah, "
                                         "diawali huruf (misalnya: ikan)."]})
    name = _clean_name(name, "name", "Nama", 60)
    unit = CASH_UNIT if is_cash else _clean_name(canonical_unit, "canonical_unit",
                                                 "Satuan dasar", 20)
    if commodity_by_code(code) is not None:
        raise ValidationFailed({"code": ["Kode ini sudah dipakai."]}, status=409)
    if sort_order in (None, ""):
        sort_order = (db.session.scalar(select(func.max(Commodity.sort_order))) or 0) + 10
    commodity = Commodity(code=code, name=name, canonical_unit=unit, is_cash=bool(is_cash),
                          sort_order=int(sort_order), active=True, city_code=city)
    db.session.add(commodity)
    db.session.flush()
    audit.record("create", "commodity", commodity.id, user=actor, scope=city,
                 summary=f"Komoditas {name} ({code}, satuan {unit}) ditambahkan"
                         + (f" untuk {scopes.scope_label(city)}" if city else ""),
                 changes=audit.diff({}, {"code": code, "name": name, "canonical_unit": unit,
                                         "is_cash": bool(is_cash), "city_code": city}))
    return commodity


@use_case
def update_commodity(commodity: Commodity, *, name, sort_order, actor) -> bool:
    """Rename or reorder. Code, canonical unit and cash flag stay: history is in them."""
    ensure_permitted(actor, Permission.MANAGE_CATALOGUE)
    catalogue_cities.ensure_editable(actor, commodity)
    before = audit.snapshot(commodity, ("name", "sort_order"))
    commodity.name = _clean_name(name, "name", "Nama", 60)
    try:
        commodity.sort_order = int(sort_order)
    except (TypeError, ValueError):
        raise ValidationFailed({"sort_order": ["Urutan harus bilangan bulat."]}) from None
    changes = audit.diff(before, audit.snapshot(commodity, ("name", "sort_order")))
    if changes:
        db.session.flush()
        audit.record("update", "commodity", commodity.id, user=actor, changes=changes,
                     scope=commodity.city_code, summary=f"Komoditas {commodity.code} diubah")
    return bool(changes)


@use_case
def set_commodity_active(commodity: Commodity, active: bool, *, actor) -> bool:
    ensure_permitted(actor, Permission.MANAGE_CATALOGUE)
    catalogue_cities.ensure_editable(actor, commodity)
    if commodity.active == active:
        return False
    commodity.active = active
    db.session.flush()
    audit.record("activate" if active else "deactivate", "commodity", commodity.id,
                 user=actor, scope=commodity.city_code, changes={"active": [not active, active]},
                 summary=f"Komoditas {commodity.name} "
                         f"{'diaktifkan' if active else 'dinonaktifkan'}")
    return True


def _check_unit_name(commodity: Commodity, name: str, exclude: CommodityUnit | None) -> None:
    if unit_key(name) == unit_key(commodity.canonical_unit):
        raise ValidationFailed({"name": [f"{name} sudah satuan dasar {commodity.name}."]})
    for pack in commodity.units:
        if pack is not exclude and unit_key(pack.name) == unit_key(name):
            raise ValidationFailed({"name": [f"Satuan {pack.name} sudah ada."]}, status=409)


@use_case
def add_unit(commodity: Commodity, *, name, factor, actor) -> CommodityUnit:
    ensure_permitted(actor, Permission.MANAGE_CATALOGUE)
    catalogue_cities.ensure_editable(actor, commodity)
    if commodity.is_cash or is_as_entered(commodity):
        raise ValidationFailed({"name": [f"{commodity.name} tidak memakai satuan kemasan."]})
    name = _clean_name(name, "name", "Nama satuan", 40)
    factor = parse_factor(factor)
    _check_unit_name(commodity, name, None)
    unit = CommodityUnit(commodity_id=commodity.id, name=name, factor=factor, active=True)
    db.session.add(unit)
    db.session.flush()
    db.session.expire(commodity, ["units"])
    audit.record("create", "commodity_unit", unit.id, user=actor, scope=commodity.city_code,
                 summary=f"Satuan {name} = {factor.normalize():f} {commodity.canonical_unit} "
                         f"untuk {commodity.name}",
                 changes={"commodity": [None, commodity.code], "name": [None, name],
                          "factor": [None, str(factor)]})
    return unit


@use_case
def update_unit(unit: CommodityUnit, *, name, factor, actor) -> bool:
    """A new factor counts from now on: delivered items keep the quantity they converted to."""
    ensure_permitted(actor, Permission.MANAGE_CATALOGUE)
    commodity = db.session.get(Commodity, unit.commodity_id)
    catalogue_cities.ensure_editable(actor, commodity)
    name = _clean_name(name, "name", "Nama satuan", 40)
    factor = parse_factor(factor)
    _check_unit_name(commodity, name, unit)
    before = {"name": unit.name, "factor": Decimal(unit.factor).quantize(Decimal("0.0001"))}
    unit.name, unit.factor = name, factor
    changes = audit.diff(before, {"name": name, "factor": factor})
    if changes:
        db.session.flush()
        audit.record("update", "commodity_unit", unit.id, user=actor, changes=changes,
                     scope=commodity.city_code,
                     summary=f"Satuan {name} ({commodity.name}) diubah")
    return bool(changes)


@use_case
def set_unit_active(unit: CommodityUnit, active: bool, *, actor) -> bool:
    ensure_permitted(actor, Permission.MANAGE_CATALOGUE)
    commodity = db.session.get(Commodity, unit.commodity_id)
    catalogue_cities.ensure_editable(actor, commodity)
    if unit.active == active:
        return False
    unit.active = active
    db.session.flush()
    audit.record("activate" if active else "deactivate", "commodity_unit", unit.id,
                 user=actor, scope=commodity.city_code, changes={"active": [not active, active]},
                 summary=f"Satuan {unit.name} {'diaktifkan' if active else 'dinonaktifkan'}")
    return True


@use_case
def install_default_catalogue(*, actor=None) -> int:
    """Insert the default commodities when the catalogue is empty; returns how many."""
    if db.session.scalar(select(func.count(Commodity.id))):
        return 0
    for order, (code, name, unit, is_cash, packs) in enumerate(DEFAULT_CATALOGUE, start=1):
        commodity = Commodity(code=code, name=name, canonical_unit=unit, is_cash=is_cash,
                              sort_order=order * 10, active=True)
        commodity.units = [CommodityUnit(name=n, factor=Decimal(f), active=True)
                           for n, f in packs]
        db.session.add(commodity)
    db.session.flush()
    audit.record("install", "commodity", None, user=actor,
                 summary=f"Katalog komoditas bawaan dipasang ({len(DEFAULT_CATALOGUE)} "
                         "komoditas)")
    return len(DEFAULT_CATALOGUE)


# --- the monthly package ---------------------------------------------------------------


def _number(value) -> Decimal:
    return Decimal(str(value))


def monthly_package(city_code: str | None = None) -> dict[str, Decimal]:
    """``{commodity code: canonical quantity per child per month}`` of a kabupaten/kota
    (issue 15: its own package, else its province's default, else the installation's);
    None reads the installation's."""
    return _parsed(settings.for_city(city_code)["monthly_package"])


def province_package(city_code: str | None) -> dict[str, Decimal]:
    """The province's own package per child per month, given on top of the city's (issue
    15: Bangka Belitung's 30 eggs); shown apart, never counted in the city's. Empty where
    the province has set none (and for None)."""
    return _parsed(settings.for_city(city_code)["province_package"] if city_code else {})


def packages_of(city_codes) -> dict[str, tuple[dict[str, Decimal], dict[str, Decimal]]]:
    """``{city: (monthly package, province's own package)}`` of several kabupaten/kota,
    read at once (:func:`monthly_package` and :func:`province_package` of each)."""
    return {city: (_parsed(values["monthly_package"]), _parsed(values["province_package"]))
            for city, values in settings.for_cities(city_codes).items()}


def _parsed(raw) -> dict[str, Decimal]:
    package = {}
    for code, amount in (raw or {}).items():
        try:
            package[code] = _number(amount)
        except InvalidOperation:
            continue
    return package


@use_case
def update_monthly_package(values: dict, *, actor) -> dict:
    """Store the package; blank or zero drops a commodity from it. Returns what changed."""
    ensure_permitted(actor, Permission.MANAGE_CATALOGUE)
    # The installation's package is every city's default: a city's addition is not in it.
    known = {c.code: c for c in commodities() if c.city_code is None}
    package, errors = {}, {}
    for code, raw in values.items():
        field = f"package.{code}"
        commodity = known.get(code)
        if commodity is None or commodity.is_cash:
            errors[field] = ["Komoditas tidak dikenal atau berupa uang."]
            continue
        try:
            # Typed on the catalogue page, the id-ID way (1.000 is a thousand).
            amount = parse_number(_text(raw))
        except NumberRefused as refused:
            errors[field] = [str(refused) if refused.unclear else "Jumlah harus berupa angka."]
            continue
        if amount is None:
            continue
        if not amount.is_finite() or amount < 0 or amount > MAX_PACKAGE:
            errors[field] = ["Jumlah harus 0 atau lebih (maksimal 1.000.000)."]
        elif amount != amount.quantize(Decimal("0.001")):
            errors[field] = ["Jumlah maksimal 3 angka desimal."]
        elif amount > 0:
            # JSON keeps whole numbers as integers and the rest as exact decimal strings.
            package[code] = int(amount) if amount == amount.to_integral() else str(
                amount.normalize())
    if errors:
        raise ValidationFailed(errors)
    return settings.update({"monthly_package": package}, actor=actor)
