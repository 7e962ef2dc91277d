"""The demo city's matches: made through the services, so the counters agree."""

import random

from sqlalchemy import func, select

from asuh import timeutil
from asuh.accounts.models import User
from asuh.children.models import Child
from asuh.extensions import db
from asuh.matching import demo
from asuh.matching.models import Match
from asuh.sponsors.models import Sponsor


def test_demo_matches_keep_the_counters_true(app):
    from asuh.demo import seed_demo

    with app.app_context():
        seed_demo()
        sponsor_login = db.session.scalar(select(User).where(User.role == "sponsor"))
        if not db.session.scalar(select(func.count(Match.id))):  # unless the demo did it
            demo.seed(random.Random(2026), timeutil.today(), demo_sponsor_user=sponsor_login)
            db.session.commit()
        assert db.session.scalar(select(func.count(Match.id))) > 10
        active = dict(db.session.execute(
            select(Match.sponsor_id, func.count(Match.id)).where(Match.ended_on.is_(None))
            .group_by(Match.sponsor_id)).all())
        for sponsor in db.session.scalars(select(Sponsor)):
            assert sponsor.active_matches == active.get(sponsor.id, 0)
            assert sponsor.active_matches <= sponsor.capacity
        matched = set(db.session.scalars(select(Match.child_id).where(Match.ended_on.is_(None))))
        for child in db.session.scalars(select(Child)):
            assert child.is_matched == (child.id in matched)
        assert db.session.scalar(select(func.count(Match.id))
                                 .where(Match.ended_on.is_not(None))) == 3
        own = db.session.scalar(select(Sponsor).where(Sponsor.user_id == sponsor_login.id))
        assert own.active_matches >= 1
