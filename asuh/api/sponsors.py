"""API: sponsors — register (approved at once), list, read, approve."""

from flask import abort, url_for
from flask_login import current_user

from asuh.api.core import bp, refusals
from asuh.api.fields import Flag, Id, Integer, QueryFlag, Schema, Text, computed, filled, one_of
from asuh.api.moments import Moment
from asuh.api.paging import PageArgs, page_body, page_schema
from asuh.extensions import db
from asuh.identifiers import mask_identifier
from asuh.permissions import Permission, has_permission, requires
from asuh.sponsors import services
from asuh.sponsors.models import SPONSOR_KINDS, Sponsor


def _optional(**metadata) -> Text:
    return Text(allow_none=True, load_default=None, metadata=metadata)


class NewSponsorSchema(Schema):
    kind = one_of(SPONSOR_KINDS, required=True)
    name = filled()
    nip = _optional(description="18 digits; required for asn")
    nik = _optional(description="16 digits; required for citizen")
    is_pppk = Flag(load_default=False)
    agency = _optional(description="Required for asn")
    rank = _optional()
    phone = filled(metadata={"example": "0812-3456-7890"})
    email = filled(metadata={"format": "email"})
    address = _optional()
    kelurahan_code = filled()
    capacity = Integer(load_default=1, metadata={"description": "At least 1"})


class SponsorArgs(PageArgs):
    q = Text(metadata={"description": "Part of the name, agency, NIP or NIK"})
    kind = one_of(SPONSOR_KINDS)
    kecamatan_code = Text()
    approved = QueryFlag()


def _identifier(name: str):
    def shown(sponsor: Sponsor):
        value = getattr(sponsor, name)
        if not value or services.sees_identifiers(current_user):
            return value
        return mask_identifier(value)

    return computed(Text(allow_none=True, metadata={
        "description": "Masked except for officers and admins"}), shown)


class SponsorSchema(Schema):
    id = Id()
    kind = one_of(SPONSOR_KINDS)
    name = Text()
    nip = _identifier("nip")
    nik = _identifier("nik")
    is_pppk = Flag()
    agency = Text(allow_none=True)
    rank = Text(allow_none=True)
    phone = Text(metadata={"description": "Indonesian mobile, national form 08…"})
    email = Text(metadata={"format": "email"})
    address = Text(allow_none=True)
    kelurahan_code = Text()
    kecamatan_code = computed(Text(), lambda s: s.kelurahan.parent_code)
    capacity = Integer()
    approved = computed(Flag(), lambda s: s.approved_at is not None)
    approved_at = Moment(allow_none=True)
    registered_via = one_of(["self", "officer", "api"])
    withdrawn_at = Moment(allow_none=True)


@bp.route("/sponsors", methods=["POST"])
@requires(Permission.EDIT_SPONSORS)
@bp.doc(summary="Register a sponsor (approved at once; the login waits for an invitation "
                "link issued from the sponsor's page)")
@bp.arguments(NewSponsorSchema)
@bp.response(201, SponsorSchema, description="Registered and approved")
@refusals(401, 403, 409)
def create_sponsor(values):
    sponsor = services.register_by_officer(actor=current_user, via=services.API, **values)
    return sponsor, {"Location": url_for("api.get_sponsor", sponsor_id=sponsor.id)}


@bp.route("/sponsors")
@requires(Permission.VIEW_SPONSORS)
@bp.doc(summary="Sponsors, searched and filtered, one page at a time")
@bp.arguments(SponsorArgs, location="query")
@bp.response(200, page_schema(SponsorSchema), description="A page of sponsors")
@refusals(401, 403)
def list_sponsors(args):
    page = services.list_sponsors(
        page=args["page"], per_page=args["per_page"], q=args.get("q"), viewer=current_user,
        kind=args.get("kind"), kecamatan_code=args.get("kecamatan_code") or None,
        approved=args.get("approved"))
    return page_body(page.items, args, page.total)


@bp.route("/sponsors/<int:sponsor_id>")
@requires(Permission.VIEW_SPONSORS, Permission.OWN_SPONSORSHIP)
@bp.doc(summary="One sponsor (staff: any; a sponsor: their own record only)")
@bp.response(200, SponsorSchema, description="The sponsor")
@refusals(401, 403, 404)
def get_sponsor(sponsor_id: int):
    sponsor = db.get_or_404(Sponsor, sponsor_id)
    if not services.can_view_sponsor(current_user, sponsor):
        # Staff of another kabupaten/kota: the sponsor does not exist for them.
        abort(404 if has_permission(current_user, Permission.VIEW_SPONSORS) else 403)
    return sponsor


@bp.route("/sponsors/<int:sponsor_id>/approval", methods=["POST"])
@requires(Permission.APPROVE_SPONSORS)
@bp.doc(summary="Approve a sponsor (idempotent: an approved sponsor stays approved)")
@bp.response(200, SponsorSchema, description="The approved sponsor")
@refusals(401, 403, 404, 409)
def approve_sponsor(sponsor_id: int):
    sponsor = db.get_or_404(Sponsor, sponsor_id)
    services.approve_sponsor(sponsor, actor=current_user)
    return sponsor
