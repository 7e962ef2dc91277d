"""Demo matches: most of the demo city's children paired, a few still waiting, some history.

Called by ``asuh/demo.py`` after sponsors and children exist; goes through the services so
the counters and the audit trail are what a real city would have.
"""

import random
from datetime import date, timedelta

from sqlalchemy import select

from asuh.children.models import Child
from asuh.extensions import db
from asuh.matching import automatch, services
from asuh.matching.models import Match
from asuh.sponsors.models import Sponsor

ENDED_NOTES = {"moved": None, "period_over": None,
               "other": "Keluarga memilih bantuan langsung dari puskesmas."}


def seed(rng: random.Random, today: date, *, demo_sponsor_user=None, actor=None,
         share: float = 0.7) -> list[Match]:
    """Pair about ``share`` of the waiting children, by the auto-match proposal, with
    start dates over the last five months; end three matches so history shows; make sure
    the demo sponsor login has a child. The caller commits."""
    if demo_sponsor_user is not None:
        own = db.session.scalar(select(Sponsor).where(Sponsor.user_id == demo_sponsor_user.id))
        first = db.session.scalar(select(Child).where(
            Child.status == "active", Child.is_matched.is_(False),
            Child.kelurahan_code == own.kelurahan_code).order_by(Child.id)) if own else None
        if own is not None and first is not None:
            services.create_match(own, first, start_on=today - timedelta(days=75),
                                  actor=actor, today=today)
    children = automatch.load_children()
    pairs = automatch.propose_assignments(children[:int(len(children) * share)],
                                          automatch.load_sponsors())
    made = []
    for child_id, sponsor_id, _level in pairs:
        child = db.session.get(Child, child_id)
        start = max(today - timedelta(days=rng.randint(7, 150)), child.birth_date)
        made.append(services.create_match(db.session.get(Sponsor, sponsor_id), child,
                                          start_on=start, actor=actor, today=today))
    for match, reason in zip(made[:len(ENDED_NOTES)], ENDED_NOTES, strict=False):
        services.end_match(match, reason=reason, note=ENDED_NOTES[reason],
                           ended_on=min(today, match.start_on + timedelta(days=30)),
                           actor=actor, today=today)
    return made
