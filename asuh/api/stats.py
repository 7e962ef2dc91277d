"""GET /api/v1/stats: the dashboard's figures as JSON (VIEW_DASHBOARD)."""

from flask_login import current_user
from marshmallow import fields, validate

from asuh.api.core import bp, refusals
from asuh.api.decimals import ExactDecimal
from asuh.api.fields import Day, Flag, Integer, Schema, Text, computed, one_of
from asuh.dashboard import services
from asuh.dashboard.levels import scoped_filters
from asuh.permissions import Permission, requires

_MONTH_TEXT = r"^(?!0000)[0-9]{4}-(0[1-9]|1[0-2])(-[0-9]{2})?$"
_MONTH = validate.Regexp(_MONTH_TEXT, error="Bulan harus berformat YYYY-MM.")
_PERCENT = {"metadata": {"description": "0–100, one decimal"}}


class StatsArgs(Schema):
    period_start = Text(validate=_MONTH, metadata={"description": "First month, YYYY-MM"})
    period_end = Text(validate=_MONTH, metadata={"description": "Last month, YYYY-MM"})
    kecamatan_code = Text(metadata={"example": "19.71.01"})
    region_code = Text(metadata={
        "description": "Any level in the caller's scope: a province (19), kabupaten/kota "
                       "(19.71), kecamatan (19.71.01) or kelurahan/desa (19.71.01.1004); "
                       "by default the caller's scope", "example": "19.71"})


class SponsorCountSchema(Schema):
    asn = Integer()
    citizen = Integer()
    total = Integer()


class FiguresSchema(Schema):
    stunted_children = Integer(metadata={"description": "Active children whose latest "
                                                        "category is (severely) stunted"})
    severely_stunted_children = Integer()
    matched_children = Integer()
    unmatched_children = Integer()
    matched_percent = fields.Float(allow_none=True, **_PERCENT)
    active_sponsors = fields.Nested(SponsorCountSchema)
    deliveries_period = Integer()
    value_idr_period = Integer(metadata={"description": "goods and cash together"})
    deliveries_last_month = Integer()
    value_idr_last_month = Integer()
    goods_value_idr_period = Integer(metadata={
        "description": "the goods' part of value_idr_period (cash apart)"})
    cash_value_idr_period = Integer(metadata={
        "description": "the cash part of value_idr_period"})
    goods_value_idr_last_month = Integer()
    cash_value_idr_last_month = Integer()
    outcome_children = Integer()
    improved_children = Integer()
    improved_percent = fields.Float(allow_none=True, **_PERCENT)


class AreaSchema(FiguresSchema):
    code = Text()
    name = Text()


class CommodityFiguresSchema(Schema):
    code = Text()
    name = Text()
    unit = Text(metadata={"description": "Canonical unit"})
    is_cash = Flag()
    quantity_last_month = ExactDecimal()
    value_idr_last_month = Integer()
    quantity_period = ExactDecimal()
    value_idr_period = Integer()
    monthly_quantity = fields.List(ExactDecimal())
    monthly_value_idr = fields.List(Integer())


class GroupSchema(Schema):
    children = Integer()
    improved = Integer()
    unchanged = Integer()
    worsened = Integer()
    unknown = Integer()
    improved_percent = fields.Float(allow_none=True, **_PERCENT)
    transitions = fields.Dict(keys=fields.String(), values=Integer(), metadata={
        "example": {"stunted→normal": 12}})


class OutcomesSchema(Schema):
    sponsored = fields.Nested(GroupSchema)
    unsponsored = fields.Nested(GroupSchema)


class PeriodSchema(Schema):
    start = Day()
    end = Day(attribute="last_day")
    months = computed(fields.List(Text()), lambda p: [f"{m:%Y-%m}" for m in p["months"]])


class StatsRegionSchema(Schema):
    code = Text()
    name = Text()
    level = one_of(["provinsi", "kabupaten", "kecamatan", "kelurahan"])


class StatsSchema(Schema):
    period = fields.Nested(PeriodSchema)
    kecamatan_code = Text(allow_none=True)
    region = fields.Nested(StatsRegionSchema, allow_none=True, metadata={
        "description": "The region the figures cover (null: the whole installation)"})
    headline = fields.Nested(FiguresSchema)
    commodities = fields.List(fields.Nested(CommodityFiguresSchema),
                              metadata={"description": "Goods, in catalogue order"})
    cash = fields.List(fields.Nested(CommodityFiguresSchema),
                       metadata={"description": "The cash equivalent, apart from goods"})
    area_level = one_of(["provinsi", "kabupaten", "kecamatan", "kelurahan"])
    areas = fields.List(fields.Nested(AreaSchema))
    outcomes = fields.Nested(OutcomesSchema)


@bp.route("/stats")
@requires(Permission.VIEW_DASHBOARD)
@bp.doc(summary="The dashboard's figures: headline, commodities, per area, outcomes",
        description="The period is whole months (a date is read as its month); the default "
                    "is January of this year to this month. Children and sponsor counts "
                    "describe the registry now; deliveries, commodities and outcomes follow "
                    "the period.")
@bp.arguments(StatsArgs, location="query")
@bp.response(200, StatsSchema, description="The figures")
@refusals(401, 403)
def stats(args):
    filters, scope, _kecamatan, _regions = scoped_filters(args, current_user, strict=True)
    return {**services.dashboard(filters, scope), "kecamatan_code": filters.kecamatan_code}
