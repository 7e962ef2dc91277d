"""Which children an actor may see, and may act on: the children area's one answer.

Other areas (matching, contributions, the API) ask here instead of re-deciding; the
measurement and registry use cases check it for the object they are given.

Two limits combine (issue 15): the account's scope (a kabupaten/kota or province,
``asuh.regions.scopes``) and, for field users, the kelurahan they are assigned. A child
outside the scope does not exist for the user (404); a child in the scope but outside a
field user's kelurahan is theirs to see no more than before (refused).
"""

from sqlalchemy import select

from asuh.children.models import Child, Measurement
from asuh.errors import NotFoundError, NotPermitted, ValidationFailed
from asuh.extensions import db
from asuh.identifiers import mask_identifier
from asuh.permissions import Permission, Role, ensure_permitted, has_permission
from asuh.regions.scopes import city_code_of, kelurahan_codes_in, scope_of, within
from asuh.regions.services import assigned_kelurahan, kelurahan_codes


def visible_kelurahan(user) -> list[str] | None:
    """The kelurahan codes whose children ``user`` may see; None means all of them."""
    scope = scope_of(user)
    if user is not None and user.role == Role.FIELD:
        return [code for code in assigned_kelurahan(user) if within(scope, code)]
    if scope is None:
        return None
    return sorted(kelurahan_codes(scope))


def in_scope(user, child: Child) -> bool:
    """Whether the child lies in the user's kabupaten/kota or province."""
    return within(scope_of(user), child.kelurahan_code)


def can_see(user, child: Child) -> bool:
    if not in_scope(user, child):
        return False
    if user is not None and user.role == Role.FIELD:
        return child.kelurahan_code in assigned_kelurahan(user)
    return True


def visible_condition(user):
    """A WHERE clause on ``Child`` for the children ``user`` may see (None: all)."""
    if user is not None and user.role == Role.FIELD:
        return Child.kelurahan_code.in_(visible_kelurahan(user))
    scope = scope_of(user)
    return None if scope is None else Child.kelurahan_code.in_(kelurahan_codes_in(scope))


def visible_condition_by_code(user):
    """The same children as :func:`visible_condition`, tested on the child's own code:
    a kelurahan's code begins with its province's and its city's (``within``), so a scope
    is a prefix and the database reads no regions (the registry list walks its index in
    name order and tests each code in place; issue 16). Field users keep their list."""
    if user is not None and user.role == Role.FIELD:
        return Child.kelurahan_code.in_(visible_kelurahan(user))
    scope = scope_of(user)
    return None if scope is None else Child.kelurahan_code.startswith(scope, autoescape=True)


def ensure_in_scope(user, child: Child) -> None:
    """404 for a child outside the user's scope."""
    if not in_scope(user, child):
        raise NotFoundError("Anak tidak ditemukan.")


def ensure_may_act(actor, child: Child, *permissions: Permission) -> None:
    """The role may do it, and to THIS child (in their scope: else it does not exist for
    them; field staff: only in their kelurahan).

    ``actor=None`` is the system (CLI, import), which may.
    """
    ensure_permitted(actor, *permissions)
    if actor is None:
        return
    ensure_in_scope(actor, child)
    if not can_see(actor, child):
        raise NotPermitted("Anak ini di luar wilayah kerja Anda.")


def ensure_kelurahan_for(actor, code: str | None, current: str | None = None) -> None:
    """A child is registered, or corrected, only into a kelurahan in the actor's scope;
    a correction stays in the child's kabupaten/kota (a move is its own act:
    ``asuh.children.moving``)."""
    if not code:
        return
    if not within(scope_of(actor), code):
        raise ValidationFailed({"kelurahan_code": ["Kelurahan di luar wilayah kerja Anda."]})
    if current and city_code_of(code) != city_code_of(current):
        raise ValidationFailed({"kelurahan_code": [
            "Kelurahan di kabupaten/kota lain: gunakan Pindah kabupaten/kota."]})


def child_city(child_id) -> str | None:
    """The kabupaten/kota of a child, for the audit trail's scope of its records."""
    code = db.session.scalar(select(Child.kelurahan_code).where(Child.id == int(child_id)))
    return city_code_of(code) if code else None


def measurement_city(measurement_id) -> str | None:
    child_id = db.session.scalar(
        select(Measurement.child_id).where(Measurement.id == int(measurement_id)))
    return child_city(child_id) if child_id is not None else None


def sees_full_nik(user) -> bool:
    # The roles that register children (officers, admins) need the whole NIK to match it
    # against Dukcapil records; everyone else reads it masked.
    return has_permission(user, Permission.EDIT_CHILDREN)


def shown_nik(user, nik: str) -> str:
    return nik if sees_full_nik(user) else mask_identifier(nik)
