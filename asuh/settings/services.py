"""Reading and changing programme settings; defaults come from the app config.

Three layers (issue 15): the installation's values (``settings`` rows over the app
config), a province's own rows, and a kabupaten/kota's own rows (``region_settings``).
Whatever is read where a kabupaten/kota is known is read with :func:`for_city`: a value
the city has not set falls back to its province's, then to the installation's. A
province's own package (``province_package``) is never a city's: letters and progress
show it apart from the city's ``monthly_package``.
"""

from decimal import Decimal, InvalidOperation

from flask import current_app
from sqlalchemy import select

from asuh.audit import services as audit
from asuh.audit.labels import field_label
from asuh.errors import NotFoundError, NotPermitted, ValidationFailed
from asuh.extensions import db
from asuh.identifiers import IdentifierError, validate_nip
from asuh.permissions import Permission, ensure_permitted
from asuh.regions import scopes
from asuh.regions.models import KABUPATEN, PROVINSI, Region
from asuh.settings.models import RegionSetting, Setting
from asuh.transactions import use_case

LETTERHEAD_KEYS = (
    "city_name", "city_place", "office_name", "office_short_name",
    "office_address", "office_phone", "office_email",
)
DEFAULT_NUMBER_PATTERN = "{seq:03d}/BAAS/DPPPAKB/{month_roman}/{year}"
MIN_GROUP_DEFAULT, MIN_GROUP_RANGE = 5, (3, 50)
# What a kabupaten/kota sets for its own office (and a province as its cities' default).
CITY_KEYS = LETTERHEAD_KEYS + (
    "head_title", "head_name", "head_nip", "logo_data_uri", "letter_number_pattern",
    "monthly_package", "commitment_months")
# A province also sets its own package, given on top of the city's (Bangka Belitung:
# 30 eggs a month); it is not inherited as a city's package.
PROVINCE_KEYS = CITY_KEYS + ("province_package",)


def defaults() -> dict:
    config = current_app.config
    return {
        "city_name": config["CITY_NAME"],
        "city_place": config["CITY_PLACE"],
        "office_name": config["OFFICE_NAME"],
        "office_short_name": config["OFFICE_SHORT_NAME"],
        "office_address": config["OFFICE_ADDRESS"],
        "office_phone": config["OFFICE_PHONE"],
        "office_email": config["OFFICE_EMAIL"],
        "head_name": "",
        "head_nip": "",
        "head_title": f"Kepala {config['OFFICE_SHORT_NAME']}",
        "commitment_months": 6,
        # Canonical units per commodity code per month (BKKBN/Babel benchmarks, DOMAIN.md).
        "monthly_package": {"rice": 10, "eggs": 30},
        "letter_number_pattern": DEFAULT_NUMBER_PATTERN,
        # Height-for-age categories that also get a sponsor besides stunted and severely
        # stunted (matching.queries.sponsored_categories); none unless an admin adds them.
        "sponsor_extra_categories": [],
        "logo_data_uri": "",
        # An ASN sponsor signs in their office: the full NIP goes under their signature, as
        # under every official's (the head's too). A citizen's NIK stays masked.
        "letter_full_asn_nip": True,
        # The public figures hide any count of fewer children or sponsors than this
        # (asuh.opendata): 5 is common practice for health statistics of small areas.
        "public_min_group_size": MIN_GROUP_DEFAULT,
        # The province's own package per child per month (canonical units), shown apart
        # from the city's; none unless a province sets one (region_settings).
        "province_package": {},
    }


def get_all() -> dict:
    values = defaults()
    for row in db.session.scalars(select(Setting)):
        values[row.key] = row.value
    return values


def get(key: str):
    row = db.session.get(Setting, key)
    return row.value if row is not None else defaults()[key]


def _region_rows(codes: list[str]) -> dict[str, dict]:
    """``{region code: {key: value}}`` of what those regions set (a None value is unset)."""
    rows: dict[str, dict] = {code: {} for code in codes}
    for row in db.session.scalars(select(RegionSetting).where(
            RegionSetting.region_code.in_(codes))):
        if row.value is not None:
            rows[row.region_code][row.key] = row.value
    return rows


