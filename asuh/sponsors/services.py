"""Sponsor rules: registering (self or by an officer), approving, editing, withdrawing.

A sponsor record belongs to the login (role ``sponsor``) with the same email; the two are
linked by ``Sponsor.user_id`` whichever of them exists first.
"""

import secrets
from contextlib import contextmanager

from blinker import Namespace
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from asuh.accounts import services as accounts
from asuh.accounts.models import User
from asuh.audit import services as audit
from asuh.errors import NotPermitted, ValidationFailed
from asuh.extensions import db
from asuh.identifiers import mask_identifier
from asuh.permissions import Permission, Role, ensure_permitted, has_permission
from asuh.sponsors import capacity as capacity_requests
from asuh.sponsors import invitations, scoping
from asuh.sponsors.models import Sponsor, holds_identifiers

# The list's search and filters live in ``search.py``; re-exported for their callers.
from asuh.sponsors.search import DECISIONS as DECISIONS
from asuh.sponsors.search import YES_NO as YES_NO
from asuh.sponsors.search import list_sponsors as list_sponsors
from asuh.sponsors.search import parse_list_filters as parse_list_filters
from asuh.sponsors.search import search_filtered as search_filtered
from asuh.sponsors.search import search_sponsors as search_sponsors
from asuh.sponsors.search import sees_identifiers as sees_identifiers
from asuh.sponsors.validation import Collector, clean_contact, clean_email, clean_identity
from asuh.timeutil import utcnow
from asuh.transactions import use_case

SELF, OFFICER, API = "self", "officer", "api"
AUDITED_FIELDS = ("kind", "name", "nip", "nik", "is_pppk", "agency", "rank", "phone",
                  "email", "address", "kelurahan_code", "capacity")
# Sent inside the approving transaction (notifications queue the sponsor's mail with it).
sponsor_approved = Namespace().signal("sponsor-approved")
RACE_MESSAGE = "NIP/NIK atau email ini baru saja didaftarkan; periksa daftar Bapak/Bunda Asuh."


def _audit_view(sponsor: Sponsor) -> dict:
    # The audit trail is read by auditors, who see identifiers masked elsewhere too.
    values = audit.snapshot(sponsor, AUDITED_FIELDS)
    values["nip"] = mask_identifier(values["nip"]) or None
    values["nik"] = mask_identifier(values["nik"]) or None
    return values


@contextmanager
def _conflicts_as_409():
    """A duplicate slipping past the checks (two submissions at once) is a 409, not a 500."""
    try:
        yield
        db.session.flush()
    except IntegrityError as exc:
        raise ValidationFailed({"_conflict": [RACE_MESSAGE]}, status=409) from exc


def _flush_or_409() -> None:
    with _conflicts_as_409():
        db.session.flush()


def _check_unique(values: dict, exclude_id: int | None = None) -> None:
    checks = (
        ("nip", "NIP ini sudah terdaftar sebagai Bapak/Bunda Asuh."),
        ("nik", "NIK ini sudah terdaftar sebagai Bapak/Bunda Asuh."),
        ("email", "Email ini sudah dipakai Bapak/Bunda Asuh lain."),
    )
    errors = {}
    for field, message in checks:
        value = values.get(field)
        if not value:
            continue
        stmt = select(Sponsor.id).where(getattr(Sponsor, field) == value)
        if field != "email":
            # A withdrawn or rejected sponsor's NIK/NIP is free again (models.py).
            stmt = stmt.where(holds_identifiers())
        if exclude_id is not None:
            stmt = stmt.where(Sponsor.id != exclude_id)
        if db.session.scalar(stmt) is not None:
            errors[field] = [message]
    if errors:
        raise ValidationFailed(errors, status=409)


def clean_new(fields: dict, errors: Collector) -> dict:
    values = clean_identity(
        errors, kind=fields.get("kind"), name=fields.get("name"), nip=fields.get("nip"),
        nik=fields.get("nik"), is_pppk=fields.get("is_pppk"), agency=fields.get("agency"),
        rank=fields.get("rank"), kelurahan_code=fields.get("kelurahan_code"),
    )
    values.update(clean_contact(errors, phone=fields.get("phone"),
                                address=fields.get("address"), capacity=fields.get("capacity")))
    values["email"] = clean_email(errors, fields.get("email"))
    return values


def _add(values: dict, *, via: str, user: User | None, approved: bool, actor) -> Sponsor:
    sponsor = Sponsor(**values, registered_via=via, user_id=user.id if user else None)
    if approved:
        sponsor.approved_at = utcnow()
        sponsor.approved_by_id = actor.id if actor is not None else None
    db.session.add(sponsor)
    db.session.flush()
    audit.record(
        "create", "sponsor", sponsor.id, user=actor,
        summary=(f"Bapak/Bunda Asuh {sponsor.name} didaftarkan "
                 f"({'disetujui' if approved else 'menunggu persetujuan'}, lewat {via})"),
        changes=audit.diff({}, {**_audit_view(sponsor), "approved": approved,
                                "user_id": sponsor.user_id}),
    )
    return sponsor


