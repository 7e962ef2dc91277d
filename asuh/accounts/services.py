"""Account rules: creating users, signing in and out, passwords, roles."""

import hashlib
import secrets
from datetime import timedelta

from blinker import Namespace
from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_request_context, request
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError
from werkzeug.security import check_password_hash

from asuh.accounts import email_messages, throttle
from asuh.accounts.models import LoginSession, User
from asuh.accounts.passwords import MIN_PASSWORD_LENGTH as MIN_PASSWORD_LENGTH
from asuh.accounts.passwords import check_password_policy, verify_once
from asuh.accounts.passwords import hash_password as hash_password
from asuh.accounts.scoping import check_scope, users_in_scope
from asuh.audit import services as audit
from asuh.audit.masking import mask_email
from asuh.errors import NotFoundError, ValidationFailed
from asuh.extensions import db
from asuh.permissions import Permission, Role, ensure_permitted
from asuh.timeutil import utcnow
from asuh.transactions import in_unit_of_work, use_case

# Higher areas react to new accounts without this ground-floor module importing them
# (a new sponsor login is linked to the sponsor record with the same email).
user_created = Namespace().signal("user-created")
# How often a token's "last used" is written: every request would make each read a write.
LAST_USED_EVERY = timedelta(minutes=5)


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def check_email(email: str) -> str:
    try:
        return validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValidationFailed({"email": [email_messages.explain(exc)]}) from exc


def check_password_strength(password: str, field: str = "password", *,
                            user_inputs: tuple[str, ...] = ()) -> None:
    """The password policy (``asuh.accounts.passwords``), wherever a password is set."""
    check_password_policy(password, field, user_inputs=user_inputs)


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


@use_case
def create_user(email: str, password: str, role: str, name: str | None = None,
                *, actor=None, scope: str | None = None) -> User:
    """An admin creates an account (``actor=None``: the CLI), in ``scope`` (a province or
    kabupaten/kota code; see ``asuh.accounts.scoping``)."""
    ensure_permitted(actor, Permission.MANAGE_USERS)
    return add_user(email, password, role, name, actor=actor, scope=scope)


@use_case
def add_user(email: str, password: str, role: str, name: str | None = None,
             *, actor=None, scope: str | None = None) -> User:
    """The account itself, for use cases that create one as part of their own act (an
    officer registering a sponsor makes the sponsor's login); they check who may."""
    email = check_email(email)
    try:
        role = Role(role)
    except ValueError as exc:
        raise ValidationFailed({"role": [f"Peran tidak dikenal: {role}"]}) from exc
    check_password_strength(password, user_inputs=(email, name or ""))
    scope_code = check_scope(role, scope, actor=actor)
    if find_user_by_email(email) is not None:
        raise ValidationFailed({"email": ["Email ini sudah terdaftar."]}, status=409)
    user = User(
        email=email,
        name=(name or email.split("@")[0]).strip(),
        password_hash=hash_password(password),
        role=role.value,
        scope_code=scope_code,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        "create", "user", user.id, summary=f"Pengguna {email} dibuat ({role.value})",
        changes={"email": [None, email], "role": [None, role.value], "name": [None, user.name],
                 **({"scope_code": [None, scope_code]} if scope_code else {})},
        user=actor, scope=scope_code,
    )
    user_created.send(user)
    return user


@use_case
def authenticate(email: str, password: str, *, client: str | None = None) -> User | None:
    """The active user with these credentials, or None; failures are counted by the
    throttle and audited (with the ``client`` address the attempt came from, by default
    the request's, and the email masked: it is an anonymous client's text).

    Raises ``throttle.SignInLocked`` (429) before checking anything while this account
    has used up its failures, from this client or from everywhere. Every other path
    verifies exactly one password hash, whether the account is unknown, still waiting
    for its first password, disabled, or real: the answer's timing tells nothing.
    """
    client = client or (request.remote_addr if has_request_context() else None)
    with throttle.attempt(email, client):
        user = find_user_by_email(email)
        matches = verify_once(user.password_hash if user else None, password)
        if not (matches and user.active):
            throttle.count_failure(email, client)
            audit.record(
                "login_failed", "user", user.id if user else None,
                summary=f"Gagal masuk sebagai {mask_email(email)}", client=client,
            )
            return None
        throttle.forget_client_failures(email, client)
    audit.record("login", "user", user.id, summary="Masuk", user=user, client=client)
    return user


