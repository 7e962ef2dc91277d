"""API: children and their measurements.

    POST /api/v1/children                           register a child (EDIT_CHILDREN)
    GET  /api/v1/children                           the registry, filtered and paged
    GET  /api/v1/children/{child_id}                one child with its measurements
    POST /api/v1/children/{child_id}/measurements   record one (RECORD_MEASUREMENTS)
"""

from flask import abort
from flask_login import current_user
from marshmallow import ValidationError, fields, validate, validates_schema

from asuh.api.core import bp, existing, refusals
from asuh.api.fields import (
    REQUIRED,
    Day,
    Flag,
    Id,
    Integer,
    Measure,
    Schema,
    Text,
    computed,
    filled,
    one_of,
)
from asuh.api.moments import Moment
from asuh.api.paging import PageArgs, page_body, page_schema
from asuh.children import history, measuring, services, visibility
from asuh.children.models import CHILD_STATUSES, HEIGHT_CATEGORIES, NIK_STATUSES, Child
from asuh.extensions import db
from asuh.permissions import Permission, requires


class NewChildSchema(Schema):
    nik = filled(metadata={"pattern": "^[0-9]{16}$"})
    name = filled()
    sex = one_of(["L", "P"], required=True)
    birth_date = Day(required=True)
    guardian_name = filled()
    guardian_phone = Text(allow_none=True, load_default=None)
    address = filled()
    kelurahan_code = filled(metadata={"example": "19.71.01.1004"})
    posyandu = Text(allow_none=True, load_default=None)
    confirm_nik_warnings = Flag(load_default=False)


class ChildArgs(PageArgs):
    category = one_of(services.CATEGORY_FILTERS,
                      metadata={"description": "latest height-for-age category"})
    kecamatan_code = Text()
    kelurahan_code = Text()
    status = one_of([*CHILD_STATUSES, services.ALL_STATUSES], metadata={"default": "active"})
    age_band = one_of(services.AGE_BANDS, metadata={"description": "age in completed months"})
    matched = one_of(services.MATCHED_FILTERS)
    q = Text(validate=validate.Length(max=120), metadata={"description": "name, or NIK"})


class NewMeasurementSchema(Schema):
    measured_on = Day(required=True)
    height_cm = Measure(maximum=300, allow_none=True, load_default=None, metadata={
        "description": "absent or null for a weight-only weighing (then only BB/U)"})
    weight_kg = Measure(maximum=300, required=True)
    position = one_of(measuring.POSITIONS, allow_none=True, load_default=None, metadata={
        "description": "required with a height; ignored without one"})
    measured_by = Text(allow_none=True, load_default=None)
    confirm_history = Flag(load_default=False, metadata={
        "description": "figures that do not fit the child's previous measurements (a "
                       "length/height over 1 cm below an earlier one, or growth faster than "
                       "WHO's velocity limits) are refused with 422 and the question under "
                       "`height_cm`/`weight_kg`, unless this is true: then saved and flagged "
                       "(`history_flagged`)"})

    @validates_schema
    def _position_with_a_height(self, data, **kwargs):
        # The service refuses it too; saying so here names the field before any lookup.
        if data.get("height_cm") is not None and data.get("position") is None:
            raise ValidationError(REQUIRED, "position")


class MeasurementSchema(Schema):
    id = Id()
    measured_on = Day()
    age_days = Integer()
    height_cm = fields.Float(allow_none=True, metadata={"description": "null: weight only"})
    weight_kg = fields.Float()
    position = one_of(measuring.POSITIONS, allow_none=True)
    height_adjusted_cm = fields.Float(allow_none=True, metadata={
        "description": "the height WHO's tables are read with (±0.7 cm for the position "
                       "that does not fit the age); null: weight only"})
    standing_under_9m = Flag(metadata={
        "description": "WHO Anthro's flag: measured standing before 9 months"})
    measured_by = Text(allow_none=True)
    haz = fields.Float(allow_none=True)
    waz = fields.Float(allow_none=True)
    whz = fields.Float(allow_none=True, metadata={
        "description": "null when the length/height is outside WHO's table"})
    category = one_of(HEIGHT_CATEGORIES, allow_none=True)
    weight_category = Text(allow_none=True)
    wasting_category = Text(allow_none=True)
    flags = computed(fields.List(one_of(["haz", "waz", "whz"]), metadata={
        "description": "z-scores beyond WHO's plausibility limits: re-measure"}),
        lambda m: [f for f in (m.flags or "").split(",") if f in ("haz", "waz", "whz")])
    history_flagged = computed(Flag(metadata={
        "description": "kept after the question that the figures do not fit the child's "
                       "previous measurements: re-measure"}),
        lambda m: history.FLAG in (m.flags or "").split(","))


