"""Measurement rules: assessing, recording and voiding, and each child's latest figures."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from blinker import Namespace
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from asuh import timeutil
from asuh.audit import services as audit
from asuh.children.growth import (
    HEIGHT_FROM_DAY,
    GrowthResult,
    MeasurementError,
    age_label,
    assess,
)
from asuh.children.models import HEIGHT_CATEGORIES, Child, Measurement
from asuh.children.rules import classification, is_live, live_measurement
from asuh.children.visibility import can_see, ensure_may_act
from asuh.errors import NotFoundError, ValidationFailed
from asuh.extensions import db
from asuh.formatting import format_date_id, format_quantity
from asuh.permissions import Permission, has_permission
from asuh.timeutil import utcnow
from asuh.transactions import use_case

POSITIONS = {"lying": "Terlentang", "standing": "Berdiri"}
FLAG_LABELS = {"haz": "TB/U", "waz": "BB/U", "whz": "BB/TB"}
_TENTH = Decimal("0.1")
_HUNDREDTH = Decimal("0.01")
# Sent with a list of child ids inside the transaction that changed their live
# measurements (recorded, voided, re-assessed, imported): higher areas keep their own
# summaries in step (the dashboard's growth summaries) without this area importing them.
measurements_changed = Namespace().signal("measurements-changed")


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def parse_number(value, field: str, label: str, places: Decimal) -> Decimal:
    """A number typed the Indonesian way ("85,5") or sent as JSON, at the column's precision."""
    if value is None or isinstance(value, bool) or str(value).strip() == "":
        raise ValidationFailed({field: [f"{label} wajib diisi."]})
    text = str(value).strip().replace(",", ".") if isinstance(value, str) else value
    try:
        number = Decimal(str(text))
    except (InvalidOperation, ValueError):
        raise ValidationFailed({field: [f"{label} harus berupa angka."]}) from None
    if not number.is_finite():
        raise ValidationFailed({field: [f"{label} harus berupa angka."]})
    return number.quantize(places, rounding=ROUND_HALF_UP)


def standard_position(birth_date: date, measured_on: date) -> str:
    """How WHO expects a child of that age to be measured (lying under 24 months)."""
    return "lying" if (measured_on - birth_date).days < HEIGHT_FROM_DAY else "standing"


def checked_assessment(sex: str, birth_date: date, measured_on: date, height_cm: Decimal | None,
                       weight_kg: Decimal, position: str | None,
                       today: date | None) -> GrowthResult:
    try:
        return assess(sex, birth_date, measured_on, height_cm, weight_kg, position,
                      today=today or timeutil.today())
    except MeasurementError as exc:
        raise ValidationFailed({exc.field: [exc.message]}) from None


def result_columns(result: GrowthResult) -> dict:
    """The Measurement columns that come from the growth assessment."""

    def z(value):
        return None if value is None else Decimal(str(value)).quantize(_HUNDREDTH)

    adjusted = result.height_cm_adjusted
    return {
        "age_days": result.age_days,
        "height_adjusted_cm": None if adjusted is None else Decimal(str(adjusted)).quantize(_TENTH),
        "haz": z(result.haz),
        "waz": z(result.waz),
        "whz": z(result.whz),
        "category": result.category,
        "weight_category": result.weight_category,
        "wasting_category": result.wasting_category,
        "flags": ",".join(result.flags),
        "standing_under_9m": result.position_ignored,
    }


def live_measurements(child_id: int) -> list[Measurement]:
    return list(db.session.scalars(
        select(Measurement)
        .where(Measurement.child_id == child_id, live_measurement())
        .order_by(Measurement.measured_on, Measurement.id)))


def measurement_history(child_id: int) -> list[Measurement]:
    """Every measurement, voided ones too (shown struck through), newest first."""
    return list(db.session.scalars(
        select(Measurement).where(Measurement.child_id == child_id)
        .order_by(Measurement.measured_on.desc(), Measurement.id.desc())))


def refresh_latest(child: Child) -> None:
    """Copy the classifying figures onto the child (lists and figures filter on them):
    the newest live date, the latest plausible height-for-age, whether to re-measure."""
    set_latest(child, live_measurements(child.id))


def set_latest(child: Child, measurements: list[Measurement]) -> None:
    """``measurements``: the child's live ones, oldest first (see ``rules.classification``)."""
    classifying, doubtful = classification(measurements)
    child.latest_measured_on = measurements[-1].measured_on if measurements else None
    child.latest_haz = classifying.haz if classifying else None
    child.latest_category = classifying.category if classifying else None
    child.needs_remeasure = doubtful


