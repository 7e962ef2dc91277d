"""Child rules: registering and correcting a child, status changes, who sees which child.

Measurements live in ``measuring.py``, file imports in ``importing.py``; the field rules
here (``clean_child_fields``) are shared by all three so a child is checked the same way
whether typed in a form, posted to the API or read from a posyandu file.
"""

import re
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from asuh import timeutil
from asuh.audit import services as audit
from asuh.children import measuring
from asuh.children.growth import MAX_AGE_DAYS, SEX_LABELS

# The registry's lists and their filters are ``listing.py``'s, who sees which child (and
# which NIK whole) ``visibility.py``'s; re-exported for the callers that ask here.
from asuh.children.listing import AGE_BAND_LABELS as AGE_BAND_LABELS
from asuh.children.listing import AGE_BANDS as AGE_BANDS
from asuh.children.listing import ALL_STATUSES as ALL_STATUSES
from asuh.children.listing import CATEGORY_FILTERS as CATEGORY_FILTERS
from asuh.children.listing import COUNT_CAP as COUNT_CAP
from asuh.children.listing import MATCHED_FILTERS as MATCHED_FILTERS
from asuh.children.listing import REMEASURE as REMEASURE
from asuh.children.listing import STUNTING as STUNTING
from asuh.children.listing import UNMEASURED as UNMEASURED
from asuh.children.listing import ChildFilters as ChildFilters
from asuh.children.listing import children_query as children_query
from asuh.children.listing import list_children as list_children
from asuh.children.listing import parse_filters as parse_filters
from asuh.children.models import CHILD_STATUSES, Child
from asuh.children.visibility import can_see as can_see
from asuh.children.visibility import ensure_kelurahan_for, ensure_may_act
from asuh.children.visibility import sees_full_nik as sees_full_nik
from asuh.children.visibility import shown_nik as shown_nik
from asuh.children.visibility import visible_condition as visible_condition
from asuh.children.visibility import visible_kelurahan as visible_kelurahan
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.identifiers import (
    IdentifierError,
    mask_identifier,
    nik_consistency_warnings,
    validate_nik,
)
from asuh.permissions import Permission, ensure_permitted
from asuh.regions.services import get_kelurahan
from asuh.timeutil import utcnow
from asuh.transactions import use_case

CHILD_FIELDS = ("nik", "name", "sex", "birth_date", "guardian_name", "guardian_phone",
                "address", "kelurahan_code", "posyandu")
FIELD_LABELS = {
    "nik": "NIK", "name": "Nama", "sex": "Jenis kelamin", "birth_date": "Tanggal lahir",
    "guardian_name": "Nama ibu/wali", "guardian_phone": "Telepon ibu/wali",
    "address": "Alamat", "kelurahan_code": "Kelurahan", "posyandu": "Posyandu",
}
TOO_OLD = "Anak sudah berumur lebih dari 59 bulan; program ini untuk balita (0–59 bulan)."
_PHONE = re.compile(r"^\+?\d{8,15}$")
_NIK_WARNINGS_MAX = 500


class NikWarnings(ValidationFailed):
    """The NIK disagrees with the birth date or sex: saved only once an officer confirms."""

    def __init__(self, warnings: list[str]):
        super().__init__({"nik": warnings}, status=422)
        self.warnings = warnings


# --- field rules -------------------------------------------------------------------


def _text(value) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def clean_phone(value) -> str | None:
    text = re.sub(r"[\s\-().]", "", _text(value))
    if not text:
        return None
    if text.startswith("+62"):
        text = "0" + text[3:]
    if not _PHONE.match(text):
        raise ValueError("Nomor telepon harus 8–15 digit angka, misalnya 081234567890.")
    return text


