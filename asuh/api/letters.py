"""API: issuing accountability letters, listing them, downloading their stored PDFs.

``POST /letters`` always issues a new letter; an earlier current letter for the same
subject and period becomes superseded. A download returns the bytes stored at issue,
never a re-rendering, and is recorded in the audit trail.
"""

from datetime import date

from flask import url_for
from flask_login import current_user
from marshmallow import ValidationError, validates_schema

from asuh.api.core import bp, refusals
from asuh.api.fields import Day, Flag, Id, QueryId, Schema, Text, computed, one_of
from asuh.api.moments import Moment
from asuh.api.paging import PageArgs, page_body, page_schema, service_filters
from asuh.errors import ValidationFailed
from asuh.letters import queries, services
from asuh.letters.downloads import pdf_response
from asuh.letters.models import LETTER_KINDS
from asuh.letters.periods import period_from_dates
from asuh.letters.rendering import verify_url
from asuh.permissions import Permission, requires

LETTER_STATUSES = ["current", "superseded"]


class NewLetterSchema(Schema):
    kind = one_of(LETTER_KINDS, required=True)
    sponsor_id = Id(allow_none=True, load_default=None)
    contribution_id = Id(allow_none=True, load_default=None)
    kecamatan_code = Text(allow_none=True, load_default=None,
                          metadata={"example": "19.71.01"})
    period_start = Day(allow_none=True, load_default=None)
    period_end = Day(allow_none=True, load_default=None)
    interim = Flag(load_default=False, metadata={
        "description": "the period is still running: issue an interim letter covering it "
                       "up to today (\"sementara, s.d. <today>\"); without it such a "
                       "period is refused (422)"})

    @validates_schema
    def _both_period_dates(self, data, **kwargs):
        start, end = data.get("period_start"), data.get("period_end")
        if (start is None) != (end is None):
            missing = "period_start" if start is None else "period_end"
            raise ValidationError("Wajib diisi bersama tanggal periode lainnya.", missing)


class LetterArgs(PageArgs):
    kind = one_of(LETTER_KINDS)
    sponsor_id = QueryId()
    number = Text(metadata={"description": "Part of the letter number"})
    period_start = Day(metadata={"description": "Letters whose period ends on or after this"})
    period_end = Day(metadata={"description": "Letters whose period starts on or before this"})
    status = one_of(LETTER_STATUSES)


FILTERS = ("kind", "sponsor_id", "number", "period_start", "period_end", "status")


class IssuedSchema(Schema):
    id = Id()
    number = Text()
    sha256 = Text()
    verify_url = computed(Text(metadata={"format": "uri"}),
                          lambda letter: verify_url(letter.verify_token))


class LetterSchema(IssuedSchema):
    kind = one_of(LETTER_KINDS)
    number = Text(metadata={"example": "007/BAAS/DPPPAKB/XI/2026"})
    status = one_of(LETTER_STATUSES)
    sponsor_id = Id(allow_none=True)
    contribution_id = Id(allow_none=True)
    kecamatan_code = Text(allow_none=True)
    period_start = Day(allow_none=True)
    period_end = Day(allow_none=True)
    issued_at = Moment()
    sha256 = Text(metadata={"pattern": "^[0-9a-f]{64}$"})
    superseded_by_id = Id(allow_none=True)
    interim_through = computed(Day(allow_none=True, metadata={
        "description": "an interim letter covers its period only up to this day; null "
                       "for a letter over an ended period"}), lambda letter: _interim(letter))
    pdf_url = computed(Text(), lambda letter: url_for("api.get_letter_pdf",
                                                      letter_id=letter.id))


def _interim(letter) -> date | None:
    # Letters issued before interim letters existed have no such key: they are final.
    through = (letter.public_summary or {}).get("interim_through")
    return date.fromisoformat(through) if through else None


@bp.route("/letters", methods=["POST"])
@requires(Permission.ISSUE_LETTERS)
@bp.doc(summary="Issue a new letter (an earlier current one for the same subject and "
                "period becomes superseded)",
        description="sponsor_statement needs sponsor_id and the period; handover_receipt "
                    "needs contribution_id (a confirmed delivery) and no period; recap needs "
                    "the period and takes an optional kecamatan_code (whole city without "
                    "it). A statement or recap covers an ended period; a period reaching "
                    "today is refused (422, under `period_start`) unless `interim` is true. "
                    "503 (under `signature`): the letter could not be signed, so nothing "
                    "was issued and no number was used.")
@bp.arguments(NewLetterSchema)
@bp.response(201, IssuedSchema, description="Letter issued")
@refusals(401, 403, 409, 503)
def create_letter(values):
    period = None
    if values["period_start"] is not None:
        period = period_from_dates(values["period_start"], values["period_end"],
                                   field="period_end")
    try:
        letter = services.issue_letter(
            values["kind"], sponsor_id=values["sponsor_id"],
            contribution_id=values["contribution_id"],
            kecamatan_code=values["kecamatan_code"], period=period, actor=current_user,
            interim=values["interim"])
    except ValidationFailed as failure:
        # The API names the period by its two fields.
        if "period" in failure.errors:
            failure.errors["period_start"] = failure.errors.pop("period")
        raise
    return letter, {"Location": url_for("api.get_letter_pdf", letter_id=letter.id)}


@bp.route("/letters")
# Open to every role by contract: the query scopes it (a field user gets an
# empty list), so no role is refused.
@requires(Permission.SIGNED_IN)
@bp.doc(summary="Letters, filtered, one page at a time (a sponsor sees their own)")
@bp.arguments(LetterArgs, location="query")
@bp.response(200, page_schema(LetterSchema), description="A page of letters, newest first")
@refusals(401, 403)
def list_letters(args):
    filters = queries.parse_filters(service_filters(args, FILTERS), strict=True)
    page = queries.list_letters(current_user, filters, page=args["page"],
                                per_page=args["per_page"])
    return page_body(page.items, args, page.total)


@bp.route("/letters/<int:letter_id>/pdf")
@requires(Permission.VIEW_LETTERS, Permission.OWN_SPONSORSHIP)
@bp.doc(summary="The letter's PDF exactly as issued (the download is audited)")
@bp.response(200, description="The stored PDF bytes", content_type="application/pdf")
@refusals(401, 403, 404)
def get_letter_pdf(letter_id: int):
    return pdf_response(letter_id, current_user,
                        lambda letter: services.can_view(current_user, letter))
