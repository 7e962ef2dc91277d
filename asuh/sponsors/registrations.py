"""Self-registrations waiting for an officer, and refusing one with a reason.

A refused registration keeps its record (status rejected, the reason beside it): the
audit trail and the sponsor's own page say why, and nothing is deleted.
"""

from sqlalchemy import and_

from asuh.audit import services as audit
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.permissions import Permission, ensure_permitted
from asuh.sponsors import scoping
from asuh.sponsors.models import Sponsor
from asuh.timeutil import utcnow
from asuh.transactions import use_case

MAX_REASON = 500


def awaiting_decision():
    """SQL: a registration no officer has decided on yet (not approved, rejected or
    withdrawn). The officer's home counts these; the sponsor list filters by it."""
    return and_(Sponsor.approved_at.is_(None), Sponsor.rejected_at.is_(None),
                Sponsor.withdrawn_at.is_(None))


@use_case
def reject_registration(sponsor: Sponsor, reason: str, *, actor) -> bool:
    """Refuse a waiting registration; True if this call refused it, False if it already
    was refused (idempotent: a second click changes nothing)."""
    ensure_permitted(actor, Permission.APPROVE_SPONSORS)
    scoping.ensure_own_city(actor, sponsor)
    reason = " ".join((reason or "").split())
    if sponsor.rejected_at is not None:
        return False
    if not reason:
        raise ValidationFailed({"reason": ["Alasan penolakan wajib diisi."]})
    if len(reason) > MAX_REASON:
        raise ValidationFailed({"reason": [
            f"Alasan terlalu panjang (maksimal {MAX_REASON} karakter)."]})
    if sponsor.approved_at is not None:
        raise ValidationFailed({"reason": [
            "Pendaftaran ini sudah disetujui; gunakan \"Catat mengundurkan diri\"."]},
            status=409)
    if sponsor.withdrawn_at is not None:
        raise ValidationFailed({"reason": ["Bapak/Bunda Asuh ini sudah mengundurkan diri."]},
                               status=409)
    sponsor.rejected_at = utcnow()
    sponsor.rejected_by_id = actor.id if actor is not None else None
    sponsor.rejection_reason = reason
    db.session.flush()
    audit.record("reject_registration", "sponsor", sponsor.id, user=actor,
                 summary=f"Pendaftaran {sponsor.name} ditolak: {reason}",
                 changes={"rejected_at": [None, sponsor.rejected_at.isoformat()],
                          "rejection_reason": [None, reason]})
    return True
