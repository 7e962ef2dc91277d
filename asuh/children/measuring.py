"""Measurement rules: assessing, recording and voiding, and each child's latest figures."""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from blinker import Namespace
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from asuh import timeutil
from asuh.audit import services as audit
from asuh.children import history
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
from asuh.errors import NotFoundError, NotPermitted, ValidationFailed
from asuh.extensions import db
from asuh.formatting import format_date_id, format_quantity
from asuh.permissions import Permission, has_permission
from asuh.timeutil import utcnow
from asuh.transactions import use_case

POSITIONS = {"lying": "Terlentang", "standing": "Berdiri"}
FLAG_LABELS = {"haz": "TB/U", "waz": "BB/U", "whz": "BB/TB",
               history.FLAG: "selisih dengan pengukuran sebelumnya"}
# The person who recorded a measurement may void their own typo this long; after it,
# (and for anyone else's) only those who correct the registry (EDIT_CHILDREN) may.
OWN_VOID_WINDOW = timedelta(hours=24)
_TENTH = Decimal("0.1")
_HUNDREDTH = Decimal("0.01")
# Sent with a list of child ids inside the transaction that changed their live
# measurements (recorded, voided, re-assessed, imported): higher areas keep their own
# summaries in step (the dashboard's growth summaries) without this area importing them.
measurements_changed = Namespace().signal("measurements-changed")


MAX_MEASURED_BY = 120
MEASURED_BY_TOO_LONG = f"Nama pengukur paling panjang {MAX_MEASURED_BY} karakter."


class HistoryQuestions(ValidationFailed):
    """The new figures do not fit the child's previous measurements ("ukur ulang?"):
    saved, and flagged, only when the person recording confirms them."""

    def __init__(self, questions: dict[str, list[str]]):
        super().__init__(questions, status=422)
        self.questions = questions


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
                       today: date | None = None, confirm_history: bool = False,
                       check_history: bool = True,
                       submission_key: str | None = None) -> Measurement:
    """Assess and store one measurement; impossible values are refused, implausible flagged.

    Figures that do not fit the child's own history (``history.py``) are refused with the
    question (``HistoryQuestions``) unless ``confirm_history``; kept, they are flagged.
    ``check_history=False`` is for synthetic histories only (test scenes that jump between
    categories faster than children grow); pages and the API always check.

    With a ``submission_key`` already used, the measurement it made comes back and nothing
    else happens (a resent form from a phone's outbox), if ``replayed_measurement``
    accepts the repeat.
    """
    ensure_may_act(actor, child, Permission.RECORD_MEASUREMENTS)
    if submission_key is not None:
        existing = db.session.scalar(select(Measurement).where(
            Measurement.submission_key == submission_key))
        if existing is not None:
            return replayed_measurement(existing, child=child, measured_on=measured_on,
                                        actor=actor)
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
    if measured_by and len(measured_by) > MAX_MEASURED_BY:
        errors["measured_by"] = [MEASURED_BY_TOO_LONG]
    if errors:
        raise ValidationFailed(errors)
    result = checked_assessment(child.sex, child.birth_date, measured_on, values["height_cm"],
                                values["weight_kg"], position, today)
    if db.session.scalar(select(Measurement.id).where(
            Measurement.child_id == child.id, Measurement.measured_on == measured_on,
            live_measurement())) is not None:
        raise _same_day(measured_on)
    columns = result_columns(result)
    questions = (history_questions(child, measured_on, result.age_days, values, position)
                 if check_history else {})
    if questions and not confirm_history:
        raise HistoryQuestions(questions)
    if questions:
        columns["flags"] = with_history_flag(columns["flags"])

    measurement = Measurement(
        child_id=child.id, measured_on=measured_on, position=position, measured_by=measured_by,
        recorded_by_id=actor.id if actor else None, submission_key=submission_key,
        **values, **columns)
    try:
        # The unique index is the last word when two people save the same day at once.
        with db.session.begin_nested():
            db.session.add(measurement)
            db.session.flush()
    except IntegrityError:
        raise _same_day(measured_on) from None
    refresh_latest(child)
    flags = (f"; perlu diukur ulang ({flag_text(measurement.flags)})" if measurement.flags
             else "")
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


def replayed_measurement(existing: Measurement, *, child: Child, measured_on, actor
                         ) -> Measurement:
    """A submission key used again: the same person's same child and day is the same
    measurement sent twice; anything else reusing the key is refused, never merged."""
    same = (existing.child_id == child.id and existing.measured_on == measured_on
            and existing.recorded_by_id == (actor.id if actor else None))
    if not same:
        raise ValidationFailed({"submission_key": [
            "Kunci kiriman ini sudah dipakai untuk pengukuran lain; muat ulang halaman lalu "
            "kirim lagi."]})
    return existing


def history_questions(child: Child, measured_on: date, age_days: int, values: dict,
                      position: str | None) -> dict[str, list[str]]:
    """``history.history_problems`` for a new measurement of ``child``."""
    others = [history.reading(m.measured_on, m.age_days, m.height_cm, m.position, m.weight_kg)
              for m in live_measurements(child.id) if m.measured_on != measured_on]
    new = history.reading(measured_on, age_days, values["height_cm"], position,
                          values["weight_kg"])
    return history.history_problems(child.sex, new, others)


def with_history_flag(flags: str) -> str:
    return ",".join([*(f for f in flags.split(",") if f), history.FLAG])


def flag_text(flags: str) -> str:
    """``"haz,trend"`` as people read it."""
    return ", ".join(FLAG_LABELS.get(f, f) for f in flags.split(",") if f)


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


def voids_own_only(user) -> bool:
    """``user`` may void only measurements they recorded themselves, within the window."""
    return (not has_permission(user, Permission.EDIT_CHILDREN)
            and has_permission(user, Permission.RECORD_MEASUREMENTS))


def may_void(user, child: Child, measurement: Measurement) -> bool:
    """Whether a page offers ``user`` the void form for ``measurement``: the checks
    :func:`void_measurement` makes before it reads the reason."""
    if measurement.voided_at is not None or not can_see(user, child):
        return False
    if has_permission(user, Permission.EDIT_CHILDREN):
        return True
    return voids_own_only(user) and _own_and_recent(user, measurement)


def _own_and_recent(user, measurement: Measurement) -> bool:
    return (measurement.recorded_by_id == user.id
            and utcnow() - measurement.created_at <= OWN_VOID_WINDOW)


@use_case
def void_measurement(measurement: Measurement, child: Child, reason: str, *,
                     actor=None) -> None:
    """Take a wrong measurement out of every figure; it stays on record with the reason.

    Officers (EDIT_CHILDREN) void any; the kader who recorded one voids it within 24 h.
    """
    if actor is not None and voids_own_only(actor):
        ensure_may_act(actor, child, Permission.RECORD_MEASUREMENTS)
        if not _own_and_recent(actor, measurement):
            raise NotPermitted("Anda hanya dapat membatalkan pengukuran yang Anda catat sendiri, "
                               "dalam 24 jam. Minta petugas Dinas untuk membatalkannya.")
    else:
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
        columns = result_columns(result)
        if history.FLAG in measurement.flags.split(","):
            # Kept after the history question: a corrected birth date does not answer it.
            columns["flags"] = with_history_flag(columns["flags"])
        for column, value in columns.items():
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