def own_values(region_code: str) -> dict:
    """What this province or kabupaten/kota has set itself (nothing inherited)."""
    return _region_rows([region_code])[region_code]


def for_province(province_code: str | None) -> dict:
    """The province office's settings: its own values over the installation's."""
    values = get_all()
    if province_code:
        own = own_values(province_code[:2])
        values.update({k: v for k, v in own.items() if k in PROVINCE_KEYS})
        values["province_code"] = province_code[:2]
    return values


def for_city(city_code: str | None) -> dict:
    """The settings of a kabupaten/kota's office (``19.71``; any longer code of a place
    in it is read as its city): the city's own values, else its province's, else the
    installation's. ``province_package`` is always the province's own. None (a system
    task with no city) reads the installation's values."""
    if not city_code:
        return get_all()
    return for_cities([city_code])[city_code[:5]]


def for_cities(city_codes) -> dict[str, dict]:
    """:func:`for_city` of several kabupaten/kota at once, ``{city code: values}``: two
    queries however many cities (a sponsor's home lists children of several)."""
    cities = sorted({code[:5] for code in city_codes if code})
    if not cities:
        return {}
    installation = get_all()
    rows = _region_rows(sorted({city[:2] for city in cities} | set(cities)))
    result = {}
    for city in cities:
        province = city[:2]
        values = dict(installation)
        values.update({k: v for k, v in rows[province].items() if k in PROVINCE_KEYS})
        values.update({k: v for k, v in rows[city].items() if k in CITY_KEYS})
        values["province_code"], values["city_code"] = province, city
        result[city] = values
    return result


def for_office(office_code: str | None) -> dict:
    """A letter's issuing office: a province (``19``) or a kabupaten/kota (``19.71``)."""
    if office_code and len(office_code) == 2:
        return for_province(office_code)
    return for_city(office_code)


def check_number_pattern(pattern: str) -> None:
    if "{seq" not in pattern:
        raise ValidationFailed({"letter_number_pattern": ["Pola harus memuat {seq}."]})
    try:
        pattern.format(seq=1, month_roman="XI", month=11, year=2026)
    except (KeyError, ValueError, IndexError) as exc:
        raise ValidationFailed({"letter_number_pattern": [
            "Pola tidak valid; gunakan {seq:03d}, {month_roman}, {month} dan {year}."]}) from exc


def check_package(field: str, package) -> dict:
    """``{commodity code: amount}`` with amounts ≥ 0 (whole numbers or decimal strings)."""
    if not isinstance(package, dict):
        raise ValidationFailed({field: ["Paket harus berupa daftar komoditas dan jumlah."]})
    clean = {}
    for code, amount in package.items():
        try:
            number = Decimal(str(amount))
        except InvalidOperation:
            number = Decimal(-1)
        if (not isinstance(code, str) or isinstance(amount, bool) or not number.is_finite()
                or number < 0 or number > 1_000_000):
            raise ValidationFailed({f"{field}.{code}": [
                "Jumlah harus 0 atau lebih (maksimal 1.000.000)."]})
        if number > 0:
            clean[code] = int(number) if number == number.to_integral() else str(
                number.normalize())
    return clean


def _checked(changes: dict) -> dict:
    """The changes with their values checked and normalised (ValidationFailed if not)."""
    if changes.get("head_nip"):
        # The same normaliser and check as a sponsor's NIP at registration: a NIP typed
        # in groups ("19850315 201001 1 002") there is accepted here too.
        try:
            changes = {**changes, "head_nip": validate_nip(changes["head_nip"]).nip}
        except IdentifierError as exc:
            raise ValidationFailed({"head_nip": [str(exc)]}) from exc
    if "letter_number_pattern" in changes:
        check_number_pattern(changes["letter_number_pattern"])
    if "commitment_months" in changes:
        months = changes["commitment_months"]
        if not isinstance(months, int) or not 1 <= months <= 36:
            raise ValidationFailed({"commitment_months": ["Masa komitmen 1–36 bulan."]})
    if "sponsor_extra_categories" in changes:
        extra = changes["sponsor_extra_categories"]
        if not isinstance(extra, list) or not set(extra) <= {"normal", "tall"}:
            raise ValidationFailed({"sponsor_extra_categories": [
                "Hanya kategori TB/U normal dan/atau tinggi yang dapat ditambahkan."]})
    if "public_min_group_size" in changes:
        size, (low, high) = changes["public_min_group_size"], MIN_GROUP_RANGE
        if isinstance(size, bool) or not isinstance(size, int) or not low <= size <= high:
            raise ValidationFailed({"public_min_group_size": [
                f"Ukuran kelompok minimum {low}–{high}."]})
    if "letter_full_asn_nip" in changes and not isinstance(
            changes["letter_full_asn_nip"], bool):
        raise ValidationFailed({"letter_full_asn_nip": ["Harus ya atau tidak."]})
    for key in ("monthly_package", "province_package"):
        if changes.get(key) is not None:
            changes = {**changes, key: check_package(key, changes[key])}
    return changes


