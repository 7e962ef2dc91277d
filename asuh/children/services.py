"""Child rules: registering and correcting a child, status changes, who sees which child.

Measurements live in ``measuring.py``, file imports in ``importing.py``; the field rules
here (``clean_child_fields``) are shared by all three so a child is checked the same way
whether typed in a form, posted to the API or read from a posyandu file.
"""

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from asuh import timeutil
from asuh.audit import services as audit
from asuh.children import measuring
from asuh.children.growth import MAX_AGE_DAYS, SEX_LABELS
from asuh.children.models import CHILD_STATUSES, HEIGHT_CATEGORIES, Child
from asuh.children.rules import STUNTING_CATEGORIES, classified_condition

# Who sees which child is ``visibility.py``'s; re-exported for the callers that ask here.
from asuh.children.visibility import can_see as can_see
from asuh.children.visibility import ensure_kelurahan_for, ensure_may_act, visible_condition
from asuh.children.visibility import visible_kelurahan as visible_kelurahan
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.identifiers import (
    IdentifierError,
    mask_identifier,
    nik_consistency_warnings,
    validate_nik,
)
from asuh.permissions import Permission, ensure_permitted, has_permission
from asuh.regions.models import Region
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
# Completed months, inclusive: the bands the TPPS reports use.
AGE_BANDS = {
    "0-5": (0, 5), "6-11": (6, 11), "12-23": (12, 23),
    "24-35": (24, 35), "36-47": (36, 47), "48-59": (48, 59),
}
AGE_BAND_LABELS = {key: f"{low}–{high} bulan" for key, (low, high) in AGE_BANDS.items()}
UNMEASURED = "unmeasured"
# Both stunting categories at once: the dashboard's "stunted children" links here.
STUNTING = "stunting"
# Children whose newest measurement is beyond WHO's plausibility limits.
REMEASURE = "remeasure"
CATEGORY_FILTERS = {**HEIGHT_CATEGORIES, STUNTING: "Pendek + sangat pendek",
                    UNMEASURED: "Belum diukur", REMEASURE: "Perlu diukur ulang"}
# Child.is_matched is kept by the matching area; this area only filters on it.
MATCHED_FILTERS = {"yes": "Sudah punya Bapak/Bunda Asuh", "no": "Belum punya Bapak/Bunda Asuh"}
ALL_STATUSES = "all"
TOO_OLD = "Anak sudah berumur lebih dari 59 bulan; program ini untuk balita (0–59 bulan)."
_PHONE = re.compile(r"^\+?\d{8,15}$")
_NIK_WARNINGS_MAX = 500


class NikWarnings(ValidationFailed):
    """The NIK disagrees with the birth date or sex: saved only once an officer confirms."""

    def __init__(self, warnings: list[str]):
        super().__init__({"nik": warnings}, status=422)
        self.warnings = warnings


# --- who sees what -----------------------------------------------------------------


def sees_full_nik(user) -> bool:
    # The roles that register children (officers, admins) need the whole NIK to match it
    # against Dukcapil records; everyone else reads it masked.
    return has_permission(user, Permission.EDIT_CHILDREN)


def shown_nik(user, nik: str) -> str:
    return nik if sees_full_nik(user) else mask_identifier(nik)


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


# --- lists -------------------------------------------------------------------------


@dataclass
class ChildFilters:
    category: str | None = None
    kecamatan_code: str | None = None
    kelurahan_code: str | None = None
    status: str = "active"
    age_band: str | None = None
    q: str = ""
    matched: str | None = None


def parse_filters(args, *, strict: bool) -> ChildFilters:
    """Filters from query parameters; unknown values are 422 (API) or ignored (pages)."""
    errors = {}

    def choice(name: str, allowed, default=None):
        value = (args.get(name) or "").strip() or default
        if value is not None and value not in allowed:
            errors[name] = [f"Nilai tidak dikenal; pilih salah satu dari: {', '.join(allowed)}."]
            return default
        return value

    filters = ChildFilters(
        category=choice("category", CATEGORY_FILTERS),
        kecamatan_code=(args.get("kecamatan_code") or "").strip() or None,
        kelurahan_code=(args.get("kelurahan_code") or "").strip() or None,
        status=choice("status", [*CHILD_STATUSES, ALL_STATUSES], "active"),
        age_band=choice("age_band", AGE_BANDS),
        q=" ".join((args.get("q") or "").split())[:120],
        matched=choice("matched", MATCHED_FILTERS),
    )
    if errors and strict:
        raise ValidationFailed(errors)
    return filters


def _months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for candidate in range(day.day, 27, -1):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    return date(year, month, min(day.day, 28))


def children_query(user, filters: ChildFilters, today: date | None = None):
    today = today or timeutil.today()
    stmt = select(Child)
    if (visible := visible_condition(user)) is not None:
        stmt = stmt.where(visible)
    if filters.status != ALL_STATUSES:
        stmt = stmt.where(Child.status == filters.status)
    # A child to be re-measured is listed under that, not under a category (as the
    # dashboard counts it: rules.classified_condition).
    if filters.category == UNMEASURED:
        stmt = stmt.where(Child.latest_category.is_(None), Child.needs_remeasure.is_(False))
    elif filters.category == REMEASURE:
        stmt = stmt.where(Child.needs_remeasure.is_(True))
    elif filters.category == STUNTING:
        stmt = stmt.where(classified_condition(),
                          Child.latest_category.in_(STUNTING_CATEGORIES))
    elif filters.category:
        stmt = stmt.where(classified_condition(), Child.latest_category == filters.category)
    if filters.kelurahan_code:
        stmt = stmt.where(Child.kelurahan_code == filters.kelurahan_code)
    if filters.kecamatan_code:
        stmt = stmt.where(Child.kelurahan_code.in_(
            select(Region.code).where(Region.parent_code == filters.kecamatan_code)))
    if filters.age_band:
        low, high = AGE_BANDS[filters.age_band]
        # Completed months >= low and <= high, i.e. < high + 1.
        stmt = stmt.where(Child.birth_date <= _months_before(today, low),
                          Child.birth_date > _months_before(today, high + 1))
    if filters.matched:
        stmt = stmt.where(Child.is_matched.is_(filters.matched == "yes"))
    if filters.q:
        digits = filters.q.replace(" ", "")
        name_match = func.lower(Child.name).contains(filters.q.lower(), autoescape=True)
        if digits.isdigit() and sees_full_nik(user):
            # By the whole NIK only, and only for who reads NIKs whole: a match on any
            # part, or a "found" for a masked reader, would let them uncover the hidden
            # digits one query at a time (issue 12).
            stmt = stmt.where(or_(Child.nik == digits, name_match))
        else:
            stmt = stmt.where(name_match)
    return stmt.order_by(Child.name, Child.id)


# The list PAGE counts up to this many rows (an exact count reads every matching child: ~1 s
# for a province's million), then says "more than"; the API keeps its exact ``total``.
COUNT_CAP = 10_000


def list_children(user, filters: ChildFilters, page: int = 1, per_page: int = 25,
                  today: date | None = None, *, count_cap: int | None = None):
    stmt = children_query(user, filters, today)
    if count_cap is None:
        return db.paginate(stmt, page=page, per_page=per_page, error_out=False)
    result = db.paginate(stmt, page=page, per_page=per_page, error_out=False, count=False)
    cap = max(count_cap, result.page * per_page)
    counted = db.session.scalar(select(func.count()).select_from(
        stmt.order_by(None).with_only_columns(Child.id).limit(cap + 1).subquery()))
    result.total, result.total_capped = counted, counted > cap
    return result