@use_case
def register_self(password: str, **fields) -> Sponsor:
    """A citizen or ASN signs up: a sponsor login plus a record waiting for approval."""
    errors = Collector()
    values = clean_new(fields, errors)
    errors.check("password", accounts.check_password_strength, password,
                 user_inputs=(values.get("email") or "", values.get("name") or ""))
    errors.raise_if_any()
    _check_unique(values)
    if accounts.find_user_by_email(values["email"]) is not None:
        raise ValidationFailed({"email": ["Email ini sudah memiliki akun. Silakan masuk, atau "
                                          "hubungi petugas bila belum terdaftar sebagai "
                                          "Bapak/Bunda Asuh."]}, status=409)
    with _conflicts_as_409():
        user = accounts.create_user(values["email"], password, Role.SPONSOR, values["name"])
        sponsor = _add(values, via=SELF, user=user, approved=False, actor=user)
    return sponsor


@use_case
def register_by_officer(*, actor, via: str = OFFICER, **fields) -> Sponsor:
    """An officer (or an API client) registers a sponsor, approved at once.

    The sponsor's login is linked if one exists with this email; otherwise one is made
    with no usable password, to be set through an invitation link (see invitations.py).
    """
    ensure_permitted(actor, Permission.EDIT_SPONSORS)
    errors = Collector()
    values = clean_new(fields, errors)
    errors.raise_if_any()
    scoping.ensure_address_in_scope(actor, values.get("kelurahan_code"))
    _check_unique(values)
    user = accounts.find_user_by_email(values["email"])
    if user is not None:
        linked = db.session.scalar(select(Sponsor.id).where(Sponsor.user_id == user.id))
        if user.role != Role.SPONSOR or linked is not None:
            raise ValidationFailed(
                {"email": [f"Email ini sudah dipakai akun {user.role_label}; gunakan email lain."]},
                status=409)
    with _conflicts_as_409():
        if user is None:
            user = accounts.add_user(values["email"], secrets.token_urlsafe(24),
                                     Role.SPONSOR, values["name"], actor=actor)
            user.password_hash = invitations.unusable_password_hash()
        sponsor = _add(values, via=via, user=user, approved=True, actor=actor)
    return sponsor


def on_user_created(user: User, **_) -> None:
    """``accounts.user_created`` receiver, connected by ``asuh.sponsors.register``."""
    link_sponsor_account(user)


def link_sponsor_account(user: User) -> Sponsor | None:
    """Link an unlinked sponsor record with this sponsor login's email; None if none.

    Called wherever a sponsor login is created apart from a record (``users create``).
    """
    if user is None or user.role != Role.SPONSOR:
        return None
    sponsor = db.session.scalar(select(Sponsor).where(Sponsor.email == user.email))
    if sponsor is None:
        return None
    if sponsor.user_id == user.id:
        return sponsor
    if sponsor.user_id is not None:
        return None
    sponsor.user_id = user.id
    db.session.flush()
    audit.record("link_account", "sponsor", sponsor.id,
                 summary=f"Akun {user.email} ditautkan ke Bapak/Bunda Asuh {sponsor.name}",
                 changes={"user_id": [None, user.id]})
    return sponsor


@use_case
def update_sponsor(sponsor: Sponsor, *, actor, **fields) -> None:
    """An officer corrects a sponsor's data. The email is the login's and stays."""
    ensure_permitted(actor, Permission.EDIT_SPONSORS)
    scoping.ensure_own_city(actor, sponsor)
    errors = Collector()
    values = clean_identity(
        errors, kind=fields.get("kind"), name=fields.get("name"), nip=fields.get("nip"),
        nik=fields.get("nik"), is_pppk=fields.get("is_pppk"), agency=fields.get("agency"),
        rank=fields.get("rank"), kelurahan_code=fields.get("kelurahan_code"),
    )
    values.update(clean_contact(errors, phone=fields.get("phone"),
                                address=fields.get("address"), capacity=fields.get("capacity")))
    errors.raise_if_any()
    scoping.ensure_address_in_scope(actor, values.get("kelurahan_code"))
    _check_unique(values, exclude_id=sponsor.id)
    _apply(sponsor, values, actor=actor, action="update",
           summary=f"Data Bapak/Bunda Asuh {sponsor.name} diubah")


@use_case
def update_own_profile(sponsor: Sponsor, *, phone, address, capacity, actor) -> None:
    """The sponsor's own contact details, and a request to change their capacity (an
    officer decides it: ``capacity.decide_capacity``); identifiers are the officer's."""
    if actor is not None and sponsor.user_id != actor.id:
        raise NotPermitted("Hanya Bapak/Bunda Asuh sendiri yang mengubah profil ini.")
    errors = Collector()
    values = clean_contact(errors, phone=phone, address=address, capacity=capacity)
    errors.raise_if_any()
    requested = values.pop("capacity")
    _apply(sponsor, values, actor=actor, action="update_own",
           summary=f"{sponsor.name} mengubah profil Bapak/Bunda Asuh")
    capacity_requests.ask_for_capacity(sponsor, requested, actor=actor)


