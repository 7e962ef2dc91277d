"""Reading and changing programme settings; defaults come from the app config."""

from flask import current_app
from sqlalchemy import select

from asuh.audit import services as audit
from asuh.audit.labels import field_label
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.identifiers import IdentifierError, validate_nip
from asuh.permissions import Permission, ensure_permitted
from asuh.settings.models import Setting
from asuh.transactions import use_case

LETTERHEAD_KEYS = (
    "city_name", "city_place", "office_name", "office_short_name",
    "office_address", "office_phone", "office_email",
)
DEFAULT_NUMBER_PATTERN = "{seq:03d}/BAAS/DPPPAKB/{month_roman}/{year}"
MIN_GROUP_DEFAULT, MIN_GROUP_RANGE = 5, (3, 50)


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
    }


def get_all() -> dict:
    values = defaults()
    for row in db.session.scalars(select(Setting)):
        values[row.key] = row.value
    return values


def get(key: str):
    row = db.session.get(Setting, key)
    return row.value if row is not None else defaults()[key]


def check_number_pattern(pattern: str) -> None:
    if "{seq" not in pattern:
        raise ValidationFailed({"letter_number_pattern": ["Pola harus memuat {seq}."]})
    try:
        pattern.format(seq=1, month_roman="XI", month=11, year=2026)
    except (KeyError, ValueError, IndexError) as exc:
        raise ValidationFailed({"letter_number_pattern": [
            "Pola tidak valid; gunakan {seq:03d}, {month_roman}, {month} dan {year}."]}) from exc


@use_case
def update(changes: dict, *, actor) -> dict:
    """Store the changed settings; returns ``{key: [old, new]}`` of what changed."""
    # The catalogue's monthly package is stored as a setting by its own use case.
    ensure_permitted(actor, Permission.MANAGE_SETTINGS, Permission.MANAGE_CATALOGUE)
    known = defaults()
    unknown = set(changes) - set(known)
    if unknown:
        raise ValidationFailed({k: ["Pengaturan tidak dikenal."] for k in sorted(unknown)})
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
