"""Logging a delivery and correcting it while it waits for verification.

Items are checked against the catalogue and converted to canonical units when they are
recorded. A submission key (a form's one-time token or an API Idempotency-Key) makes a
retried submit find the delivery it already made; the unique constraint on the key
settles a race between two identical requests. Verification and voiding are in
``verification.py``.
"""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from asuh import timeutil
from asuh.audit import services as audit
from asuh.children.models import Child
from asuh.contributions import access, catalogue, catalogue_cities, photos, prices
from asuh.contributions.models import PENDING, Commodity, Contribution, ContributionItem
from asuh.errors import NotPermitted, ValidationFailed
from asuh.extensions import db
from asuh.formatting import format_date_id, format_quantity, format_rupiah
from asuh.matching.models import Match
from asuh.permissions import Role
from asuh.transactions import use_case

MAX_ITEMS = 20
MAX_QUANTITY = Decimal("999999999.999")
MAX_VALUE_IDR = 1_000_000_000
MAX_NOTE = 500
_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")


@dataclass(frozen=True)
class CleanItem:
    commodity: Commodity
    quantity: Decimal
    unit: str
    canonical_quantity: Decimal
    value_idr: int


def item_field(index: int, name: str) -> str:
    """The error key of one item's field: ``items[0].unit``, in the API and the pages."""
    return f"items[{index}].{name}"


def parse_quantity(raw, field: str) -> Decimal:
    if raw is None or isinstance(raw, bool) or str(raw).strip() == "":
        raise ValidationFailed({field: ["Jumlah wajib diisi."]})
    text = str(raw).strip().replace(",", ".") if isinstance(raw, str) else str(raw)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValidationFailed({field: ["Jumlah harus berupa angka, misalnya 2,5."]}) from None
    if not number.is_finite() or number <= 0:
        raise ValidationFailed({field: ["Jumlah harus lebih dari 0."]})
    if number > MAX_QUANTITY:
        raise ValidationFailed({field: ["Jumlah terlalu besar."]})
    if number != number.quantize(Decimal("0.001")):
        raise ValidationFailed({field: ["Jumlah maksimal 3 angka di belakang koma."]})
    return number.quantize(Decimal("0.001"))


def parse_rupiah(raw, field: str) -> int:
    """Whole Rupiah: ``150000``, ``"150.000"`` or ``"Rp 150.000"``."""
    if raw is None or isinstance(raw, bool) or str(raw).strip() == "":
        raise ValidationFailed({field: ["Perkiraan nilai (Rp) wajib diisi."]})
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, float):
        if raw != int(raw):
            raise ValidationFailed({field: ["Nilai dalam Rupiah penuh, tanpa sen."]})
        value = int(raw)
    else:
        text = re.sub(r"^rp\.?\s*", "", str(raw).strip().lower()).replace(" ", "")
        if _THOUSANDS.match(text):
            text = text.replace(".", "")
        if not text.isdigit():
            raise ValidationFailed({field: ["Nilai harus angka Rupiah, misalnya 150.000."]})
        value = int(text)
    if value < 0 or value > MAX_VALUE_IDR:
        raise ValidationFailed({field: ["Nilai harus antara Rp 0 dan Rp 1.000.000.000."]})
    return value


