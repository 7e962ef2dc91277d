"""Moving an existing account to another scope (issue 15): an officer to another
kabupaten/kota, an auditor up to the province and back, a field user with their kelurahan.

The rules, whoever asks (the admin's page, ``flask --app app users set-scope``):

- the admin reaches the account (``scoping.manages``): a city admin's view of another
  city's accounts is "not found", here as on the pages;
- the new scope is one the role may hold and the admin may hand out (``check_scope``): a
  city admin within their city, an installation admin anywhere;
- a sponsor has no staff scope;
- an admin never widens their own scope (narrowing it is theirs to do);
- a field user's kelurahan lie in the new scope: when some do not, new ones must be given;
- the same scope (and kelurahan) again changes nothing and writes nothing.

The user is read from the database on every request (``accounts.services.user_for_token``)
and no scope is kept per process (the figure caches are keyed by region, not by user), so
the change holds from the user's next request on; their sessions stay open.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from asuh.accounts.models import User
from asuh.accounts.scoping import check_scope, manages
from asuh.audit import services as audit
from asuh.audit.models import AuditRecord
from asuh.errors import NotFoundError, ValidationFailed
from asuh.extensions import db
from asuh.permissions import Permission, Role, ensure_permitted
from asuh.regions.models import KECAMATAN, KELURAHAN, Region
from asuh.regions.scopes import scope_label, scope_of, within
from asuh.regions.services import assign_kelurahan, assigned_kelurahan, get_kelurahan
from asuh.transactions import use_case


@dataclass
class ScopeChange:
    """What a change would do, checked: the confirmation page shows it, the use case
    applies it."""

    user: User
    old: str | None
    new: str | None
    old_label: str
    new_label: str
    kelurahan_before: list[str] = field(default_factory=list)
    # The field user's kelurahan after the change (None: not a field user).
    kelurahan_after: list[str] | None = None
    kecamatan_count: int = 0
    kelurahan_count: int = 0

    @property
    def changes_anything(self) -> bool:
        return self.old != self.new or (self.kelurahan_after is not None
                                        and sorted(self.kelurahan_after)
                                        != sorted(self.kelurahan_before))

    def kelurahan_names(self) -> list[str]:
        codes = self.kelurahan_after or []
        if not codes:
            return []
        return list(db.session.scalars(
            select(Region.name).where(Region.code.in_(codes)).order_by(Region.name)))


def _count(level: str, scope: str | None) -> int:
    stmt = select(func.count()).select_from(Region).where(Region.level == level)
    if scope is not None:
        column = Region.province_code if len(scope) == 2 else Region.city_code
        stmt = stmt.where(column == scope)
    return db.session.scalar(stmt) or 0


def _refused(message: str, key: str = "scope_code"):
    return ValidationFailed({key: [message]})


def plan_scope_change(user: User, scope: str | None, *, actor,
                      kelurahan: list[str] | None = None) -> ScopeChange:
    """Check moving ``user`` to ``scope`` (a province or kabupaten/kota code; empty: an
    admin's whole installation) and say what it would do; raises ``ValidationFailed``,
    ``NotFoundError`` (an account the admin does not reach) or ``NotPermitted``.

    ``kelurahan`` (field users): their new kelurahan; None keeps the ones they have,
    which must then all lie in the new scope.
    """
    ensure_permitted(actor, Permission.MANAGE_USERS)
    if actor is not None and not manages(actor, user):
        raise NotFoundError("Pengguna tidak ditemukan.")
    role = Role(user.role)
    if role not in (Role.ADMIN, Role.OFFICER, Role.AUDITOR, Role.FIELD):
        raise _refused("Akun Bapak/Bunda Asuh tidak memiliki wilayah kerja petugas; "
                       "wilayahnya mengikuti alamat pada data Bapak/Bunda Asuh.")
    old = user.scope_code
    wanted = (scope or "").strip() or None
    # Checked before the general rule, to say why: "no scope" from a city admin is
    # their own city (check_scope), so only a named wider region can widen.
    if actor is not None and actor.id == user.id and wanted and not within(old, wanted):
        raise _refused("Anda tidak dapat memperluas wilayah akun Anda sendiri; "
                       "mintalah admin seluruh instalasi.")
    new = check_scope(role, wanted, actor=actor)
    plan = ScopeChange(user=user, old=old, new=new, old_label=scope_label(old),
                       new_label=scope_label(new),
                       kecamatan_count=_count(KECAMATAN, new),
                       kelurahan_count=_count(KELURAHAN, new))
    if role == Role.FIELD:
        plan.kelurahan_before = sorted(assigned_kelurahan(user))
        plan.kelurahan_after = _field_kelurahan(plan, kelurahan, actor)
    return plan


def _field_kelurahan(plan: ScopeChange, kelurahan: list[str] | None, actor) -> list[str]:
    """The field user's kelurahan after the move: the given ones, each inside the new
    scope (and the admin's), or the current ones when all of them already are."""
    if kelurahan is None or not [c for c in kelurahan if c]:
        outside = [c for c in plan.kelurahan_before if not within(plan.new, c)]
        if not outside:
            return plan.kelurahan_before
        names = ", ".join(db.session.scalars(
            select(Region.name).where(Region.code.in_(outside)).order_by(Region.name)))
        raise _refused(f"Kelurahan/desa kerja {names} tidak berada di {plan.new_label}. "
                       f"Pilih kelurahan/desa baru di {plan.new_label} untuk petugas "
                       "lapangan ini.", "kelurahan")
    chosen = sorted({c for c in kelurahan if c})
    for code in chosen:
        region = get_kelurahan(code, "kelurahan")
        if not within(plan.new, region.code) or not within(scope_of(actor), region.code):
            raise _refused(f"Kelurahan/desa {region.name} tidak berada di "
                           f"{plan.new_label}.", "kelurahan")
    return chosen


@use_case
def change_scope(user: User, scope: str | None, *, actor,
                 kelurahan: list[str] | None = None) -> bool:
    """Move ``user`` to ``scope`` (see ``plan_scope_change``); False if nothing changed.

    Audited as one act, old → new, sealed in the new scope; a move out of a kabupaten/kota
    is also sealed in the old one, so that city's trail shows its officer leaving.
    """
    plan = plan_scope_change(user, scope, actor=actor, kelurahan=kelurahan)
    if not plan.changes_anything:
        return False
    user.scope_code = plan.new
    db.session.flush()
    if plan.kelurahan_after is not None and plan.kelurahan_after != plan.kelurahan_before:
        # The regions area's own use case (joins this unit of work), so its audit record
        # and checks are the same as on the work-area page.
        assign_kelurahan(user, plan.kelurahan_after, actor=actor)
    if plan.old == plan.new:
        return True  # only the kelurahan changed: the work-area record says so
    changes = {"scope_code": [plan.old, plan.new]}
    if plan.kelurahan_after is not None and plan.kelurahan_after != plan.kelurahan_before:
        changes["kelurahan"] = [plan.kelurahan_before, plan.kelurahan_after]
    summary = f"Wilayah kerja {user.email}: {plan.old_label} → {plan.new_label}"
    audit.record("change_scope", "user", user.id, summary=summary, changes=changes,
                 user=actor, scope=plan.new)
    if not _sees(plan.old, plan.new):
        audit.record("change_scope", "user", user.id, summary=summary, changes=changes,
                     user=actor, scope=plan.old)
    return True


def _sees(viewer: str | None, sealed: str | None) -> bool:
    """Whether the trail of ``viewer``'s scope shows a record sealed in ``sealed``
    (``audit.queries``: a city its own records, a province its cities' too)."""
    if viewer is None or viewer == sealed:
        return True
    return len(viewer) == 2 and sealed is not None and sealed.startswith(f"{viewer}.")


def moved_since(user_id: int, moment) -> bool:
    """Whether the account was moved to another scope at or after ``moment``: what it
    made before (an export file) holds the old scope's data, no longer theirs to see.
    A named rule other areas call (jobs), read from the audit trail's own records."""
    return db.session.scalar(
        select(AuditRecord.id).where(AuditRecord.entity_type == "user",
                                     AuditRecord.entity_id == str(user_id),
                                     AuditRecord.action == "change_scope",
                                     AuditRecord.at >= moment).limit(1)) is not None


def find_user(email: str, *, actor=None) -> User:
    """The account with this email, if ``actor`` reaches it (the CLI: any)."""
    from asuh.accounts.services import find_user_by_email

    user = find_user_by_email(email)
    if user is None or (actor is not None and not manages(actor, user)):
        raise NotFoundError(f"Pengguna {email} tidak ditemukan.")
    return user