def clean_child_fields(values: dict, *, today: date, check_age: bool = True,
                       require_address: bool = True) -> tuple[dict, dict, list[str]]:
    """Normalize a child's fields: ``(clean values, errors by field, NIK warnings)``.

    ``check_age`` refuses a child already past 59 months today (an import judges age by
    its measurement dates instead). The kelurahan's existence and the NIK's uniqueness
    need the database and are checked by the callers.
    """
    errors: dict[str, list[str]] = {}
    clean: dict = {}

    def refuse(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    nik_info = None
    try:
        nik_info = validate_nik(_text(values.get("nik")), today=today)
        clean["nik"] = nik_info.nik
    except IdentifierError as exc:
        refuse("nik", str(exc))

    for field, maximum in (("name", 120), ("guardian_name", 120), ("address", 300),
                           ("posyandu", 120)):
        text = _text(values.get(field))
        if not text and (field in ("name", "guardian_name")
                         or (field == "address" and require_address)):
            refuse(field, f"{FIELD_LABELS[field]} wajib diisi.")
        elif len(text) > maximum:
            refuse(field, f"{FIELD_LABELS[field]} paling panjang {maximum} karakter.")
        clean[field] = text or (None if field == "posyandu" else "")

    sex = _text(values.get("sex")).upper()
    if sex not in SEX_LABELS:
        refuse("sex", "Jenis kelamin harus L (laki-laki) atau P (perempuan).")
    clean["sex"] = sex

    birth_date = values.get("birth_date")
    if not isinstance(birth_date, date):
        refuse("birth_date", "Tanggal lahir wajib diisi.")
    elif birth_date > today:
        refuse("birth_date", "Tanggal lahir tidak boleh di masa depan.")
    elif check_age and (today - birth_date).days > MAX_AGE_DAYS:
        refuse("birth_date", TOO_OLD)
    clean["birth_date"] = birth_date

    try:
        clean["guardian_phone"] = clean_phone(values.get("guardian_phone"))
    except ValueError as exc:
        refuse("guardian_phone", str(exc))
    clean["kelurahan_code"] = _text(values.get("kelurahan_code")) or None
    if not clean["kelurahan_code"]:
        refuse("kelurahan_code", "Kelurahan wajib dipilih.")

    warnings: list[str] = []
    if nik_info and "sex" not in errors and "birth_date" not in errors:
        warnings = nik_consistency_warnings(nik_info, birth_date, sex)
    return clean, errors, warnings


def join_warnings(warnings: list[str]) -> str | None:
    return " | ".join(warnings)[:_NIK_WARNINGS_MAX] or None


def find_by_nik(nik: str) -> Child | None:
    """The child whose own NIK this is (siblings may share a parent's, which is no one's)."""
    return db.session.scalar(select(Child).where(Child.nik == nik, Child.nik_status == "own"))


def _audit_view(values: dict) -> dict:
    # The audit trail is read by auditors, who see NIKs masked.
    shown = dict(values)
    if shown.get("nik"):
        shown["nik"] = mask_identifier(shown["nik"])
    return shown


def _checked(values: dict, *, today: date | None, exclude_id: int | None,
             confirm_nik_warnings: bool, confirmed_before: str | None = None,
             check_age: bool = True, nik_status: str = "own"):
    today = today or timeutil.today()
    clean, errors, warnings = clean_child_fields(values, today=today, check_age=check_age)
    if nik_status != "own" and not _text(values.get("nik")).strip("0"):
        # A child without a NIK of its own keeps its marker until one is given; a NIK
        # typed in later attaches to this child as its own.
        errors.pop("nik", None)
        clean["nik"], warnings = None, []
    clean["nik_status"] = "own" if clean.get("nik") else "missing"
    if clean.get("kelurahan_code") and "kelurahan_code" not in errors:
        try:
            get_kelurahan(clean["kelurahan_code"])
        except ValidationFailed as failure:
            errors.update(failure.errors)
    if errors:
        raise ValidationFailed(errors)
    other = find_by_nik(clean["nik"]) if clean.get("nik") else None
    if other is not None and other.id != exclude_id:
        raise _duplicate_nik()
    # A correction that leaves the same, already confirmed, warnings needs no new confirmation.
    if warnings and not confirm_nik_warnings and join_warnings(warnings) != confirmed_before:
        raise NikWarnings(warnings)
    clean["nik_warnings"] = join_warnings(warnings)
    return clean


def _duplicate_nik() -> ValidationFailed:
    return ValidationFailed({"nik": ["NIK ini sudah terdaftar untuk anak lain."]}, status=409)


@use_case
def create_child(values: dict, *, confirm_nik_warnings: bool = False, actor=None,
                 today: date | None = None) -> Child:
    """Register a child; ``values`` holds the fields named in ``CHILD_FIELDS``."""
    ensure_permitted(actor, Permission.EDIT_CHILDREN)
    clean = _checked(values, today=today, exclude_id=None,
                     confirm_nik_warnings=confirm_nik_warnings)
    ensure_kelurahan_for(actor, clean["kelurahan_code"])
    child = Child(**clean, status="active", created_by_id=actor.id if actor else None)
    try:
        # The unique index decides when two officers register the same NIK at once.
        with db.session.begin_nested():
            db.session.add(child)
            db.session.flush()
    except IntegrityError:
        raise _duplicate_nik() from None
    audit.record("create", "child", child.id, user=actor,
                 summary=f"Anak {child.name} didaftarkan",
                 changes=audit.diff({}, _audit_view(clean)))
    return child


@use_case
def update_child(child: Child, values: dict, *, confirm_nik_warnings: bool = False, actor=None,
                 today: date | None = None) -> Child:
    """Correct a child's data; a new birth date or sex re-assesses its measurements."""
    ensure_may_act(actor, child, Permission.EDIT_CHILDREN)
    # A child who has since turned five may still have a phone number corrected.
    clean = _checked(values, today=today, exclude_id=child.id,
                     confirm_nik_warnings=confirm_nik_warnings,
                     confirmed_before=child.nik_warnings,
                     check_age=values.get("birth_date") != child.birth_date,
                     nik_status=child.nik_status)
    ensure_kelurahan_for(actor, clean["kelurahan_code"], child.kelurahan_code)
    if clean["nik"] == child.nik and child.nik_status in ("parent", "not_own"):
        clean["nik_status"] = child.nik_status  # the same shared NIK stays a shared one
    fields = (*CHILD_FIELDS, "nik_warnings", "nik_status")
    before = audit.snapshot(child, fields)
    for field, value in clean.items():
        setattr(child, field, value)
    if (before["sex"], before["birth_date"]) != (child.sex, child.birth_date.isoformat()):
        measuring.reassess_child(child)
    changes = audit.diff(before, audit.snapshot(child, fields))
    if "nik" in changes:
        # Masked, the two may look alike; the key still says the NIK was corrected.
        changes["nik"] = [mask_identifier(value) for value in changes["nik"]]
    if changes:
        db.session.flush()
        audit.record("update", "child", child.id, user=actor,
                     summary=f"Data anak {child.name} diperbaiki", changes=changes)
    return child


@use_case
def change_status(child: Child, status: str, reason: str, *, actor=None) -> Child:
    """Active, graduated, moved, deceased or withdrawn: a child is never deleted."""
    ensure_may_act(actor, child, Permission.EDIT_CHILDREN)
    if status not in CHILD_STATUSES:
        raise ValidationFailed({"status": ["Status tidak dikenal."]})
    reason = _text(reason)
    if not reason:
        raise ValidationFailed({"reason": ["Alasan perubahan status wajib diisi."]})
    if len(reason) > 500:
        raise ValidationFailed({"reason": ["Alasan paling panjang 500 karakter."]})
    if status == child.status:
        raise ValidationFailed({"status": [f"Status anak sudah {CHILD_STATUSES[status]}."]})
    before = {"status": child.status, "status_reason": child.status_reason}
    child.status = status
    child.status_reason = reason
    child.status_changed_at = utcnow()
    db.session.flush()
    audit.record("change_status", "child", child.id, user=actor,
                 summary=f"Status {child.name}: {CHILD_STATUSES[status]} — {reason}",
                 changes=audit.diff(before, {"status": status, "status_reason": reason}))
    return child
