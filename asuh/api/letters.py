"""API: issuing accountability letters, listing them, downloading their stored PDFs.

``POST /letters`` always issues a new letter; an earlier current letter for the same
subject and period becomes superseded. A download returns the bytes stored at issue,
never a re-rendering, and is recorded in the audit trail.
"""

from flask import jsonify, request, url_for
from flask_login import current_user
from werkzeug.exceptions import Forbidden

from asuh.api import bp
from asuh.api.helpers import iso, json_body, parse_date
from asuh.api.openapi import register_paths
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.letters import queries, services
from asuh.letters.downloads import pdf_response
from asuh.letters.models import HANDOVER_RECEIPT, LETTER_KINDS, Letter
from asuh.letters.periods import period_from_dates
from asuh.letters.rendering import verify_url
from asuh.permissions import Permission, requires

MAX_PER_PAGE = 100


def letter_json(letter: Letter) -> dict:
    return {
        "id": letter.id, "kind": letter.kind, "number": letter.number,
        "status": letter.status, "sponsor_id": letter.sponsor_id,
        "contribution_id": letter.contribution_id, "kecamatan_code": letter.kecamatan_code,
        "period_start": iso(letter.period_start), "period_end": iso(letter.period_end),
        "issued_at": iso(letter.issued_at) + "Z", "sha256": letter.sha256,
        "superseded_by_id": letter.superseded_by_id,
        "verify_url": verify_url(letter.verify_token),
        "pdf_url": url_for("api.get_letter_pdf", letter_id=letter.id),
    }


