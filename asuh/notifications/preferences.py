"""Which notifications exist, who gets each, and who switched which off.

Every notification is on until its user switches it off on the Pemberitahuan page (a
partial template the profile page can include).
"""

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from asuh.audit import services as audit
from asuh.extensions import db
from asuh.notifications.models import NotificationPreference
from asuh.permissions import Role
from asuh.transactions import use_case

SPONSOR_APPROVED = "sponsor_approved"
DELIVERY_VERIFIED = "delivery_verified"
BEHIND_REMINDER = "behind_reminder"
STATEMENT_READY = "statement_ready"
OFFICER_DIGEST = "officer_digest"
MEASUREMENT_DUE = "measurement_due"


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    roles: frozenset


KINDS = {k.code: k for k in (
    Kind(SPONSOR_APPROVED, "Pendaftaran saya sebagai Bapak/Bunda Asuh disetujui",
         frozenset({Role.SPONSOR})),
    Kind(DELIVERY_VERIFIED, "Penyaluran saya dikonfirmasi atau ditolak (dengan alasannya)",
         frozenset({Role.SPONSOR})),
    Kind(BEHIND_REMINDER, "Pengingat tanggal 25 bila paket bulan ini belum lengkap",
         frozenset({Role.SPONSOR})),
    Kind(STATEMENT_READY, "Surat pertanggungjawaban saya sudah terbit",
         frozenset({Role.SPONSOR})),
    Kind(OFFICER_DIGEST, "Ringkasan pagi: pendaftaran menunggu persetujuan dan penyaluran "
         "yang lama menunggu konfirmasi", frozenset({Role.OFFICER, Role.ADMIN})),
    Kind(MEASUREMENT_DUE, "Daftar anak di wilayah saya yang perlu diukur minggu ini",
         frozenset({Role.FIELD})),
)}


def kinds_for(user) -> list[Kind]:
    return [kind for kind in KINDS.values() if user.role in kind.roles]


def switched_off(user_id: int) -> set[str]:
    return set(db.session.scalars(select(NotificationPreference.kind).where(
        NotificationPreference.user_id == user_id, NotificationPreference.enabled.is_(False))))


def wanted(user_id: int, kind: str) -> bool:
    return kind not in switched_off(user_id)


@use_case
def set_preferences(user, enabled: set[str], *, actor) -> list[str]:
    """Switch ``user``'s notifications: those in ``enabled`` on, the user's other kinds
    off. Only one's own (``actor`` is ``user``). The kinds that changed."""
    if actor.id != user.id:
        from asuh.errors import NotPermitted

        raise NotPermitted("Pemberitahuan hanya dapat diatur oleh pemilik akun.")
    rows = {row.kind: row for row in db.session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id))}
    changed = []
    for kind in kinds_for(user):
        on = kind.code in enabled
        row = rows.get(kind.code)
        if (row.enabled if row else True) == on:
            continue
        if row is None:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind.code, enabled=on))
        else:
            row.enabled = on
        changed.append(kind.code)
    if changed:
        db.session.flush()
        audit.record("update", "notification_preferences", user.id, user=actor,
                     summary="Pengaturan pemberitahuan diubah",
                     changes={code: [code not in enabled, code in enabled] for code in changed})
    return changed


def link(endpoint: str, **values) -> str:
    """An absolute link into Asuh for a message sent outside any request (``PUBLIC_URL``)."""
    adapter = current_app.url_map.bind("localhost", url_scheme="http")
    return current_app.config["PUBLIC_URL"] + adapter.build(endpoint, values)


def settings_url() -> str:
    return link("notifications.preferences")
