"""Two officers matching at the same moment: the rules hold under real concurrency.

Each thread has its own test client and token and waits on a Barrier, so both requests
reach the database together (SQLite here, PostgreSQL with --postgres).
"""

import threading

from sqlalchemy import func, select

from asuh import timeutil
from asuh.children.models import Child
from asuh.extensions import db
from asuh.matching.models import Match
from asuh.sponsors.models import Sponsor
from tests import factories
from tests.conftest import PASSWORD

ROUNDS = 3


def _tokens(app, count: int) -> list[dict]:
    with app.app_context():
        emails = [factories.user("officer").email for _ in range(count)]
        db.session.commit()
    headers = []
    for email in emails:
        response = app.test_client().post("/api/v1/tokens",
                                          json={"email": email, "password": PASSWORD})
        assert response.status_code == 201
        headers.append({"Authorization": f"Bearer {response.json['token']}"})
    return headers


def _race(app, bodies: list[dict], tokens: list[dict]) -> list[int]:
    barrier = threading.Barrier(len(bodies))
    statuses = [None] * len(bodies)

    def officer(n: int) -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post("/api/v1/matches", json=bodies[n], headers=tokens[n])
        statuses[n] = response.status_code

    threads = [threading.Thread(target=officer, args=(n,)) for n in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


def test_two_officers_match_the_same_child_at_once(app, regions):
    tokens = _tokens(app, 2)
    for _ in range(ROUNDS):
        with app.app_context():
            child = factories.child()
            sponsors = [factories.sponsor(), factories.sponsor()]
            db.session.commit()
            bodies = [{"sponsor_id": s.id, "child_id": child.id,
                       "start_date": timeutil.today().isoformat()} for s in sponsors]
            child_id, sponsor_ids = child.id, [s.id for s in sponsors]
        assert _race(app, bodies, tokens) == [201, 409]
        with app.app_context():
            assert db.session.scalar(select(func.count(Match.id)).where(
                Match.child_id == child_id, Match.ended_on.is_(None))) == 1
            assert db.session.get(Child, child_id).is_matched is True
            loads = sorted(db.session.get(Sponsor, s).active_matches for s in sponsor_ids)
            assert loads == [0, 1]


def test_a_sponsor_at_capacity_cannot_be_over_matched(app, regions):
    tokens = _tokens(app, 2)
    for _ in range(ROUNDS):
        with app.app_context():
            sponsor = factories.sponsor(capacity=1)
            children = [factories.child(), factories.child()]
            db.session.commit()
            bodies = [{"sponsor_id": sponsor.id, "child_id": c.id,
                       "start_date": timeutil.today().isoformat()} for c in children]
            sponsor_id, child_ids = sponsor.id, [c.id for c in children]
        assert _race(app, bodies, tokens) == [201, 409]
        with app.app_context():
            assert db.session.scalar(select(func.count(Match.id)).where(
                Match.sponsor_id == sponsor_id, Match.ended_on.is_(None))) == 1
            assert db.session.get(Sponsor, sponsor_id).active_matches == 1
            assert sorted(db.session.get(Child, c).is_matched for c in child_ids) == [False,
                                                                                      True]