class ChildSchema(Schema):
    id = Id()
    nik = computed(Text(allow_none=True, metadata={
        "description": "Masked (1971••••••••0003) unless the caller is an officer or admin; "
                       "null when the child has no NIK yet (nik_status 'missing')"}),
        lambda c: services.shown_nik(current_user, c.nik) if c.nik else None)
    nik_status = one_of(NIK_STATUSES, metadata={
        "description": "whose NIK the record carries: the child's own, a parent's, one "
                       "found not to be the child's, or none yet"})
    nik_status_label = Text(metadata={"example": NIK_STATUSES["missing"]})
    registry_number = Text(metadata={
        "description": "the child's number in this registry, NIK or not",
        "example": "A-000042"})
    name = Text()
    sex = one_of(["L", "P"])
    birth_date = Day()
    guardian_name = Text()
    guardian_phone = Text(allow_none=True)
    address = Text()
    kelurahan_code = Text(metadata={"example": "19.71.01.1004"})
    kecamatan_code = computed(Text(allow_none=True, metadata={"example": "19.71.01"}),
                              lambda c: c.kelurahan.parent_code if c.kelurahan else None)
    posyandu = Text(allow_none=True)
    status = one_of(CHILD_STATUSES)
    latest_category = one_of(HEIGHT_CATEGORIES, allow_none=True)
    latest_haz = fields.Float(allow_none=True)
    latest_measured_on = Day(allow_none=True)
    needs_remeasure = Flag(metadata={
        "description": "the newest measurement is beyond WHO's plausibility limits: "
                       "\"perlu diukur ulang\"; left out of stunting figures and matching"})


class WaitingChildSchema(ChildSchema):
    registered_at = Moment(attribute="created_at")


class ChildDetailSchema(ChildSchema):
    latest_measurement = fields.Nested(MeasurementSchema, allow_none=True)
    measurements = fields.List(fields.Nested(MeasurementSchema), metadata={
        "description": "Live (not voided) measurements, oldest first"})


class _Detail:
    """A child seen with its live measurements, for ChildDetailSchema."""

    def __init__(self, child: Child, live: list):
        self._child = child
        self.measurements = live
        self.latest_measurement = live[-1] if live else None

    def __getattr__(self, name):
        return getattr(self._child, name)


def visible_child(child_id: int) -> Child:
    child = db.get_or_404(Child, child_id)
    if not visibility.in_scope(current_user, child):
        abort(404)  # another kabupaten/kota's child does not exist for this user
    if not services.can_see(current_user, child):
        abort(403)
    return child


@bp.route("/children", methods=["POST"])
@requires(Permission.EDIT_CHILDREN)
@bp.doc(summary="Register a child",
        description="A NIK whose birth date or sex disagrees with the child's is refused "
                    "(422, warnings under `nik`) unless `confirm_nik_warnings` is true.")
@bp.arguments(NewChildSchema)
@bp.response(201, ChildSchema, description="The registered child")
@refusals(401, 403, 409)
def create_child(values):
    confirm = values.pop("confirm_nik_warnings")
    return services.create_child(values, confirm_nik_warnings=confirm, actor=current_user)


@bp.route("/children")
@requires(Permission.VIEW_CHILDREN)
@bp.doc(summary="Children in the registry (field users: their kelurahan only)")
@bp.arguments(ChildArgs, location="query")
@bp.response(200, page_schema(ChildSchema), description="One page of children")
@refusals(401, 403)
def list_children(args):
    filters = services.parse_filters(args, strict=True)
    result = services.list_children(current_user, filters, args["page"], args["per_page"])
    return page_body(result.items, args, result.total)


@bp.route("/children/<int:child_id>")
@requires(Permission.VIEW_CHILDREN)
@bp.doc(summary="One child, with the latest measurement and all live measurements")
@bp.response(200, ChildDetailSchema, description="The child")
@refusals(401, 403, 404)
def get_child(child_id: int):
    child = visible_child(child_id)
    return _Detail(child, measuring.live_measurements(child.id))


@bp.route("/children/<int:child_id>/measurements", methods=["POST"])
@requires(Permission.RECORD_MEASUREMENTS)
@bp.doc(summary="Record a measurement; z-scores and categories are computed")
@existing(Child, "child_id", may=visibility.can_see, found=visibility.in_scope)
@bp.arguments(NewMeasurementSchema)
@bp.response(201, MeasurementSchema, description="The measurement with its z-scores")
@refusals(401, 403, 404, 409)
def record_measurement(values, child_id: int):
    child = visible_child(child_id)
    return measuring.record_measurement(child, actor=current_user, **values)
