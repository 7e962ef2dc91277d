"""Which children an actor may see, and may act on: the children area's one answer.

Other areas (matching, contributions, the API) ask here instead of re-deciding; the
measurement and registry use cases check it for the object they are given.
"""

from asuh.children.models import Child
from asuh.errors import NotPermitted
from asuh.permissions import Permission, Role, ensure_permitted
from asuh.regions.services import assigned_kelurahan


def visible_kelurahan(user) -> list[str] | None:
    """The kelurahan codes whose children ``user`` may see; None means all of them."""
    if user.role == Role.FIELD:
        return assigned_kelurahan(user)
    return None


def can_see(user, child: Child) -> bool:
    codes = visible_kelurahan(user)
    return codes is None or child.kelurahan_code in codes


def visible_condition(user):
    """A WHERE clause on ``Child`` for the children ``user`` may see (None: all)."""
    codes = visible_kelurahan(user)
    return None if codes is None else Child.kelurahan_code.in_(codes)


def ensure_may_act(actor, child: Child, *permissions: Permission) -> None:
    """The role may do it, and to THIS child (field staff: only in their kelurahan).

    ``actor=None`` is the system (CLI, import), which may.
    """
    ensure_permitted(actor, *permissions)
    if actor is not None and not can_see(actor, child):
        raise NotPermitted("Anak ini di luar wilayah kerja Anda.")