def _int_arg(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ValidationFailed({name: ["Harus bilangan bulat 1 atau lebih."]})
    return int(raw)


def _period(payload: dict):
    start = parse_date(payload, "period_start", required=False)
    end = parse_date(payload, "period_end", required=False)
    if start is None and end is None:
        return None
    if start is None or end is None:
        missing = "period_start" if start is None else "period_end"
        raise ValidationFailed({missing: ["Wajib diisi bersama tanggal periode lainnya."]})
    return period_from_dates(start, end, field="period_end")


@bp.route("/letters", methods=["POST"])
@requires(Permission.ISSUE_LETTERS)
def create_letter():
    payload = json_body()
    kind = payload.get("kind")
    period = _period(payload)
    if kind == HANDOVER_RECEIPT and period is not None:
        raise ValidationFailed({"period_start": ["Berita acara tidak memakai periode."]})
    try:
        letter = services.issue_letter(
            kind, sponsor_id=payload.get("sponsor_id"),
            contribution_id=payload.get("contribution_id"),
            kecamatan_code=payload.get("kecamatan_code"), period=period, actor=current_user)
    except ValidationFailed as failure:
        db.session.rollback()
        # The API names the period by its two fields.
        if "period" in failure.errors:
            failure.errors["period_start"] = failure.errors.pop("period")
        raise
    except Forbidden:
        db.session.rollback()
        raise
    body = {"id": letter.id, "number": letter.number, "sha256": letter.sha256,
            "verify_url": verify_url(letter.verify_token)}
    db.session.commit()
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_letter_pdf", letter_id=body["id"])
    return response


@bp.route("/letters")
@requires(Permission.SIGNED_IN)
def list_letters():
    # Staff and auditors hold VIEW_LETTERS; a sponsor sees the letters about them;
    # anyone else an empty list (queries.scoped decides).
    filters = queries.parse_filters(request.args, strict=True)
    page_number, per_page = _int_arg("page", 1), _int_arg("per_page", 25)
    if per_page > MAX_PER_PAGE:
        raise ValidationFailed({"per_page": [f"Harus antara 1 dan {MAX_PER_PAGE}."]})
    page = queries.list_letters(current_user, filters, page=page_number, per_page=per_page)
    return jsonify(items=[letter_json(letter) for letter in page.items], page=page_number,
                   per_page=per_page, total=page.total)


@bp.route("/letters/<int:letter_id>/pdf")
@requires(Permission.SIGNED_IN)
def get_letter_pdf(letter_id: int):
    return pdf_response(letter_id, current_user,
                        lambda letter: services.can_view(current_user, letter))


# --- OpenAPI ------------------------------------------------------------------------------

ERROR = {"$ref": "#/components/schemas/Error"}
INVALID = {"$ref": "#/components/schemas/ValidationErrors"}
DATE = {"type": "string", "format": "date"}
LETTER = {"type": "object", "properties": {
    "id": {"type": "integer"}, "kind": {"type": "string", "enum": list(LETTER_KINDS)},
    "number": {"type": "string", "example": "007/BAAS/DPPPAKB/XI/2026"},
    "status": {"type": "string", "enum": ["current", "superseded"]},
    "sponsor_id": {"type": "integer", "nullable": True},
    "contribution_id": {"type": "integer", "nullable": True},
    "kecamatan_code": {"type": "string", "nullable": True},
    "period_start": {**DATE, "nullable": True}, "period_end": {**DATE, "nullable": True},
    "issued_at": {"type": "string", "format": "date-time"},
    "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
    "superseded_by_id": {"type": "integer", "nullable": True},
    "verify_url": {"type": "string", "format": "uri"},
    "pdf_url": {"type": "string"}}}


def _doc(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _query(name: str, schema: dict, description: str = "") -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


DENIED = {"401": _doc(ERROR, "No token, or the token is invalid or expired"),
          "403": _doc(ERROR, "The caller's role may not do this")}

register_paths({
    "/api/v1/letters": {
        "post": {
            "summary": "Issue a new letter (an earlier current one for the same subject and "
                       "period becomes superseded)",
            "description": "sponsor_statement needs sponsor_id and the period; "
                           "handover_receipt needs contribution_id (a confirmed delivery) "
                           "and no period; recap needs the period and takes an optional "
                           "kecamatan_code (whole city without it).",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["kind"], "properties": {
                    "kind": {"type": "string", "enum": list(LETTER_KINDS)},
                    "sponsor_id": {"type": "integer"},
                    "contribution_id": {"type": "integer"},
                    "kecamatan_code": {"type": "string", "example": "19.71.01"},
                    "period_start": DATE, "period_end": DATE}}}}},
            "responses": {
                "201": _doc({"type": "object", "properties": {
                    "id": {"type": "integer"}, "number": {"type": "string"},
                    "sha256": {"type": "string"},
                    "verify_url": {"type": "string", "format": "uri"}}}, "Letter issued"),
                "409": _doc(INVALID, "The delivery is not confirmed"),
                "422": _doc(INVALID, "Missing or invalid fields"),
                **DENIED,
            },
        },
        "get": {
            "summary": "Letters, filtered, one page at a time (a sponsor sees their own)",
            "parameters": [
                _query("kind", {"type": "string", "enum": list(LETTER_KINDS)}),
                _query("sponsor_id", {"type": "integer"}),
                _query("number", {"type": "string"}, "Part of the letter number"),
                _query("period_start", DATE, "Letters whose period ends on or after this"),
                _query("period_end", DATE, "Letters whose period starts on or before this"),
                _query("status", {"type": "string", "enum": ["current", "superseded"]}),
                _query("page", {"type": "integer", "default": 1}),
                _query("per_page", {"type": "integer", "default": 25,
                                    "maximum": MAX_PER_PAGE}),
            ],
            "responses": {
                "200": _doc({"type": "object", "properties": {
                    "items": {"type": "array", "items": LETTER},
                    "page": {"type": "integer"}, "per_page": {"type": "integer"},
                    "total": {"type": "integer"}}}, "A page of letters, newest first"),
                "422": _doc(INVALID, "Invalid filter"),
                **DENIED,
            },
        },
    },
    "/api/v1/letters/{letter_id}/pdf": {"get": {
        "summary": "The letter's PDF exactly as issued (the download is audited)",
        "parameters": [{"name": "letter_id", "in": "path", "required": True,
                        "schema": {"type": "integer"}}],
        "responses": {
            "200": {"description": "The stored PDF bytes",
                    "content": {"application/pdf": {"schema": {"type": "string",
                                                               "format": "binary"}}}},
            "404": _doc(ERROR, "No such letter"),
            **DENIED,
        },
    }},
})