def _apply(sponsor: Sponsor, values: dict, *, actor, action: str, summary: str) -> None:
    before = audit.snapshot(sponsor, AUDITED_FIELDS)
    for key, value in values.items():
        setattr(sponsor, key, value)
    changes = audit.diff(before, audit.snapshot(sponsor, AUDITED_FIELDS))
    if not changes:
        return
    for field in ("nip", "nik"):
        if field in changes:
            changes[field] = [mask_identifier(v) or None for v in changes[field]]
    _flush_or_409()
    audit.record(action, "sponsor", sponsor.id, summary=summary, changes=changes, user=actor)


@use_case
def approve_sponsor(sponsor: Sponsor, *, actor) -> bool:
    """Approve; True if this call approved it, False if it already was (idempotent)."""
    ensure_permitted(actor, Permission.APPROVE_SPONSORS)
    scoping.ensure_own_city(actor, sponsor)
    if sponsor.withdrawn_at is not None:
        raise ValidationFailed(
            {"approval": ["Bapak/Bunda Asuh ini sudah mengundurkan diri; tidak dapat disetujui."]},
            status=409)
    if sponsor.approved_at is not None:
        return False
    if sponsor.rejected_at is not None:
        raise ValidationFailed(
            {"approval": ["Pendaftaran ini sudah ditolak; tidak dapat disetujui."]}, status=409)
    sponsor.approved_at = utcnow()
    sponsor.approved_by_id = actor.id if actor is not None else None
    db.session.flush()
    audit.record("approve", "sponsor", sponsor.id, user=actor,
                 summary=f"Bapak/Bunda Asuh {sponsor.name} disetujui",
                 changes={"approved_at": [None, sponsor.approved_at.isoformat()]})
    sponsor_approved.send(sponsor, actor=actor)
    return True


@use_case
def withdraw_sponsor(sponsor: Sponsor, reason: str, *, actor) -> None:
    """Mark a sponsor withdrawn: the record stays (matches and letters point at it)."""
    ensure_permitted(actor, Permission.EDIT_SPONSORS)
    scoping.ensure_own_city(actor, sponsor)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationFailed({"reason": ["Alasan pengunduran diri wajib diisi."]})
    if len(reason) > 500:
        raise ValidationFailed({"reason": ["Alasan terlalu panjang (maksimal 500 karakter)."]})
    if sponsor.withdrawn_at is not None:
        raise ValidationFailed({"reason": ["Bapak/Bunda Asuh ini sudah mengundurkan diri."]},
                               status=409)
    sponsor.withdrawn_at = utcnow()
    sponsor.withdrawal_reason = reason
    db.session.flush()
    audit.record("withdraw", "sponsor", sponsor.id, user=actor,
                 summary=f"Bapak/Bunda Asuh {sponsor.name} mengundurkan diri: {reason}",
                 changes={"withdrawn_at": [None, sponsor.withdrawn_at.isoformat()],
                          "withdrawal_reason": [None, reason]})


@use_case
def reissue_invitation(sponsor: Sponsor, *, actor) -> str:
    ensure_permitted(actor, Permission.EDIT_SPONSORS)
    scoping.ensure_own_city(actor, sponsor)
    user = db.session.get(User, sponsor.user_id) if sponsor.user_id else None
    return invitations.reissue(user, actor=actor)


def invitation_token(sponsor: Sponsor) -> str | None:
    """A link token while the sponsor's account waits for its password, else None."""
    user = db.session.get(User, sponsor.user_id) if sponsor.user_id else None
    return invitations.make_token(user) if invitations.is_pending(user) else None


def pending_invitation(sponsor: Sponsor) -> bool:
    user = db.session.get(User, sponsor.user_id) if sponsor.user_id else None
    return invitations.is_pending(user)


# --- reading -------------------------------------------------------------------------

def actions_open(user, sponsor: Sponsor) -> dict[str, bool]:
    """The sponsor page's buttons: what ``user`` may do to this sponsor now (the same
    rules the use cases above apply)."""
    own = scoping.lives_in_scope(user, sponsor)
    live = own and sponsor.withdrawn_at is None and sponsor.rejected_at is None
    waiting = live and sponsor.approved_at is None
    return {
        "approve": waiting and has_permission(user, Permission.APPROVE_SPONSORS),
        "reject": waiting and has_permission(user, Permission.APPROVE_SPONSORS),
        "invite": (own and has_permission(user, Permission.EDIT_SPONSORS)
                   and pending_invitation(sponsor)),
        "withdraw": live and has_permission(user, Permission.EDIT_SPONSORS),
    }


def can_view_sponsor(user, sponsor: Sponsor) -> bool:
    """Staff: a sponsor in their scope (``scoping.in_scope``); a sponsor: their own."""
    if has_permission(user, Permission.VIEW_SPONSORS):
        return scoping.in_scope(user, sponsor)
    return (has_permission(user, Permission.OWN_SPONSORSHIP)
            and sponsor.user_id is not None and sponsor.user_id == user.id)


def sponsor_for_user(user) -> Sponsor | None:
    return db.session.scalar(select(Sponsor).where(Sponsor.user_id == user.id))
