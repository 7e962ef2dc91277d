"""GET /api/v1/stats: the dashboard's figures as JSON (VIEW_DASHBOARD)."""

from marshmallow import fields, validate

from asuh.api.core import bp, refusals
from asuh.api.decimals import ExactDecimal
from asuh.api.fields import Day, Flag, Integer, Schema, Text, computed, one_of
from asuh.dashboard import services
from asuh.dashboard.periods import parse_filters
from asuh.permissions import Permission, requires
from asuh.regions.services import kecamatan_list

_MONTH_TEXT = r"^(?!0000)[0-9]{4}-(0[1-9]|1[0-2])(-[0-9]{2})?$"
_MONTH = validate.Regexp(_MONTH_TEXT, error="Bulan harus berformat YYYY-MM.")
_PERCENT = {"metadata": {"description": "0–100, one decimal"}}


class StatsArgs(Schema):
    period_start = Text(validate=_MONTH, metadata={"description": "First month, YYYY-MM"})
    period_end = Text(validate=_MONTH, metadata={"description": "Last month, YYYY-MM"})
    kecamatan_code = Text(metadata={"example": "19.71.01"})


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


class StatsSchema(Schema):
    period = fields.Nested(PeriodSchema)
    kecamatan_code = Text(allow_none=True)
    headline = fields.Nested(FiguresSchema)
    commodities = fields.List(fields.Nested(CommodityFiguresSchema),
                              metadata={"description": "Goods, in catalogue order"})
    cash = fields.List(fields.Nested(CommodityFiguresSchema),
                       metadata={"description": "The cash equivalent, apart from goods"})
    area_level = one_of(["kecamatan", "kelurahan"])
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
    filters = parse_filters(args, strict=True,
                            known_kecamatan={k.code for k in kecamatan_list()})
    return {**services.dashboard(filters), "kecamatan_code": filters.kecamatan_code}
