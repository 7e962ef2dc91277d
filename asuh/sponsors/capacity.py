"""A sponsor's own capacity change waits for an officer.

Issue 12: a sponsor could raise their own capacity to 20, unreviewed, and be matched with
that many children. Now the sponsor's change becomes a pending request; the sponsor keeps
their old capacity until an officer approves it (or rejects it, with a reason). The
request, its approval and its rejection are each in the audit trail.
"""

from sqlalchemy import select

from asuh.audit import services as audit
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.permissions import Permission, ensure_permitted
from asuh.sponsors import scoping
from asuh.sponsors.models import (
    CAPACITY_APPROVED,
    CAPACITY_CANCELLED,
    CAPACITY_PENDING,
    CAPACITY_REJECTED,
    CapacityRequest,
    Sponsor,
)
from asuh.timeutil import utcnow
from asuh.transactions import use_case

MAX_REASON = 500


def pending_request(sponsor_id: int) -> CapacityRequest | None:
    return db.session.scalar(select(CapacityRequest).where(
        CapacityRequest.sponsor_id == sponsor_id,
        CapacityRequest.status == CAPACITY_PENDING))


def _close(request: CapacityRequest, status: str, *, actor, reason: str | None = None):
    request.status, request.decided_at = status, utcnow()
    request.decided_by_id = actor.id if actor is not None else None
    request.reason = reason


def ask_for_capacity(sponsor: Sponsor, requested: int, *, actor) -> CapacityRequest | None:
    """The sponsor asks for ``requested`` (inside their profile's unit of work): a pending
    request, replacing an earlier pending one; asking for the current capacity again
    cancels it. Returns the pending request, if one remains."""
    pending = pending_request(sponsor.id)
    if pending is not None and pending.requested == requested:
        return pending
    if pending is not None:
        _close(pending, CAPACITY_CANCELLED, actor=actor)
        audit.record("cancel_capacity", "sponsor", sponsor.id, user=actor,
                     summary=f"Permintaan kesediaan {pending.requested} anak dibatalkan",
                     changes={"requested": [pending.requested, None]})
    if requested == sponsor.capacity:
        return None
    request = CapacityRequest(sponsor_id=sponsor.id, previous=sponsor.capacity,
                              requested=requested, status=CAPACITY_PENDING,
                              requested_by_id=actor.id if actor is not None else None)
    db.session.add(request)
    db.session.flush()
    audit.record("request_capacity", "sponsor", sponsor.id, user=actor,
                 summary=f"{sponsor.name} meminta kesediaan diubah dari {sponsor.capacity} "
                         f"menjadi {requested} anak (menunggu petugas)",
                 changes={"requested": [sponsor.capacity, requested]})
    return request


@use_case
def decide_capacity(sponsor: Sponsor, *, approve: bool, reason: str | None,
                    actor) -> CapacityRequest:
    """An officer approves (the new capacity applies from now) or rejects (with a
    reason; the old one stays) the sponsor's pending request."""
    ensure_permitted(actor, Permission.APPROVE_SPONSORS)
    scoping.ensure_own_city(actor, sponsor)
    request = pending_request(sponsor.id)
    if request is None:
        raise ValidationFailed({"capacity": [
            "Tidak ada permintaan perubahan kesediaan yang menunggu."]}, status=409)
    reason = " ".join((reason or "").split())
    if not approve and not reason:
        raise ValidationFailed({"reason": ["Alasan penolakan wajib diisi."]})
    if len(reason) > MAX_REASON:
        raise ValidationFailed({"reason": [f"Alasan maksimal {MAX_REASON} karakter."]})
    before = sponsor.capacity
    _close(request, CAPACITY_APPROVED if approve else CAPACITY_REJECTED, actor=actor,
           reason=reason or None)
    if approve:
        sponsor.capacity = request.requested
    db.session.flush()
    verdict = "disetujui" if approve else "ditolak"
    audit.record("approve_capacity" if approve else "reject_capacity", "sponsor", sponsor.id,
                 user=actor,
                 summary=f"Permintaan kesediaan {request.requested} anak dari {sponsor.name} "
                         f"{verdict}" + (f": {reason}" if reason else ""),
                 changes={"capacity": [before, sponsor.capacity],
                          "requested": [None, request.requested],
                          "reason": [None, reason or None]})
    return request
