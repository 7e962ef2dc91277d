"""Signal receivers: each event's mail is queued inside the event's own transaction.

Connected by ``asuh.notifications.register``; the owning services send the signals
(``sponsor_approved``, ``contribution_verified``, ``letter_issued``).
"""

from flask import current_app

from asuh.accounts.models import User
from asuh.children.models import Child
from asuh.contributions.models import CONFIRMED, PENDING, REJECTED
from asuh.contributions.rules import is_confirmed
from asuh.extensions import db
from asuh.letters.models import SPONSOR_STATEMENT
from asuh.matching.models import Match
from asuh.notifications import preferences as prefs
from asuh.notifications import texts
from asuh.notifications.account_mail import known_owner_mail, password_reset_mail
from asuh.notifications.outbox import queue_mail, withdraw_mail
from asuh.sponsors.models import Sponsor


def _sponsor_user(sponsor_id: int | None) -> User | None:
    sponsor = db.session.get(Sponsor, sponsor_id) if sponsor_id else None
    return db.session.get(User, sponsor.user_id) if sponsor and sponsor.user_id else None


def on_sponsor_approved(sponsor: Sponsor, **_) -> None:
    queue_mail(_sponsor_user(sponsor.id), prefs.SPONSOR_APPROVED,
               texts.approval(prefs.link("accounts.login")),
               dedupe_key=f"{prefs.SPONSOR_APPROVED}:{sponsor.id}")


def on_contribution_verified(contribution, **_) -> None:
    match = db.session.get(Match, contribution.match_id)
    child = db.session.get(Child, match.child_id)
    url = prefs.link("contributions.detail", contribution_id=contribution.id)
    # One mail per decision: a confirmation undone and then a rejection must still be told.
    key = f"{prefs.DELIVERY_VERIFIED}:{contribution.id}:{contribution.status}"
    if contribution.status == PENDING:
        # The confirmer took it back within minutes: its mail, if still waiting, is withdrawn.
        withdraw_mail(f"{prefs.DELIVERY_VERIFIED}:{contribution.id}:{CONFIRMED}")
        return
    if is_confirmed(contribution):
        message = texts.delivery_confirmed(contribution.delivered_on, child.name, url)
    elif contribution.status == REJECTED:
        message = texts.delivery_rejected(contribution.delivered_on, child.name,
                                          contribution.rejection_reason, url)
    else:
        return
    queue_mail(_sponsor_user(match.sponsor_id), prefs.DELIVERY_VERIFIED, message,
               dedupe_key=key)


def on_letter_issued(letter, actor=None, **_) -> None:
    if letter.kind != SPONSOR_STATEMENT or letter.sponsor_id is None:
        return
    user = _sponsor_user(letter.sponsor_id)
    if user is None or (actor is not None and actor.id == user.id):
        return  # the sponsor issued it themselves and is looking at it
    period = (letter.public_summary or {}).get("period_label") or "periode yang diminta"
    queue_mail(user, prefs.STATEMENT_READY,
               texts.statement_ready(letter.number, period, prefs.link("letters.own")),
               dedupe_key=f"{prefs.STATEMENT_READY}:{letter.id}")


def on_reset_link_requested(user: User, token: str, **_) -> None:
    password_reset_mail(user, prefs.link("accounts.reset_password", token=token),
                        valid_hours=current_app.config["PASSWORD_RESET_HOURS"])


def on_registered_with_known_data(user: User, **_) -> None:
    known_owner_mail(user, login_url=prefs.link("accounts.login"),
                     reset_url=prefs.link("accounts.forgot_password"))
