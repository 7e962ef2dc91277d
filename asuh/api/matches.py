"""API: matches between sponsors and children, and the children waiting for one.

    POST /api/v1/matches                   pair a sponsor with a child (MANAGE_MATCHES)
    GET  /api/v1/matches                   staff: all; a sponsor: their own only
    POST /api/v1/matches/{match_id}/end    end an active match (MANAGE_MATCHES)
    GET  /api/v1/children/unmatched        stunted balita without a sponsor, by priority
"""

from flask import abort
from flask_login import current_user
from marshmallow import validate

from asuh.api.children import WaitingChildSchema
from asuh.api.core import bp, existing, refusals
from asuh.api.fields import Day, Flag, Id, QueryFlag, QueryId, Schema, Text, computed, one_of
from asuh.api.moments import Moment
from asuh.api.paging import PageArgs, page_body, page_schema
from asuh.children import visibility
from asuh.children.models import Child
from asuh.extensions import db
from asuh.matching import queries, scoping, services
from asuh.matching.models import END_REASONS, Match
from asuh.permissions import Permission, requires
from asuh.sponsors.models import Sponsor

_NOTE = validate.Length(max=500, error="Paling banyak 500 karakter.")


class NewMatchSchema(Schema):
    sponsor_id = Id(required=True)
    child_id = Id(required=True)
    start_date = Day(required=True, metadata={"description": "today or earlier"})
    end_date = Day(allow_none=True, load_default=None, metadata={
        "description": "planned end; default start + commitment months (a setting, 6 by "
                       "default)"})
    note = Text(allow_none=True, load_default=None, validate=_NOTE)


class EndMatchSchema(Schema):
    reason = one_of(END_REASONS, required=True)
    ended_on = Day(required=True,
                   metadata={"description": "not before the start, not in the future"})
    note = Text(allow_none=True, load_default=None, validate=_NOTE,
                metadata={"description": "required when reason is 'other'"})


class MatchArgs(PageArgs):
    sponsor_id = QueryId()
    child_id = QueryId()
    active = QueryFlag(metadata={"description": "true: active only; false: ended only"})


class PlaceArgs(PageArgs):
    kecamatan_code = Text()
    kelurahan_code = Text()


class MatchSchema(Schema):
    id = Id()
    sponsor_id = Id()
    child_id = Id()
    start_date = Day(attribute="start_on")
    end_date = Day(attribute="planned_end_on", metadata={
        "description": "Planned end: start + the programme's commitment months unless given"})
    ended_on = Day(allow_none=True)
    end_reason = one_of(END_REASONS, allow_none=True)
    end_note = Text(allow_none=True)
    active = computed(Flag(), lambda m: m.ended_on is None)
    created_at = Moment()


@bp.route("/matches", methods=["POST"])
@requires(Permission.MANAGE_MATCHES)
@bp.doc(summary="Pair an approved sponsor with an active, unmatched child",
        description="A child has at most one active match; a sponsor at most `capacity`. "
                    "Every refusal that depends on the current state — child already "
                    "matched or not active, sponsor not approved, withdrawn or full — is "
                    "409; malformed input is 422. A child outside the caller's area is 403.")
@bp.arguments(NewMatchSchema)
@bp.response(201, MatchSchema, description="The new match")
@refusals(401, 403, 404, 409)
def create_match(values):
    sponsor = db.get_or_404(Sponsor, values["sponsor_id"])
    child = db.get_or_404(Child, values["child_id"])
    if not visibility.in_scope(current_user, child):
        abort(404)  # another kabupaten/kota's child does not exist for this user
    if not services.may_pair(current_user, child):
        abort(403)
    return services.create_match(sponsor, child, start_on=values["start_date"],
                                 end_on=values["end_date"], note=values["note"],
                                 actor=current_user)


@bp.route("/matches")
# Open to every role by contract: the query scopes it (a field user gets an
# empty list), so no role is refused.
@requires(Permission.SIGNED_IN)
@bp.doc(summary="Matches, newest first (a sponsor sees only their own)")
@bp.arguments(MatchArgs, location="query")
@bp.response(200, page_schema(MatchSchema), description="One page of matches")
@refusals(401, 403)
def list_matches(args):
    result = queries.list_matches(
        current_user, page=args["page"], per_page=args["per_page"],
        sponsor_id=args.get("sponsor_id"), child_id=args.get("child_id"),
        active=args.get("active"))
    return page_body(result.items, args, result.total)


@bp.route("/matches/<int:match_id>/end", methods=["POST"])
@requires(Permission.MANAGE_MATCHES)
@bp.doc(summary="End an active match; it stays in the history")
@existing(Match, "match_id", found=scoping.match_in_scope)
@bp.arguments(EndMatchSchema)
@bp.response(200, MatchSchema, description="The ended match")
@refusals(401, 403, 404, 409)
def end_match(values, match_id: int):
    match = db.get_or_404(Match, match_id)
    services.end_match(match, reason=values["reason"], ended_on=values["ended_on"],
                       note=values["note"], actor=current_user)
    return match


@bp.route("/children/unmatched")
@requires(Permission.VIEW_MATCHES)
@bp.doc(summary="Balita waiting for a sponsor, in matching priority order",
        description="Active children under 60 months without a sponsor whose latest "
                    "plausible measurement classifies them stunted or severely stunted "
                    "(a setting may add more categories; off by default): the dashboard's "
                    "\"belum diasuh\". A child to be re-measured (flagged measurement), a "
                    "normal child or one never measured is not listed. Severely stunted "
                    "first, then stunted; within each, youngest first; then longest on the "
                    "register.")
@bp.arguments(PlaceArgs, location="query")
@bp.response(200, page_schema(WaitingChildSchema), description="One page of children")
@refusals(401, 403)
def list_unmatched_children(args):
    result = queries.list_unmatched_children(
        current_user, page=args["page"], per_page=args["per_page"],
        kecamatan_code=args.get("kecamatan_code") or None,
        kelurahan_code=args.get("kelurahan_code") or None)
    return page_body(result.items, args, result.total)
