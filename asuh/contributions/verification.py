"""Confirming, rejecting and voiding deliveries; only confirmed ones count in totals.

Each change locks the contribution row first, so two verifiers pressing "confirm" at
the same moment add the delivery to the monthly totals once, not twice.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from blinker import Namespace
from sqlalchemy import select

from asuh.audit import services as audit
from asuh.contributions import access, totals
from asuh.contributions.models import (
    CONFIRMED,
    PENDING,
    REJECTED,
    VOIDED,
    Contribution,
)
from asuh.contributions.rules import is_confirmed
from asuh.contributions.services import contribution_items
from asuh.errors import NotPermitted, ValidationFailed
from asuh.extensions import db
from asuh.timeutil import utcnow
from asuh.transactions import use_case

DECISIONS = (CONFIRMED, REJECTED)
# Sent inside the deciding transaction, with the contribution confirmed or rejected (or
# pending again: a confirmation undone).
contribution_verified = Namespace().signal("contribution-verified")
# A kader who pressed "Konfirmasi diterima" by mistake may take it back this long; after
# it (and for anyone else's confirmation) only a void with a reason, as before.
UNDO_WINDOW = timedelta(minutes=5)
MAX_REASON = 500


def _locked(contribution: Contribution) -> Contribution:
    return db.session.scalar(
        select(Contribution).where(Contribution.id == contribution.id).with_for_update()
        .execution_options(populate_existing=True))


def _reason(reason, message: str) -> str:
    text = " ".join(str(reason or "").split())
    if not text:
        raise ValidationFailed({"reason": [message]})
    if len(text) > MAX_REASON:
        raise ValidationFailed({"reason": [f"Alasan maksimal {MAX_REASON} karakter."]})
    return text


def _ensure_may_verify(actor, contribution: Contribution) -> None:
    if actor is not None and not access.can_verify(actor, contribution):
        raise NotPermitted("Penyaluran ini di luar wilayah kerja Anda.")


def _must_be_pending(contribution: Contribution) -> None:
    if contribution.status != PENDING:
        raise ValidationFailed({"status": [
            f"Penyaluran ini sudah {contribution.status_label.lower()}."]}, status=409)


@use_case
def confirm_contribution(contribution: Contribution, *, actor,
                         submission_key: str | None = None) -> None:
    """The family received it: the delivery now counts in totals and letters.

    With the ``submission_key`` of the confirmation already made (a form resent from a
    phone's outbox), nothing happens: not a second confirmation, and not a re-confirmation
    of one its maker has undone since."""
    _ensure_may_verify(actor, contribution)
    contribution = _locked(contribution)
    if submission_key is not None and contribution.confirmation_key == submission_key:
        return
    _must_be_pending(contribution)
    contribution.confirmation_key = submission_key
    contribution.status = CONFIRMED
    contribution.verified_by_id = actor.id if actor is not None else None
    contribution.verified_at = utcnow()
    db.session.flush()
    # Audit first: its chain lock keeps a totals rebuild from interleaving (totals.py).
    audit.record("confirm", "contribution", contribution.id, user=actor,
                 summary=f"Penyaluran #{contribution.id} dikonfirmasi diterima keluarga",
                 changes={"status": [PENDING, CONFIRMED]})
    totals.apply(contribution, contribution_items(contribution), +1)
    contribution_verified.send(contribution, actor=actor)


def may_undo_confirmation(user, contribution: Contribution) -> bool:
    """Whether ``user`` confirmed this delivery within :data:`UNDO_WINDOW` (and still
    may verify it): the delivery page then offers "Urungkan"."""
    return (user is not None and is_confirmed(contribution)
            and contribution.verified_by_id == user.id and contribution.verified_at is not None
            and utcnow() - contribution.verified_at <= UNDO_WINDOW
            and access.can_verify(user, contribution))


@use_case
def undo_confirmation(contribution: Contribution, *, actor) -> None:
    """Take back one's own confirmation within minutes: pending again, out of the totals.

    The audit trail keeps both the confirmation and its undoing.
    """
    _ensure_may_verify(actor, contribution)
    contribution = _locked(contribution)
    if not is_confirmed(contribution):
        raise ValidationFailed({"status": [
            f"Penyaluran ini {contribution.status_label.lower()}, bukan dikonfirmasi."]},
            status=409)
    if not may_undo_confirmation(actor, contribution):
        raise ValidationFailed({"status": [
            "Konfirmasi hanya dapat diurungkan oleh yang mengonfirmasi, dalam 5 menit. "
            "Sesudah itu penyaluran dibatalkan dengan alasan."]}, status=409)
    contribution.status = PENDING
    contribution.verified_by_id = None
    contribution.verified_at = None
    db.session.flush()
    audit.record("undo_confirm", "contribution", contribution.id, user=actor,
                 summary=f"Konfirmasi penyaluran #{contribution.id} diurungkan; menunggu "
                         "verifikasi lagi",
                 changes={"status": [CONFIRMED, PENDING]})
    totals.apply(contribution, contribution_items(contribution), -1)
    # Pending again: a "confirmed" mail not yet sent must not go out.
    contribution_verified.send(contribution, actor=actor)


@use_case
def reject_contribution(contribution: Contribution, reason, *, actor) -> None:
    _ensure_may_verify(actor, contribution)
    reason = _reason(reason, "Alasan penolakan wajib diisi.")
    contribution = _locked(contribution)
    _must_be_pending(contribution)
    contribution.status = REJECTED
    contribution.verified_by_id = actor.id if actor is not None else None
    contribution.verified_at = utcnow()
    contribution.rejection_reason = reason
    db.session.flush()
    audit.record("reject", "contribution", contribution.id, user=actor,
                 summary=f"Penyaluran #{contribution.id} ditolak: {reason}",
                 changes={"status": [PENDING, REJECTED], "rejection_reason": [None, reason]})
    contribution_verified.send(contribution, actor=actor)


@use_case
def verify_contribution(contribution: Contribution, decision, reason=None, *,
                        actor) -> None:
    """``decision`` is ``"confirmed"`` or ``"rejected"`` (the latter with a reason)."""
    if decision == CONFIRMED:
        confirm_contribution(contribution, actor=actor)
    elif decision == REJECTED:
        reject_contribution(contribution, reason, actor=actor)
    else:
        raise ValidationFailed({"decision": ["Harus 'confirmed' atau 'rejected'."]})


@use_case
def void_contribution(contribution: Contribution, reason, *, actor) -> None:
    """Cancel a pending or confirmed delivery; a confirmed one leaves the totals.

    The row stays, marked voided with the reason: letters already issued may cite it.
    """
    if actor is not None and not access.can_void(actor):
        raise NotPermitted("Anda tidak dapat membatalkan penyaluran.")
    reason = _reason(reason, "Alasan pembatalan wajib diisi.")
    contribution = _locked(contribution)
    if contribution.status not in (PENDING, CONFIRMED):
        raise ValidationFailed({"status": [
            f"Penyaluran ini sudah {contribution.status_label.lower()}."]}, status=409)
    before = contribution.status
    contribution.status = VOIDED
    contribution.voided_by_id = actor.id if actor is not None else None
    contribution.voided_at = utcnow()
    contribution.void_reason = reason
    db.session.flush()
    audit.record("void", "contribution", contribution.id, user=actor,
                 summary=f"Penyaluran #{contribution.id} dibatalkan: {reason}",
                 changes={"status": [before, VOIDED], "void_reason": [None, reason]})
    if before == CONFIRMED:
        totals.apply(contribution, contribution_items(contribution), -1)


# --- what became of a delivery -------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    label: str
    at: datetime | None
    by: str | None
    reason: str | None = None


def decisions(contribution: Contribution, voided_by=None) -> list[Decision]:
    """The verification history the delivery's page shows, oldest first.

    A voided delivery that had been confirmed keeps its confirmation (a letter may cite
    it); a rejected one is never voided. ``contribution.verified_by`` must be loaded
    (``access.load`` does); ``voided_by`` is the voiding user, if any.
    """
    verifier = contribution.verified_by.name if contribution.verified_by else None
    steps = []
    if is_confirmed(contribution) or (
            contribution.status == VOIDED and contribution.verified_at is not None
            and not contribution.rejection_reason):
        steps.append(Decision("Dikonfirmasi", contribution.verified_at, verifier))
    if contribution.status == REJECTED:
        steps.append(Decision("Ditolak", contribution.verified_at, verifier,
                              contribution.rejection_reason))
    if contribution.status == VOIDED:
        steps.append(Decision("Dibatalkan", contribution.voided_at,
                              voided_by.name if voided_by else None, contribution.void_reason))
    return steps