@use_case
def update(changes: dict, *, actor) -> dict:
    """Store the changed installation settings; returns ``{key: [old, new]}``."""
    # The catalogue's monthly package is stored as a setting by its own use case.
    ensure_permitted(actor, Permission.MANAGE_SETTINGS, Permission.MANAGE_CATALOGUE)
    if actor is not None and scopes.scope_of(actor) is not None:
        # The installation's values are every city's defaults: only an admin of the
        # whole installation changes them (a city's admin changes their city's).
        raise NotPermitted("Pengaturan instalasi hanya untuk admin seluruh instalasi.")
    known = defaults()
    unknown = set(changes) - set(known)
    if unknown:
        raise ValidationFailed({k: ["Pengaturan tidak dikenal."] for k in sorted(unknown)})
    changes = _checked(changes)
    current = get_all()
    changed = {k: [current[k], v] for k, v in changes.items() if current[k] != v}
    for key, (_old, new) in changed.items():
        row = db.session.get(Setting, key)
        if row is None:
            db.session.add(Setting(key=key, value=new, updated_by_id=actor.id if actor else None))
        else:
            row.value = new
            row.updated_by_id = actor.id if actor else None
    if changed:
        audit.record("update", "settings", None, user=actor,
                     summary="Pengaturan diubah: " + ", ".join(
                         field_label(key) for key in sorted(changed)),
                     changes=changed)
    return changed


def region_keys(region: Region) -> tuple[str, ...]:
    return PROVINCE_KEYS if region.level == PROVINSI else CITY_KEYS


def settable_region(code: str, actor) -> Region:
    """The province or kabupaten/kota ``code`` if ``actor`` may see it (404 otherwise)."""
    region = db.session.get(Region, str(code or ""))
    if region is None or region.level not in (PROVINSI, KABUPATEN):
        raise NotFoundError("Wilayah tidak ditemukan.")
    if actor is not None:
        scopes.ensure_in_scope(actor, region.code)
    return region


@use_case
def update_region(region_code: str, changes: dict, *, actor) -> dict:
    """Store what a province or kabupaten/kota sets for itself; a value of None puts
    the key back to the inherited one. Returns ``{key: [old own, new own]}``."""
    ensure_permitted(actor, Permission.MANAGE_SETTINGS)
    region = settable_region(region_code, actor)
    allowed = region_keys(region)
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValidationFailed({k: ["Pengaturan tidak dikenal."] for k in sorted(unknown)})
    given = {k: v for k, v in changes.items() if v not in (None, "", {})}
    # Blank on the region's page: back to what the province or installation says.
    changes = _checked(given) | {k: None for k in changes if k not in given}
    own = own_values(region.code)
    changed = {k: [own.get(k), v] for k, v in changes.items() if own.get(k) != v}
    for key, (_old, new) in changed.items():
        row = db.session.get(RegionSetting, (region.code, key))
        if row is None:
            db.session.add(RegionSetting(region_code=region.code, key=key, value=new,
                                         updated_by_id=actor.id if actor else None))
        else:
            row.value = new
            row.updated_by_id = actor.id if actor else None
    if changed:
        audit.record("update", "region_settings", None, user=actor,
                     summary=f"Pengaturan {region.name} diubah: " + ", ".join(
                         field_label(key) for key in sorted(changed)),
                     changes={"region": [None, region.code], **changed},
                     scope=region.code)
    return changed