@use_case
def sign_in(email: str, password: str, kind: str, *, client: str | None = None,
            user_agent: str | None = None) -> User | None:
    """Check the credentials and open a session of ``kind``; None (failure audited) if
    they are wrong. The failure's audit record is kept: nothing is raised."""
    user = authenticate(email, password, client=client)
    if user is not None:
        open_session(user, kind, client=client, user_agent=user_agent)
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@use_case
def open_session(user: User, kind: str, *, client: str | None = None,
                 user_agent: str | None = None,
                 label: str | None = None) -> tuple[str, LoginSession]:
    """Start a login session and return its secret (shown once) and the row.

    ``client`` and ``user_agent`` describe where it was opened; by default the request's.
    """
    token = secrets.token_urlsafe(32)
    if kind == "api":
        lifetime = timedelta(hours=current_app.config["API_TOKEN_HOURS"])
    else:
        lifetime = current_app.config["PERMANENT_SESSION_LIFETIME"]
    session = LoginSession(
        user=user,
        kind=kind,
        token_hash=_token_hash(token),
        expires_at=utcnow() + lifetime,
        ip_address=client or (request.remote_addr if has_request_context() else None),
        user_agent=(user_agent or (request.user_agent.string if has_request_context()
                                   else ""))[:300] or None,
        label=(label or "").strip()[:80] or None,
    )
    db.session.add(session)
    db.session.flush()
    user.current_session_token = token
    return token, session


def user_for_token(token: str | None, kind: str) -> User | None:
    if not token:
        return None
    session = db.session.scalar(
        select(LoginSession).where(
            LoginSession.token_hash == _token_hash(token),
            LoginSession.kind == kind,
            LoginSession.revoked_at.is_(None),
            LoginSession.expires_at > utcnow(),
        )
    )
    if session is None or not session.user.active:
        return None
    if kind == "api":
        _note_use(session)
    session.user.current_session_token = token
    return session.user


def _note_use(session: LoginSession) -> None:
    """Keep an API token's "last used" (shown on its owner's profile) to within minutes.

    The request's session must not write it: before a use case that session only reads
    (``asuh.transactions``: a SQLite transaction that has read cannot take the write lock
    later, so an autoflushed update fails with "database is locked" under load). So the
    update runs on a connection of its own, as its single statement, waiting at most a
    second; inside a unit of work it is committed with the act. A busy database only
    delays the note.
    """
    moment = utcnow()
    if session.last_used_at is not None and moment - session.last_used_at < LAST_USED_EVERY:
        return
    stmt = (update(LoginSession).where(LoginSession.id == session.id)
            .values(last_used_at=moment))
    if in_unit_of_work():
        session.last_used_at = moment
        return
    try:
        with db.engine.begin() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:  # a read waits a moment for the write lock, not the full timeout
                connection.exec_driver_sql("PRAGMA busy_timeout=1000")
            try:
                connection.execute(stmt)
            finally:
                if sqlite:
                    connection.exec_driver_sql(
                        f"PRAGMA busy_timeout={int(current_app.config['SQLITE_BUSY_TIMEOUT_MS'])}")
    except OperationalError:
        current_app.logger.warning("API token %s: last use not noted (database busy)",
                                   session.id)