def _clean_item(index: int, raw: dict, commodities: dict[str, Commodity],
                city_code: str | None) -> CleanItem:
    errors: dict[str, list[str]] = {}

    def check(parse, *args):
        try:
            return parse(*args)
        except ValidationFailed as failure:
            errors.update(failure.errors)
            return None

    code = raw.get("commodity")
    code = code.strip().lower() if isinstance(code, str) else ""
    commodity = commodities.get(code)
    if not code:
        errors[item_field(index, "commodity")] = ["Pilih barang."]
    elif refusal := catalogue_cities.item_refusal(code, commodity, city_code):
        errors[item_field(index, "commodity")] = [refusal]
        commodity = None
    quantity = check(parse_quantity, raw.get("quantity"), item_field(index, "quantity"))
    cash = commodity is not None and commodity.is_cash
    value = None
    if not cash:
        value = check(parse_rupiah, raw.get("value_idr"), item_field(index, "value_idr"))
    resolved = None
    if commodity is not None:
        resolved = catalogue.resolve_unit(commodity, raw.get("unit"))
        if resolved is None:
            errors[item_field(index, "unit")] = [
                f"Satuan tidak dikenal untuk {commodity.name}; pilih salah satu: "
                f"{', '.join(catalogue.unit_names(commodity))}."]
    if cash and quantity is not None:
        # Cash given instead of goods: the quantity is the amount, so it is the value too.
        if quantity != quantity.to_integral():
            errors[item_field(index, "quantity")] = ["Uang dicatat dalam Rupiah penuh."]
        else:
            value = int(quantity)
            if raw.get("value_idr") not in (None, ""):
                given = check(parse_rupiah, raw.get("value_idr"), item_field(index, "value_idr"))
                if given is not None and given != value:
                    errors[item_field(index, "value_idr")] = [
                        "Untuk uang, nilai sama dengan jumlahnya."]
    if errors:
        raise ValidationFailed(errors)
    unit, factor = resolved
    canonical = (quantity * factor).quantize(Decimal("0.001"))
    if canonical > MAX_QUANTITY:
        raise ValidationFailed({item_field(index, "quantity"): ["Jumlah terlalu besar."]})
    if canonical <= 0:
        # 0.001 carton of 200 ml rounds to 0.000 litre; the database refuses a zero.
        raise ValidationFailed({item_field(index, "quantity"): [
            "Jumlah terlalu kecil untuk satuan ini."]})
    return CleanItem(commodity, quantity, unit, canonical, value)


def clean_items(items, city_code: str | None = None) -> list[CleanItem]:
    """Check every item for a child in ``city_code`` (shared catalogue + that city's
    additions; None: shared only); all problems at once, keyed ``items[i].field``."""
    if not isinstance(items, list) or not items:
        raise ValidationFailed({"items": ["Isi minimal satu barang."]})
    if len(items) > MAX_ITEMS:
        raise ValidationFailed({"items": [f"Maksimal {MAX_ITEMS} barang per penyaluran."]})
    commodities = {c.code: c for c in catalogue.commodities()}
    cleaned, errors = [], {}
    for index, raw in enumerate(items):
        if not isinstance(raw, dict):
            errors[f"items[{index}]"] = ["Harus berupa objek."]
            continue
        try:
            cleaned.append(_clean_item(index, raw, commodities, city_code))
        except ValidationFailed as failure:
            errors.update(failure.errors)
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def clean_note(note) -> str | None:
    text = " ".join(str(note).split()) if note is not None else ""
    if len(text) > MAX_NOTE:
        raise ValidationFailed({"note": [f"Catatan maksimal {MAX_NOTE} karakter."]})
    return text or None


def check_delivery_date(match: Match, delivered_on, today: date | None = None) -> date:
    today = today or timeutil.today()
    if not isinstance(delivered_on, date):
        raise ValidationFailed({"delivered_on": ["Tanggal penyaluran wajib diisi."]})
    if delivered_on > today:
        raise ValidationFailed({"delivered_on": ["Tanggal penyaluran tidak boleh di masa "
                                                 "depan."]})
    if delivered_on < match.start_on:
        raise ValidationFailed({"delivered_on": [
            f"Tanggal penyaluran sebelum masa asuh dimulai ({format_date_id(match.start_on)})."
        ]})
    if match.ended_on is not None and delivered_on > match.ended_on:
        raise ValidationFailed({"delivered_on": [
            f"Tanggal penyaluran setelah masa asuh berakhir ({format_date_id(match.ended_on)})."
        ]})
    return delivered_on


def delivery_errors(match: Match, delivered_on, items, note, today) -> dict:
    """Every field error of a delivery at once (date, items, note), so a form shows all."""
    errors = {}
    city = catalogue_cities.match_city(match)
    for check in (lambda: check_delivery_date(match, delivered_on, today),
                  lambda: clean_items(items, city), lambda: clean_note(note)):
        try:
            check()
        except ValidationFailed as failure:
            errors.update(failure.errors)
    return errors


def item_lines(items) -> list[str]:
    """``["Beras 2 karung 5 kg = 10 kg (Rp 150.000)", ...]``: items as the audit reads them."""
    lines = []
    for item in items:
        quantity = format_quantity(Decimal(item.quantity))
        canonical = format_quantity(Decimal(item.canonical_quantity))
        line = f"{item.commodity.name} {quantity} {item.unit}"
        if item.unit != item.commodity.canonical_unit:
            line += f" = {canonical} {item.commodity.canonical_unit}"
        lines.append(f"{line} ({format_rupiah(item.value_idr)})")
    return lines


