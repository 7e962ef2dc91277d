"""Reading the audit trail: filters, the auditors' list, the API's keyset pages, export.

The trail is only ever appended to (``services.record``); nothing here changes it.
Newest first means highest id first: ids grow with the chain, and an index on the primary
key makes "the 50 before id N" a seek whatever the trail's size.
"""

import base64
import binascii
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, or_, select

from asuh import timeutil
from asuh.accounts.models import User
from asuh.audit.models import AuditHead, AuditRecord
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.permissions import Role

ENTITY_TYPES = {
    "user": "Pengguna", "sponsor": "Bapak/Bunda Asuh", "child": "Anak",
    "measurement": "Pengukuran", "match": "Pengasuhan", "contribution": "Penyaluran",
    "letter": "Surat", "commodity": "Komoditas", "commodity_unit": "Satuan komoditas",
    "settings": "Pengaturan", "region_settings": "Pengaturan wilayah", "region": "Wilayah",
    "monthly_totals": "Rekap bulanan",
    "audit_record": "Jejak audit", "job": "Pekerjaan latar",
    "notification_preferences": "Pengaturan pemberitahuan",
    "child_growth_summaries": "Ringkasan pertumbuhan anak",
}
ACTIONS = (
    "create", "update", "update_own", "import", "approve", "withdraw", "link_account",
    "change_status", "void", "end", "automatch", "confirm", "undo_confirm", "reject",
    "add_photos", "move",
    "issue", "download", "supersede", "login", "login_failed", "logout",
    "change_password", "change_role", "change_scope", "activate", "deactivate",
    "assign_kelurahan",
    "accept_invitation", "reissue_invitation", "install", "rebuild_totals", "export", "rekey",
    "reject_registration", "issue_password_reset", "reset_password", "revoke_token",
    "submit", "cancel", "rebuild",
    "request_capacity", "cancel_capacity", "approve_capacity", "reject_capacity",
)
MAX_LIMIT = 200


@dataclass
class AuditFilters:
    user_id: int | None = None
    entity_type: str = ""
    entity_id: str = ""
    action: str = ""
    since: date | None = None
    until: date | None = None

    def as_args(self) -> dict:
        """The filters as query arguments (pagination and export links keep them)."""
        values = {k: v for k, v in self.__dict__.items() if v not in (None, "")}
        return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


def parse_filters(args, *, strict: bool) -> AuditFilters:
    """Filters from query arguments; ``strict`` (the API) refuses bad ones, pages drop them."""
    filters, errors = AuditFilters(), {}
    raw = (args.get("user_id") or "").strip()
    if raw.isdigit():
        filters.user_id = int(raw)
    elif raw:
        errors["user_id"] = ["Harus bilangan bulat."]
    for name in ("entity_type", "entity_id", "action"):
        setattr(filters, name, " ".join((args.get(name) or "").split())[:40])
    for name in ("since", "until"):
        raw = (args.get(name) or "").strip()
        try:
            setattr(filters, name, date.fromisoformat(raw) if raw else None)
        except ValueError:
            errors[name] = ["Tanggal harus berformat YYYY-MM-DD."]
    if filters.since and filters.until and filters.until < filters.since:
        errors["until"] = ["Tanggal akhir tidak boleh sebelum tanggal awal."]
        filters.until = None
    if errors and strict:
        raise ValidationFailed(errors)
    return filters


def scope_condition(user):
    """A WHERE clause on ``AuditRecord`` for the records a scoped reader may see (None:
    all). Issue 15: a kabupaten/kota's officers and auditors read their city's records,
    a province's read its cities' and its own; records of no city (installation-wide
    acts: an installation admin's settings, region imports) are for unscoped readers.
    Records from before migration 0013 carry no scope and count as the city the
    installation held then (``AuditHead.legacy_scope``)."""
    scope = getattr(user, "scope_code", None)
    if scope is None:
        return None
    own = (AuditRecord.scope_code == scope if len(scope) > 2
           else or_(AuditRecord.scope_code == scope, AuditRecord.scope_code.like(f"{scope}.%")))
    head = db.session.get(AuditHead, 1)
    if (head is not None and head.scoped_from and head.legacy_scope
            and head.legacy_scope[:len(scope)] == scope):
        own = or_(own, and_(AuditRecord.scope_code.is_(None),
                            AuditRecord.id < head.scoped_from))
    return own


def records_query(filters: AuditFilters, user=None):
    """The trail filtered, newest first, as ``user`` may read it. ``since``/``until`` are
    the installation's days."""
    stmt = select(AuditRecord)
    if (in_scope := scope_condition(user)) is not None:
        stmt = stmt.where(in_scope)
    if filters.user_id is not None:
        stmt = stmt.where(AuditRecord.user_id == filters.user_id)
    if filters.entity_type:
        stmt = stmt.where(AuditRecord.entity_type == filters.entity_type)
    if filters.entity_id:
        stmt = stmt.where(AuditRecord.entity_id == filters.entity_id)
    if filters.action:
        stmt = stmt.where(AuditRecord.action == filters.action)
    if filters.since:
        stmt = stmt.where(AuditRecord.at >= timeutil.start_of_day_utc(filters.since))
    if filters.until:
        stmt = stmt.where(AuditRecord.at
                          < timeutil.start_of_day_utc(filters.until + timedelta(days=1)))
    return stmt.order_by(AuditRecord.id.desc())


def list_records(filters: AuditFilters, *, page: int = 1, per_page: int = 50, user=None):
    return db.paginate(records_query(filters, user), page=page, per_page=per_page, error_out=False)


def encode_cursor(record_id: int) -> str:
    return base64.urlsafe_b64encode(f"before:{record_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, value = text.partition(":")
        if prefix != "before" or not value.isdigit():
            raise ValueError
        return int(value)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise ValidationFailed({"cursor": ["Kursor tidak dikenal; mulai lagi tanpa kursor."]}) \
            from None


def keyset_page(filters: AuditFilters, *, cursor: str | None, limit: int, user=None):
    """``(records, next_cursor)``: up to ``limit`` records older than the cursor's."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed({"limit": [f"Harus antara 1 dan {MAX_LIMIT}."]})
    stmt = records_query(filters, user)
    if cursor:
        stmt = stmt.where(AuditRecord.id < decode_cursor(cursor))
    records = list(db.session.scalars(stmt.limit(limit + 1)))
    more = len(records) > limit
    records = records[:limit]
    return records, (encode_cursor(records[-1].id) if more else None)


def users_by_id(ids) -> dict[int, User]:
    """The users named by a page of records, in one query."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


def staff_users() -> list[User]:
    """Who may be picked in the user filter: everyone but sponsors (thousands of them)."""
    return list(db.session.scalars(
        select(User).where(User.role != Role.SPONSOR).order_by(User.name, User.id)))