def refresh_latest_many(child_ids) -> None:
    """:func:`refresh_latest` for many children at once (a file import)."""
    ids = sorted(set(child_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        by_child: dict[int, list[Measurement]] = {i: [] for i in chunk}
        for measurement in db.session.scalars(
                select(Measurement).where(Measurement.child_id.in_(chunk), live_measurement())
                .order_by(Measurement.measured_on, Measurement.id)):
            by_child[measurement.child_id].append(measurement)
        for child in db.session.scalars(select(Child).where(Child.id.in_(chunk))):
            set_latest(child, by_child[child.id])


@use_case
def record_measurement(child: Child, *, measured_on: date | None, height_cm, weight_kg,
                       position: str | None, measured_by: str | None = None, actor=None,
                       today: date | None = None) -> Measurement:
    """Assess and store one measurement; impossible values are refused, implausible flagged."""
    ensure_may_act(actor, child, Permission.RECORD_MEASUREMENTS)
    if child.status == "deceased":
        raise ValidationFailed({"measured_on": ["Anak tercatat meninggal; pengukuran tidak "
                                                "dapat dicatat."]})
    errors: dict[str, list[str]] = {}
    # A monthly weighing without a height is a weight-only measurement: only BB/U.
    weight_only = is_blank(height_cm)
    values = {"height_cm": None} if weight_only else {}
    for field, raw, label, places in (
            ("height_cm", height_cm, "Tinggi/panjang badan", _TENTH),
            ("weight_kg", weight_kg, "Berat badan", _HUNDREDTH)):
        if field in values:
            continue
        try:
            values[field] = parse_number(raw, field, label, places)
        except ValidationFailed as failure:
            errors.update(failure.errors)
    if not isinstance(measured_on, date):
        errors["measured_on"] = ["Tanggal pengukuran wajib diisi."]
    if weight_only:
        position = None
    elif position not in POSITIONS:
        errors["position"] = ["Cara ukur harus terlentang (lying) atau berdiri (standing)."]
    measured_by = " ".join((measured_by or "").split()) or None
    if measured_by and len(measured_by) > 120:
        errors["measured_by"] = ["Nama pengukur paling panjang 120 karakter."]
    if errors:
        raise ValidationFailed(errors)
    result = checked_assessment(child.sex, child.birth_date, measured_on, values["height_cm"],
                                values["weight_kg"], position, today)
    if db.session.scalar(select(Measurement.id).where(
            Measurement.child_id == child.id, Measurement.measured_on == measured_on,
            live_measurement())) is not None:
        raise _same_day(measured_on)

    measurement = Measurement(
        child_id=child.id, measured_on=measured_on, position=position, measured_by=measured_by,
        recorded_by_id=actor.id if actor else None, **values, **result_columns(result))
    try:
        # The unique index is the last word when two people save the same day at once.
        with db.session.begin_nested():
            db.session.add(measurement)
            db.session.flush()
    except IntegrityError:
        raise _same_day(measured_on) from None
    refresh_latest(child)
    flags = f"; perlu diukur ulang ({measurement.flags})" if measurement.flags else ""
    weight, height = format_quantity(values["weight_kg"]), format_quantity(values["height_cm"])
    figures = (f"{weight} kg (penimbangan saja)" if weight_only else
               f"{height} cm, {weight} kg, "
               f"{HEIGHT_CATEGORIES[result.category]}")
    audit.record(
        "create", "measurement", measurement.id, user=actor,
        summary=f"Pengukuran {child.name} {format_date_id(measured_on)}: {figures}{flags}",
        changes=audit.diff({}, {"child_id": child.id, "measured_on": measured_on,
                                "position": position, **values, "haz": measurement.haz,
                                "waz": measurement.waz, "category": result.category}))
    measurements_changed.send([child.id])
    return measurement


def may_record(user, child: Child) -> bool:
    """Whether a page offers ``user`` the measurement form for ``child``: the checks
    :func:`record_measurement` makes before it reads the figures."""
    return (child.status != "deceased" and has_permission(user, Permission.RECORD_MEASUREMENTS)
            and can_see(user, child))


def _same_day(measured_on: date) -> ValidationFailed:
    return ValidationFailed(
        {"measured_on": [f"Anak ini sudah punya pengukuran pada {format_date_id(measured_on)}; "
                         "satu pengukuran per hari. Batalkan yang lama bila salah."]},
        status=409)


@use_case
def void_measurement(measurement: Measurement, child: Child, reason: str, *,
                     actor=None) -> None:
    """Take a wrong measurement out of every figure; it stays on record with the reason."""
    ensure_may_act(actor, child, Permission.EDIT_CHILDREN)
    if measurement.child_id != child.id:
        raise NotFoundError(measurement.id)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationFailed({"reason": ["Alasan pembatalan wajib diisi."]})
    if len(reason) > 500:
        raise ValidationFailed({"reason": ["Alasan paling panjang 500 karakter."]})
    if measurement.voided_at is not None:
        raise ValidationFailed({"reason": ["Pengukuran ini sudah dibatalkan."]}, status=409)
    measurement.voided_at = utcnow()
    measurement.void_reason = reason
    db.session.flush()
    refresh_latest(child)
    audit.record("void", "measurement", measurement.id, user=actor,
                 summary=f"Pengukuran {child.name} {format_date_id(measurement.measured_on)} "
                         f"dibatalkan: {reason}",
                 changes={"voided": [False, True], "void_reason": [None, reason]})
    measurements_changed.send([child.id])


def reassess_child(child: Child) -> None:
    """Recompute every live measurement after the child's birth date or sex was corrected."""
    problems = {}
    for measurement in live_measurements(child.id):
        try:
            result = assess(child.sex, child.birth_date, measurement.measured_on,
                            measurement.height_cm, measurement.weight_kg, measurement.position,
                            today=max(timeutil.today(), measurement.measured_on))
        except MeasurementError as exc:
            problems.setdefault("birth_date", []).append(
                f"Pengukuran {format_date_id(measurement.measured_on)} tidak cocok dengan data "
                f"baru: {exc.message}")
            continue
        for column, value in result_columns(result).items():
            setattr(measurement, column, value)
    if problems:
        raise ValidationFailed(problems)
    refresh_latest(child)
    measurements_changed.send([child.id])


def growth_points(measurements: list[Measurement]) -> list[tuple[int, float]]:
    """(age in days, length/height on the table's basis) of the live measurements."""
    return [(m.age_days, float(m.height_adjusted_cm)) for m in measurements
            if is_live(m) and m.height_adjusted_cm is not None]


def measurement_age_label(child: Child, measurement: Measurement) -> str:
    return age_label(child.birth_date, measurement.measured_on)