def contribution_items(contribution: Contribution) -> list[ContributionItem]:
    return list(db.session.scalars(select(ContributionItem).where(
        ContributionItem.contribution_id == contribution.id).order_by(ContributionItem.id)))


def _add_items(contribution: Contribution, items: list[CleanItem]) -> None:
    for item in items:
        db.session.add(ContributionItem(
            contribution_id=contribution.id, commodity_id=item.commodity.id,
            quantity=item.quantity, unit=item.unit,
            canonical_quantity=item.canonical_quantity, value_idr=item.value_idr))
    contribution.total_value_idr = sum(item.value_idr for item in items)


# --- idempotency -------------------------------------------------------------------------


def find_submission(key: str | None) -> Contribution | None:
    if not key:
        return None
    return db.session.scalar(select(Contribution).where(Contribution.submission_key == key))


def same_submission(contribution: Contribution, *, match_id, delivered_on, items,
                    note) -> bool:
    """Whether a repeated request asks for what the stored contribution holds."""
    try:
        cleaned = clean_items(items, catalogue_cities.match_city(contribution))
        note = clean_note(note)
    except ValidationFailed:
        return False
    wanted = [(i.commodity.id, catalogue.unit_key(i.unit), i.quantity, i.value_idr)
              for i in cleaned]
    stored = [(i.commodity_id, catalogue.unit_key(i.unit), Decimal(i.quantity), i.value_idr)
              for i in contribution_items(contribution)]
    return (match_id == contribution.match_id and delivered_on == contribution.delivered_on
            and note == contribution.note and wanted == stored)


SUBMISSION_KEY_FIELD = "submission_key"
SUBMISSION_REUSED = ("Kunci pengiriman ini sudah dipakai untuk penyaluran lain atau dengan "
                     "isi berbeda; kirim ulang dengan kunci baru.")


def replayed(existing: Contribution, *, match: Match, delivered_on, items, note,
             actor) -> Contribution:
    """The one idempotency rule, for the API's Idempotency-Key and the form's one-time
    token alike: a key already used gives back its delivery only when the same person
    sends the same delivery again; anything else under that key is refused (422, under
    ``submission_key``, which each caller names as its own field)."""
    same_person = existing.submitted_by_id == (actor.id if actor is not None else None)
    if not same_person or not same_submission(existing, match_id=match.id,
                                              delivered_on=delivered_on, items=items,
                                              note=note):
        raise ValidationFailed({SUBMISSION_KEY_FIELD: [SUBMISSION_REUSED]})
    return existing


# --- logging and correcting -----------------------------------------------------------


@use_case(prepare=photos.prepare_kwarg("photo_files"))
def log_contribution(match: Match, *, delivered_on, items, note=None, photo_files=(),
                     require_photos: bool = False, actor, submission_key: str | None = None,
                     today: date | None = None,
                     ask_about_unusual_values: bool = False) -> tuple[Contribution, bool]:
    """Record a delivery for a match: ``(contribution, created)``.

    With a ``submission_key`` already used, the earlier contribution comes back with
    ``created=False`` and nothing else happens, if ``replayed`` accepts the repeat. Who
    may log for this match is checked here first (``access.can_log_for``); an ended match
    takes deliveries only from an admin entering them afterwards. The form sends its photos
    along
    (``require_photos``); an API client uploads them one by one after creating. They are
    counted, checked and decoded before the transaction begins (``photos.prepare_kwarg``).
    Callers that can ask a person (the form, the API) pass ``ask_about_unusual_values``
    until the person confirms: values far from the usual price are then refused with the
    question (``prices.unusual_values``), after every other error is fixed.
    """
    if actor is not None and not access.can_log_for(actor, match):
        raise NotPermitted("Anda tidak dapat mencatat penyaluran untuk pengasuhan ini.")
    existing = find_submission(submission_key)
    if existing is not None:
        return replayed(existing, match=match, delivered_on=delivered_on, items=items,
                        note=note, actor=actor), False
    if match.ended_on is not None and getattr(actor, "role", None) != Role.ADMIN:
        raise ValidationFailed({"match": ["Masa asuh ini sudah berakhir; penyaluran baru "
                                          "tidak dapat dicatat."]}, status=409)
    errors = delivery_errors(match, delivered_on, items, note, today)
    batch = photos.prepare_photos(photo_files)
    if require_photos and not batch:
        errors["photos"] = ["Lampirkan minimal satu foto bukti penyaluran."]
    errors.update(batch.errors)
    images = list(batch.images)
    if errors:
        raise ValidationFailed(errors)
    cleaned, note = clean_items(items, catalogue_cities.match_city(match)), clean_note(note)
    prices.ask_about(cleaned, item_field, ask=ask_about_unusual_values)
    child = db.session.get(Child, match.child_id)
    contribution = Contribution(
        match_id=match.id, sponsor_id=match.sponsor_id, child_id=match.child_id,
        kelurahan_code=child.kelurahan_code, delivered_on=delivered_on, note=note,
        status=PENDING, submitted_by_id=actor.id if actor is not None else None,
        submission_key=submission_key)
    try:
        # A savepoint, so losing the race for the key undoes only this insert.
        with db.session.begin_nested():
            db.session.add(contribution)
    except IntegrityError:
        existing = find_submission(submission_key)
        if existing is None:
            raise
        return replayed(existing, match=match, delivered_on=delivered_on, items=items,
                        note=note, actor=actor), False
    _add_items(contribution, cleaned)
    db.session.flush()
    audit.record("create", "contribution", contribution.id, user=actor,
                 summary=f"Penyaluran #{contribution.id} dicatat "
                         f"({format_date_id(delivered_on)}, "
                         f"{format_rupiah(contribution.total_value_idr)})",
                 changes={"match_id": [None, match.id],
                          "delivered_on": [None, delivered_on.isoformat()],
                          "note": [None, note], "items": [None, item_lines(cleaned)],
                          "total_value_idr": [None, contribution.total_value_idr]})
    if images:
        stored = photos.store_photos(contribution, images, actor=actor)
        audit.record("add_photos", "contribution", contribution.id, user=actor,
                     summary=f"{len(stored)} foto bukti untuk penyaluran #{contribution.id}",
                     changes={"photos": [None, [p.id for p in stored]]})
    return contribution, True


