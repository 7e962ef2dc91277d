"""Roles and what each may do: the one place that says so.

Every view declares the permission it needs with ``@requires(...)`` (or ``@public``);
the access-matrix test walks every route for every role against ``ROLE_PERMISSIONS``.
"""

from enum import StrEnum
from functools import wraps

from flask import abort, jsonify, redirect, request, url_for
from flask_login import current_user


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
    SIGNED_IN = "signed_in"
    MANAGE_USERS = "manage_users"
    VIEW_USERS = "view_users"
    MANAGE_REGIONS = "manage_regions"
    VIEW_REGISTRY = "view_registry"
    EDIT_SPONSORS = "edit_sponsors"
    APPROVE_SPONSORS = "approve_sponsors"
    EDIT_CHILDREN = "edit_children"
    IMPORT_CHILDREN = "import_children"
    RECORD_MEASUREMENTS = "record_measurements"
    OWN_SPONSORSHIP = "own_sponsorship"


_READ = {Permission.SIGNED_IN, Permission.VIEW_REGISTRY, Permission.VIEW_USERS}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(set(Permission) - {Permission.OWN_SPONSORSHIP}),
    Role.OFFICER: frozenset(
        {
            Permission.SIGNED_IN,
            Permission.VIEW_REGISTRY,
            Permission.EDIT_SPONSORS,
            Permission.APPROVE_SPONSORS,
            Permission.EDIT_CHILDREN,
            Permission.IMPORT_CHILDREN,
            Permission.RECORD_MEASUREMENTS,
        }
    ),
    # Field staff see the registry too, but services narrow it to their kelurahan.
    Role.FIELD: frozenset(
        {Permission.SIGNED_IN, Permission.VIEW_REGISTRY, Permission.RECORD_MEASUREMENTS}
    ),
    Role.SPONSOR: frozenset({Permission.SIGNED_IN, Permission.OWN_SPONSORSHIP}),
    Role.AUDITOR: frozenset(_READ),
}

# Endpoints every signed-in user may POST to even when their role changes nothing:
# leaving, and looking after their own password.
SELF_SERVICE_ENDPOINTS = frozenset({"accounts.logout", "accounts.change_password"})


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


def requires(permission: Permission):
    """Refuse the view unless the signed-in user's role holds ``permission``."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return _deny_anonymous()
            if not has_permission(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_permission = permission
        return wrapped

    return decorator


def public(view):
    """Mark a view as open to everyone, so the access-matrix test knows it is meant."""
    view.required_permission = None
    return view


def refuse_auditor_writes():
    """Second wall behind the table: an auditor's write request never reaches a view."""
    if (
        current_user.is_authenticated
        and current_user.role == Role.AUDITOR
        and request.method not in ("GET", "HEAD", "OPTIONS")
        and request.endpoint not in SELF_SERVICE_ENDPOINTS | {"api.create_token"}
    ):
        abort(403)