def close_session(token: str | None) -> None:
    if token:
        db.session.execute(
            update(LoginSession)
            .where(LoginSession.token_hash == _token_hash(token), LoginSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )


def own_tokens(user: User) -> list[LoginSession]:
    """``user``'s live API tokens, newest first (their secrets are never stored)."""
    return list(db.session.scalars(
        select(LoginSession).where(LoginSession.user_id == user.id,
                                   LoginSession.kind == "api",
                                   LoginSession.revoked_at.is_(None),
                                   LoginSession.expires_at > utcnow())
        .order_by(LoginSession.created_at.desc(), LoginSession.id.desc())))


@use_case
def revoke_token(user: User, token_id: int | None = None) -> None:
    """End one of ``user``'s own API tokens: ``token_id``, or (None) the one this request
    came with. Idempotent; another person's token is not found."""
    if token_id is None:
        token_hash = _token_hash(user.current_session_token or "")
        where = LoginSession.token_hash == token_hash
    else:
        where = LoginSession.id == token_id
    session = db.session.scalar(select(LoginSession).where(
        where, LoginSession.user_id == user.id, LoginSession.kind == "api"))
    if session is None:
        raise NotFoundError("Token tidak ditemukan.")
    if session.revoked_at is not None:
        return
    session.revoked_at = utcnow()
    audit.record("revoke_token", "user", user.id, user=user,
                 summary=f"Token API #{session.id} dicabut"
                         + (f" ({session.label})" if session.label else ""))


@use_case
def sign_out(user: User) -> None:
    """End the session this request came with; the trail records who left, as it does
    who came in."""
    close_session(user.current_session_token)
    audit.record("logout", "user", user.id, summary="Keluar", user=user)


def revoke_all_sessions(user: User) -> None:
    """End every browser session and API token of ``user`` (in the caller's unit of work)."""
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


@use_case
def change_password(user: User, current_password: str, new_password: str, *,
                    reopen: str | None = None) -> None:
    """Change the password and end every other session, browser and API alike.

    ``reopen`` (a session kind) opens a fresh session for the user in the same act: the
    browser that changed the password stays signed in.
    """
    if not check_password_hash(user.password_hash, current_password or ""):
        raise ValidationFailed({"current_password": ["Kata sandi saat ini salah."]})
    check_password_strength(new_password, "new_password", user_inputs=(user.email, user.name))
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    revoke_all_sessions(user)
    audit.record("change_password", "user", user.id, summary="Kata sandi diganti", user=user)
    if reopen is not None:
        open_session(user, reopen)


@use_case
def set_active(user: User, active: bool, reason: str = "", *, actor) -> None:
    ensure_permitted(actor, Permission.MANAGE_USERS)
    if user.id == actor.id and not active:
        raise ValidationFailed({"active": ["Anda tidak dapat menonaktifkan akun Anda sendiri."]})
    if not active and not reason.strip():
        raise ValidationFailed({"reason": ["Alasan penonaktifan wajib diisi."]})
    if user.active == active:
        return
    before = {"active": user.active}
    user.active = active
    user.deactivated_at = None if active else utcnow()
    user.deactivation_reason = None if active else reason.strip()
    if not active:
        revoke_all_sessions(user)
    audit.record(
        "activate" if active else "deactivate", "user", user.id,
        summary=(f"Akun {user.email} diaktifkan" if active
                 else f"Akun {user.email} dinonaktifkan: {reason.strip()}"),
        changes=audit.diff(before, {"active": active}), user=actor,
    )


@use_case
def change_role(user: User, role: str, *, actor) -> None:
    ensure_permitted(actor, Permission.MANAGE_USERS)
    try:
        role = Role(role)
    except ValueError as exc:
        raise ValidationFailed({"role": [f"Peran tidak dikenal: {role}"]}) from exc
    if user.id == actor.id and role != Role.ADMIN:
        raise ValidationFailed({"role": ["Anda tidak dapat melepas peran admin Anda sendiri."]})
    if user.role == role:
        return
    before, scope_before = user.role, user.scope_code
    # The scope stays where the new role may hold it (an officer made auditor), else it
    # becomes the new role's default (a sponsor holds none).
    try:
        user.scope_code = check_scope(role, user.scope_code, actor=actor)
    except ValidationFailed:
        user.scope_code = check_scope(role, None, actor=actor)
    user.role = role.value
    # Permissions change with the role, so old sessions must not keep the old powers' view.
    revoke_all_sessions(user)
    changes = {"role": [before, role.value]}
    if user.scope_code != scope_before:
        changes["scope_code"] = [scope_before, user.scope_code]
    audit.record(
        "change_role", "user", user.id, summary=f"Peran {user.email}: {before} → {role.value}",
        changes=changes, user=actor, scope=user.scope_code,
    )


def list_users(page: int, role: str | None = None, query: str | None = None, per_page: int = 25,
               *, actor=None):
    stmt = select(User).order_by(User.name, User.id)
    if (condition := users_in_scope(actor)) is not None:
        stmt = stmt.where(condition)
    if role:
        stmt = stmt.where(User.role == role)
    if query:
        like = f"%{query.strip().lower()}%"
        stmt = stmt.where(func.lower(User.name).like(like) | User.email.like(like))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)
