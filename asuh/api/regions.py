"""GET /api/v1/regions: the region tree (province, kabupaten/kota, kecamatan, kelurahan)
with Kemendagri codes. Issue 15 added the upper two levels to the list."""


from asuh.api.core import bp, refusals
from asuh.api.fields import Schema, Text, one_of
from asuh.permissions import Permission, requires
from asuh.regions import services
from asuh.regions.models import LEVELS


class RegionArgs(Schema):
    level = one_of(list(LEVELS))


class RegionSchema(Schema):
    code = Text(metadata={"example": "19.71.01.1004"})
    name = Text()
    level = one_of(list(LEVELS))
    parent_code = Text(allow_none=True)


@bp.route("/regions")
@requires(Permission.SIGNED_IN)
@bp.doc(summary="Regions (province to kelurahan) with their Kemendagri codes")
@bp.arguments(RegionArgs, location="query")
@bp.response(200, RegionSchema(many=True), description="Regions")
@refusals(401)
def list_regions(args):
    return services.regions(args.get("level"))