@use_case(prepare=photos.prepare_kwarg("photo_files"))
def update_contribution(contribution: Contribution, *, delivered_on, items, note, actor,
                        today: date | None = None, photo_files=(),
                        ask_about_unusual_values: bool = False) -> bool:
    """Correct a delivery still waiting for verification; True if anything changed.

    ``photo_files`` (the edit form's) are added in the same act; values asked about as
    when logging."""
    if actor is not None and not access.can_edit(actor, contribution):
        raise NotPermitted("Anda tidak dapat mengubah penyaluran ini.")
    changed = _update_fields(contribution, delivered_on=delivered_on, items=items, note=note,
                             actor=actor, today=today, ask=ask_about_unusual_values)
    if photo_files:
        photos.add_photos(contribution, photos.prepare_photos(photo_files), actor=actor)
    return changed or bool(photo_files)


def _update_fields(contribution: Contribution, *, delivered_on, items, note, actor,
                   today: date | None, ask: bool) -> bool:
    if contribution.status != PENDING:
        raise ValidationFailed({"status": [
            f"Penyaluran ini sudah {contribution.status_label.lower()} dan tidak dapat "
            "diubah lagi."]}, status=409)
    match = db.session.get(Match, contribution.match_id)
    errors = delivery_errors(match, delivered_on, items, note, today)
    if errors:
        raise ValidationFailed(errors)
    cleaned, note = clean_items(items, catalogue_cities.match_city(match)), clean_note(note)
    prices.ask_about(cleaned, item_field, ask=ask)
    old_items = contribution_items(contribution)
    before = {"delivered_on": contribution.delivered_on, "note": contribution.note,
              "items": item_lines(old_items), "total_value_idr": contribution.total_value_idr}
    after = {"delivered_on": delivered_on, "note": note, "items": item_lines(cleaned),
             "total_value_idr": sum(i.value_idr for i in cleaned)}
    changes = audit.diff(before, after)
    if not changes:
        return False
    contribution.delivered_on, contribution.note = delivered_on, note
    same_items = [(i.commodity_id, i.unit, Decimal(i.quantity), i.value_idr)
                  for i in old_items] == [(i.commodity.id, i.unit, i.quantity, i.value_idr)
                                          for i in cleaned]
    if not same_items:
        # Pending items are replaced wholesale; the audit record keeps the old list.
        db.session.execute(delete(ContributionItem).where(
            ContributionItem.contribution_id == contribution.id))
        _add_items(contribution, cleaned)
    db.session.flush()
    audit.record("update", "contribution", contribution.id, user=actor, changes=changes,
                 summary=f"Penyaluran #{contribution.id} diubah: "
                         + ", ".join(sorted(changes)))
    return True
