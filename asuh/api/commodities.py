"""API: the commodity catalogue and a match's progress against the monthly package."""

from flask import abort
from flask_login import current_user
from marshmallow import fields

from asuh.api.core import bp, refusals
from asuh.api.decimals import ExactDecimal, Quantity, quantity_text
from asuh.api.fields import Flag, Id, Schema, Text, computed
from asuh.contributions import access, catalogue, progress
from asuh.extensions import db
from asuh.matching.models import Match
from asuh.permissions import Permission, requires


class UnitSchema(Schema):
    name = Text()
    factor = ExactDecimal(metadata={"example": "0.8",
                                    "description": "Canonical units in one pack unit"})


class CommoditySchema(Schema):
    code = Text()
    name = Text()
    canonical_unit = Text()
    is_cash = Flag()
    any_unit = computed(Flag(), catalogue.is_as_entered)
    units = computed(fields.List(fields.Nested(UnitSchema)),
                     lambda c: [u for u in c.units if u.active])


class CatalogueSchema(Schema):
    items = fields.List(fields.Nested(CommoditySchema))
    monthly_package = fields.Dict(keys=fields.String(), values=Quantity())


class LineSchema(Schema):
    commodity = Text(attribute="code")
    unit = Text()
    package = Quantity()
    delivered = Quantity()
    pending = Quantity(metadata={"description": "Logged but not yet confirmed; not counted "
                                                "in `delivered`"})
    behind = Flag()


class MonthSchema(Schema):
    month = computed(Text(metadata={"example": "2026-11"}),
                     lambda m: m.month.strftime("%Y-%m"))
    behind = Flag()
    lines = fields.List(fields.Nested(LineSchema))


class ProgressSchema(Schema):
    match_id = Id()
    months = fields.List(fields.Nested(MonthSchema))


@bp.route("/commodities")
@requires(Permission.SIGNED_IN)
@bp.doc(summary="The active catalogue (codes, units, conversion factors) and the monthly "
                "package in canonical units")
@bp.response(200, CatalogueSchema, description="The catalogue")
@refusals(401)
def list_commodities():
    return {"items": catalogue.commodities(active_only=True),
            "monthly_package": {code: quantity_text(quantity) for code, quantity
                                in catalogue.monthly_package().items()}}


@bp.route("/matches/<int:match_id>/progress")
@requires(Permission.VIEW_MATCHES, Permission.OWN_SPONSORSHIP, Permission.VIEW_CONTRIBUTIONS)
@bp.doc(summary="Confirmed deliveries per month against the monthly package")
@bp.response(200, ProgressSchema, description="Progress, oldest month first")
@refusals(401, 403, 404)
def match_progress(match_id: int):
    match = db.get_or_404(Match, match_id)
    if current_user.role != "sponsor" and not access.match_in_scope(current_user, match):
        abort(404)  # another kabupaten/kota's match does not exist for this user
    if not access.can_see_match(current_user, match):
        abort(403)
    return {"match_id": match.id, "months": progress.match_progress(match)}
