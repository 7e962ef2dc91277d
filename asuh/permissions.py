"""Roles and what each may do: the one place that says so.

Every view declares the permissions that open it with ``@requires(...)`` (any of them;
or ``@public``); the access-matrix test walks every route for every role against
``ROLE_PERMISSIONS``, with an object each role may act on and one it may not.
"""

from enum import StrEnum
from functools import wraps

from flask import abort, current_app, jsonify, redirect, request, url_for
from flask_login import current_user

from asuh.errors import NotPermitted


class Role(StrEnum):
    ADMIN = "admin"
    OFFICER = "officer"
    FIELD = "field"
    SPONSOR = "sponsor"
    AUDITOR = "auditor"


ROLE_LABELS = {
    Role.ADMIN: "Administrator",
    Role.OFFICER: "Petugas Dinas",
    Role.FIELD: "Petugas Lapangan (Kader/TPK)",
    Role.SPONSOR: "Bapak/Bunda Asuh",
    Role.AUDITOR: "Auditor",
}


class Permission(StrEnum):
    # What every account may do alike: its own session and password, the landing page.
    # Every role holds it, so a route declares it alone and only when it serves every
    # role in full; a route that serves some roles declares their permissions (any-of)
    # and leaves to the service only which object (whose child, whose delivery).
    SIGNED_IN = "signed_in"
    MANAGE_USERS = "manage_users"
    VIEW_USERS = "view_users"
    MANAGE_REGIONS = "manage_regions"
    VIEW_CHILDREN = "view_children"
    VIEW_SPONSORS = "view_sponsors"
    EDIT_SPONSORS = "edit_sponsors"
    APPROVE_SPONSORS = "approve_sponsors"
    EDIT_CHILDREN = "edit_children"
    IMPORT_CHILDREN = "import_children"
    RECORD_MEASUREMENTS = "record_measurements"
    OWN_SPONSORSHIP = "own_sponsorship"
    VIEW_SETTINGS = "view_settings"
    MANAGE_SETTINGS = "manage_settings"
    MANAGE_CATALOGUE = "manage_catalogue"
    VIEW_MATCHES = "view_matches"
    MANAGE_MATCHES = "manage_matches"
    VIEW_CONTRIBUTIONS = "view_contributions"
    LOG_CONTRIBUTIONS = "log_contributions"
    VERIFY_CONTRIBUTIONS = "verify_contributions"
    VOID_CONTRIBUTIONS = "void_contributions"
    VIEW_LETTERS = "view_letters"
    ISSUE_LETTERS = "issue_letters"
    VIEW_DASHBOARD = "view_dashboard"
    # Recompute the dashboard's aggregates from the raw rows (a background job).
    REBUILD_AGGREGATES = "rebuild_aggregates"
    VIEW_AUDIT = "view_audit"
    EXPORT_DATA = "export_data"


READ_PERMISSIONS = {
    Permission.SIGNED_IN,
    Permission.VIEW_CHILDREN,
    Permission.VIEW_SPONSORS,
    Permission.VIEW_USERS,
    Permission.VIEW_SETTINGS,
    Permission.VIEW_MATCHES,
    Permission.VIEW_CONTRIBUTIONS,
    Permission.VIEW_LETTERS,
    Permission.VIEW_DASHBOARD,
    Permission.VIEW_AUDIT,
    Permission.EXPORT_DATA,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(set(Permission) - {Permission.OWN_SPONSORSHIP}),
    Role.OFFICER: frozenset(
        {
            Permission.SIGNED_IN,
            Permission.VIEW_CHILDREN,
            Permission.VIEW_SPONSORS,
            Permission.EDIT_SPONSORS,
            Permission.APPROVE_SPONSORS,
            Permission.EDIT_CHILDREN,
            Permission.IMPORT_CHILDREN,
            Permission.RECORD_MEASUREMENTS,
            Permission.VIEW_MATCHES,
            Permission.MANAGE_MATCHES,
            Permission.VIEW_CONTRIBUTIONS,
            Permission.VERIFY_CONTRIBUTIONS,
            Permission.VOID_CONTRIBUTIONS,
            Permission.VIEW_LETTERS,
            Permission.ISSUE_LETTERS,
            Permission.VIEW_DASHBOARD,
            Permission.REBUILD_AGGREGATES,
            Permission.EXPORT_DATA,
        }
    ),
    # Field staff see children too, but services narrow them to their kelurahan.
    Role.FIELD: frozenset(
        {
            Permission.SIGNED_IN,
            Permission.VIEW_CHILDREN,
            Permission.RECORD_MEASUREMENTS,
            Permission.VIEW_CONTRIBUTIONS,
            Permission.VERIFY_CONTRIBUTIONS,
        }
    ),
    # Sponsors reach only their own records; services check ownership object by object.
    Role.SPONSOR: frozenset(
        {Permission.SIGNED_IN, Permission.OWN_SPONSORSHIP, Permission.LOG_CONTRIBUTIONS}
    ),
    Role.AUDITOR: frozenset(READ_PERMISSIONS),
}

# Endpoints every signed-in user may POST to even when their role changes nothing:
# leaving, and looking after their own password.
SELF_SERVICE_ENDPOINTS = frozenset({"accounts.logout", "accounts.change_password",
                                    "accounts.revoke_token", "api.revoke_current_token"})


def has_permission(user, permission: Permission) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return permission in ROLE_PERMISSIONS[Role(user.role)]


def _wants_json() -> bool:
    return request.blueprint == "api" or request.path.startswith("/api/")


def _deny_anonymous():
    if _wants_json():
        response = jsonify(error="unauthorized", message="Token tidak ada atau tidak berlaku.")
        response.status_code = 401
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def has_any_permission(user, permissions) -> bool:
    return any(has_permission(user, permission) for permission in permissions)


def requires(*permissions: Permission):
    """Refuse the view unless the signed-in user's role holds any of ``permissions``.

    Any-of lets a route shared by roles (a sponsor's own statement, an officer's letters)
    declare every permission that opens it, instead of declaring "signed in" and
    re-deciding inside; the object-level check stays with the use-case service.
    """
    if not permissions:
        raise TypeError("requires() needs at least one permission")

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return _deny_anonymous()
            if not has_any_permission(current_user, permissions):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_permissions = frozenset(permissions)
        # Kept for readers that know one permission; the first declared is the main one.
        wrapped.required_permission = permissions[0]
        return wrapped

    return decorator


def public(view):
    """Mark a view as open to everyone, so the access-matrix test knows it is meant."""
    view.required_permission = None
    return view


def refuse_auditor_writes():
    """Second wall behind the table: an auditor's write request never reaches a view.

    Public views (sign-in, checking a letter on the verification page) stay open to
    auditors as to anyone.
    """
    if (
        current_user.is_authenticated
        and current_user.role == Role.AUDITOR
        and request.method not in ("GET", "HEAD", "OPTIONS")
        and request.endpoint not in SELF_SERVICE_ENDPOINTS
    ):
        view = current_app.view_functions.get(request.endpoint)
        if getattr(view, "required_permission", False) is not None:
            abort(403)


def ensure_permitted(actor, *permissions: Permission) -> None:
    """A use case's own role check, so every caller (page, API, CLI) gets the same answer.

    ``actor=None`` is the system itself (a CLI command, the installer), which may.
    """
    if actor is not None and not has_any_permission(actor, permissions):
        raise NotPermitted("Anda tidak memiliki izin untuk tindakan ini.")
