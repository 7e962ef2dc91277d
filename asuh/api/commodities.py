"""API: the commodity catalogue and a match's progress against the monthly package."""

from flask import abort
from flask_login import current_user
from marshmallow import fields, validate

from asuh.api.core import bp, refusals
from asuh.api.decimals import ExactDecimal, Quantity, quantity_text
from asuh.api.fields import Flag, Id, Schema, Text, computed
from asuh.contributions import access, catalogue, catalogue_cities, progress
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
    city_code = Text(allow_none=True, metadata={
        "example": "19.01", "description": "The kabupaten/kota whose own addition this is: "
        "offered only for deliveries to children there. null: the shared catalogue."})


_CITY = validate.Regexp(r"^[0-9]{2}\.[0-9]{2}$",
                        error="Kode kabupaten/kota berformat 19.71.")


class CatalogueArgs(Schema):
    city_code = Text(validate=_CITY, metadata={
        "example": "19.71", "description": "Only what a delivery to a child in this "
        "kabupaten/kota may name: the shared catalogue and the city's additions."})


class CatalogueSchema(Schema):
    items = fields.List(fields.Nested(CommoditySchema))
    monthly_package = fields.Dict(keys=fields.String(), values=Quantity())
    city_code = Text(allow_none=True, metadata={
        "description": "The `city_code` asked for; null without it."})
    city_package = fields.Dict(keys=fields.String(), values=Quantity(), allow_none=True,
                               metadata={"description": "That kabupaten/kota's monthly "
                                         "package (its own, else its province's, else the "
                                         "installation's); null without `city_code`."})
    province_package = fields.Dict(
        keys=fields.String(), values=Quantity(), allow_none=True,
        metadata={"description": "The province's own package given on top of the city's "
                  "(shown apart, never counted in it); null without `city_code`."})


def _package(package) -> dict:
    return {code: quantity_text(quantity) for code, quantity in package.items()}


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
                "package in canonical units",
        description="`items`: the shared catalogue and the kabupaten/kota additions the "
                    "user reaches (each with its `city_code`); with `city_code`, what a "
                    "delivery to a child there may name. `monthly_package` is the "
                    "installation's; a city's own is `city_package`.")
@bp.arguments(CatalogueArgs, location="query")
@bp.response(200, CatalogueSchema, description="The catalogue")
@refusals(401, 404, 422)
def list_commodities(args):
    city = args.get("city_code")
    if city is None:
        items = [c for c in catalogue_cities.visible(current_user) if c.active]
        return {"items": items, "monthly_package": _package(catalogue.monthly_package()),
                "city_code": None, "city_package": None, "province_package": None}
    city = catalogue_cities.offered_city(current_user, city)
    return {"items": catalogue_cities.offered(city),
            "monthly_package": _package(catalogue.monthly_package()), "city_code": city,
            "city_package": _package(catalogue.monthly_package(city)),
            "province_package": _package(catalogue.province_package(city))}


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
