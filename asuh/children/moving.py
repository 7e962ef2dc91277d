"""Moving a child to another kabupaten/kota of the province (issue 15).

A family that moves from Kota Pangkalpinang to Kabupaten Bangka Tengah takes its child's
record along: the child is handed over, not registered again. Its measurements and
matches stay with it (a running match goes on: the sponsor is in the same province, which
the matching area allows), and its deliveries follow it (``child_moved``, received by the
contributions area), so the receiving city sees the whole history from then on and the
old city no longer sees the child. The act is audited twice: once for the city that
hands over and once for the city that receives, each reading their own trail.

Who: an officer (or admin) whose scope holds the child now: the old city's officer or a
provincial officer. A field user cannot move a child out of their kelurahan.
"""

from blinker import Namespace
from sqlalchemy import select

from asuh.audit import services as audit
from asuh.audit.models import AuditRecord
from asuh.children.models import Child
from asuh.children.visibility import ensure_in_scope
from asuh.errors import NotPermitted, ValidationFailed
from asuh.extensions import db
from asuh.permissions import Permission, Role, ensure_permitted
from asuh.regions.models import Region
from asuh.regions.scopes import city_code_of, province_code_of
from asuh.regions.services import get_kelurahan
from asuh.transactions import use_case

MOVE = "move"
REASON_MAX = 500
# Sent inside the move's transaction: (child, old kelurahan code, new kelurahan code).
child_moved = Namespace().signal("child-moved")


def may_move(user, child: Child) -> bool:
    """The button's rule (the use case checks it again): staff above the field."""
    return (user is not None and user.role in (Role.OFFICER, Role.ADMIN)
            and child.status == "active")


def _city_name(code: str) -> str:
    region = db.session.get(Region, city_code_of(code))
    return region.name if region is not None else city_code_of(code)


@use_case
def move_child(child: Child, kelurahan_code: str, reason: str, *, actor) -> Child:
    """Hand ``child`` over to ``kelurahan_code`` in another kabupaten/kota of its province."""
    ensure_permitted(actor, Permission.EDIT_CHILDREN)
    if actor is not None:
        ensure_in_scope(actor, child)
        if actor.role not in (Role.OFFICER, Role.ADMIN):
            raise NotPermitted("Hanya petugas dinas yang dapat memindahkan anak.")
    target = get_kelurahan(kelurahan_code)
    reason = " ".join((reason or "").split())
    errors: dict[str, list[str]] = {}
    if child.status != "active":
        errors["status"] = ["Hanya anak berstatus aktif yang dapat dipindahkan."]
    if city_code_of(target.code) == city_code_of(child.kelurahan_code):
        errors["kelurahan_code"] = ["Kelurahan tujuan di kabupaten/kota yang sama; "
                                    "cukup perbaiki data anak."]
    elif province_code_of(target.code) != province_code_of(child.kelurahan_code):
        errors["kelurahan_code"] = ["Anak hanya dapat dipindahkan ke kabupaten/kota lain di "
                                    "provinsi yang sama."]
    if not reason:
        errors["reason"] = ["Alasan pindah wajib diisi."]
    elif len(reason) > REASON_MAX:
        errors["reason"] = [f"Alasan paling panjang {REASON_MAX} karakter."]
    if errors:
        raise ValidationFailed(errors)
    before = child.kelurahan_code
    child.kelurahan_code = target.code
    db.session.flush()
    child_moved.send(child, before=before, after=target.code)
    old_city, new_city = _city_name(before), _city_name(target.code)
    changes = {"kelurahan_code": [before, target.code], "reason": [None, reason]}
    audit.record(MOVE, "child", child.id, user=actor, scope=city_code_of(before),
                 summary=f"Anak {child.name} diserahkan ke {new_city}: {reason}",
                 changes=changes)
    audit.record(MOVE, "child", child.id, user=actor, scope=city_code_of(target.code),
                 summary=f"Anak {child.name} diterima dari {old_city}: {reason}",
                 changes=changes)
    return child


def moves_of(child: Child) -> list[dict]:
    """The child's moves, oldest first: when, from where, to where, why (its page)."""
    rows = db.session.scalars(
        select(AuditRecord).where(AuditRecord.entity_type == "child",
                                  AuditRecord.entity_id == str(child.id),
                                  AuditRecord.action == MOVE)
        .order_by(AuditRecord.id))
    moves = []
    for record in rows:
        before, after = record.changes.get("kelurahan_code", [None, None])
        if not after or record.scope_code != city_code_of(after):
            continue  # the handing-over city's copy of the same act
        moves.append({"at": record.at, "from": _place(before), "to": _place(after),
                      "reason": (record.changes.get("reason") or [None, ""])[1]})
    return moves


def _place(code: str | None) -> str:
    region = db.session.get(Region, code) if code else None
    if region is None:
        return code or ""
    return f"Kel. {region.name}, {_city_name(code)}"
