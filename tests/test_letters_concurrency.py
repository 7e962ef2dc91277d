"""Officers issuing letters at the same moment: numbers stay gapless and unique.

Each thread has its own app context (so its own session and connection) and waits on a
Barrier, so the issues reach the database together (SQLite here, PostgreSQL with
--postgres, where the sequence row is taken with SELECT … FOR UPDATE).
"""

import threading

from sqlalchemy import func, select

from asuh import timeutil
from asuh.extensions import db
from asuh.letters import services
from asuh.letters.models import CURRENT, SUPERSEDED, Letter, LetterSequence
from tests import factories

THREADS = 6


def _race(app, jobs: list[dict]) -> list:
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def officer(n: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                letter = services.issue_letter(**jobs[n])
                number = letter.number
                db.session.commit()
                results[n] = number
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                db.session.rollback()
                results[n] = exc

    threads = [threading.Thread(target=officer, args=(n,)) for n in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_issues_get_numbers_one_to_n_without_gaps(app, regions):
    with app.app_context():
        scenes = [factories.letter_scene() for _ in range(THREADS)]
        db.session.commit()
    jobs = [{"kind": "sponsor_statement", "sponsor_id": s["sponsor"], "period": s["period"]}
            for s in scenes]
    results = _race(app, jobs)
    assert not [r for r in results if isinstance(r, Exception)], results
    with app.app_context():
        seqs = sorted(db.session.scalars(select(Letter.seq)))
        assert seqs == list(range(1, THREADS + 1))
        assert len(set(results)) == THREADS
        assert db.session.get(LetterSequence, ("19.71", timeutil.today().year)).last_seq == THREADS


def test_concurrent_issues_for_one_subject_leave_exactly_one_current(app, regions):
    with app.app_context():
        scene = factories.letter_scene()
        db.session.commit()
    job = {"kind": "sponsor_statement", "sponsor_id": scene["sponsor"],
           "period": scene["period"]}
    results = _race(app, [job] * 4)
    assert not [r for r in results if isinstance(r, Exception)], results
    with app.app_context():
        assert db.session.scalar(select(func.count(Letter.id)).where(
            Letter.status == CURRENT)) == 1
        superseded = list(db.session.scalars(select(Letter).where(
            Letter.status == SUPERSEDED).order_by(Letter.seq)))
        # Each superseded letter points at the one issued right after it.
        assert [letter.superseded_by_id for letter in superseded] == [
            db.session.scalar(select(Letter.id).where(Letter.seq == letter.seq + 1))
            for letter in superseded]
        assert sorted(db.session.scalars(select(Letter.seq))) == [1, 2, 3, 4]
