"""``flask notifications daily``: the morning's mail, safe to run any number of times.

Each message carries a key naming its person and its day (or month, or week), so a second
run the same day, or a timer that fires twice, queues nothing new; a run missed on the
25th (the server was off) is made up by the next day's. Each person's mail is queued in
a transaction of its own.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from asuh import timeutil
from asuh.accounts.models import User
from asuh.children.models import Child
from asuh.children.rules import due_for_measurement
from asuh.contributions.models import PENDING, Contribution
from asuh.contributions.progress import behind_matches_query, progress_for_matches
from asuh.contributions.totals import month_of
from asuh.extensions import db
from asuh.formatting import format_date_id
from asuh.letters.periods import month_end
from asuh.notifications import preferences as prefs
from asuh.notifications import texts
from asuh.notifications.outbox import queue_mail
from asuh.permissions import Role
from asuh.regions.services import assigned_kelurahan
from asuh.sponsors.models import Sponsor
from asuh.transactions import end_read, use_case

REMINDER_DAY = 25


@dataclass
class DailyResult:
    behind: int = 0
    digests: int = 0
    measurement_lists: int = 0
    lines: list[str] = field(default_factory=list)


def run_daily(today: date | None = None) -> DailyResult:
    today = today or timeutil.today()
    result = DailyResult()
    if today.day >= REMINDER_DAY:
        result.behind = behind_reminders(today)
    result.digests = officer_digests(today)
    result.measurement_lists = measurement_lists(today)
    return result


@use_case
def _queue(user_id: int, kind: str, message, key: str) -> bool:
    return queue_mail(db.session.get(User, user_id), kind, message, dedupe_key=key) is not None


def behind_reminders(today: date) -> int:
    """On (or after) the 25th: each sponsor still behind this month's package."""
    month = month_of(today)
    matches = list(db.session.scalars(behind_matches_query(month)).unique())
    progress = progress_for_matches(matches, month)
    lines_by_sponsor: dict[int, list[str]] = {}
    for match in matches:
        for line in progress[match.id].lines:
            if line.behind:
                lines_by_sponsor.setdefault(match.sponsor_id, []).append(
                    texts.package_line(line, match.child.name))
    users = dict(db.session.execute(select(Sponsor.id, Sponsor.user_id).where(
        Sponsor.id.in_(lines_by_sponsor), Sponsor.user_id.is_not(None))).all())
    end_read()
    url = prefs.link("contributions.own")
    queued = 0
    for sponsor_id, lines in lines_by_sponsor.items():
        if sponsor_id in users:
            queued += _queue(users[sponsor_id], prefs.BEHIND_REMINDER,
                             texts.behind_reminder(month, lines, url),
                             f"{prefs.BEHIND_REMINDER}:{sponsor_id}:{month:%Y-%m}")
    return queued


def officer_digests(today: date) -> int:
    """Every morning, to officers and admins, when something waits for them."""
    wait_days = current_app.config["CONFIRMATION_WAIT_DAYS"]
    pending = db.session.scalar(select(db.func.count(Sponsor.id)).where(
        Sponsor.approved_at.is_(None), Sponsor.withdrawn_at.is_(None)))
    limit = timeutil.start_of_day_utc(today - timedelta(days=wait_days))
    waiting = db.session.scalar(select(db.func.count(Contribution.id)).where(
        Contribution.status == PENDING, Contribution.created_at < limit))
    officers = list(db.session.scalars(select(User.id).where(
        User.role.in_((Role.OFFICER, Role.ADMIN)), User.active.is_(True))))
    end_read()
    if not (pending or waiting):
        return 0
    message = texts.officer_digest(pending, waiting, wait_days, today,
                                   prefs.link("sponsors.index", approved="no"),
                                   prefs.link("contributions.queue"))
    return sum(_queue(user_id, prefs.OFFICER_DIGEST, message,
                      f"{prefs.OFFICER_DIGEST}:{user_id}:{today.isoformat()}")
               for user_id in officers)


def due_children(codes: list[str], today: date) -> list[Child]:
    """Children in these kelurahan still to measure this month: the children area's rule,
    the same one the printable visit list uses, so the kader's mail and list agree."""
    month_start = month_of(today)
    return list(db.session.scalars(select(Child).where(
        due_for_measurement(month_start, month_end(month_start), today),
        Child.kelurahan_code.in_(codes))
        .order_by(Child.posyandu, Child.name, Child.id)))


def measurement_lists(today: date) -> int:
    """Once a week (the first run of the ISO week), to each field user."""
    week_end = today + timedelta(days=6 - today.weekday())
    year, week, _ = today.isocalendar()
    field_users = list(db.session.scalars(select(User).where(
        User.role == Role.FIELD, User.active.is_(True))))
    plans = []
    for user in field_users:
        codes = assigned_kelurahan(user)
        children = due_children(codes, today) if codes else []
        if children:
            plans.append((user.id, [
                f"{c.name} ({'Posyandu ' + c.posyandu if c.posyandu else c.kelurahan.name}; "
                + (f"terakhir diukur {format_date_id(c.latest_measured_on)}"
                   if c.latest_measured_on else "belum pernah diukur") + ")"
                for c in children]))
    end_read()
    url = prefs.link("children.index")
    return sum(_queue(user_id, prefs.MEASUREMENT_DUE,
                      texts.measurement_due(lines, week_end, url),
                      f"{prefs.MEASUREMENT_DUE}:{user_id}:{year}-W{week:02d}")
               for user_id, lines in plans)
