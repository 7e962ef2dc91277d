"""Auto-match: the preview writes nothing; the confirmation re-checks every pair."""

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from asuh import timeutil
from asuh.audit.models import AuditRecord
from asuh.audit.services import verify_chain
from asuh.children.models import Child
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.matching import automatch, previews, services
from asuh.matching.models import Match
from asuh.sponsors.models import Sponsor
from tests import factories

OTHER_KECAMATAN = "19.71.02.1001"


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def city(app, regions):
    """Three waiting children (one severely stunted; Ani, stunted, is the oldest), two
    sponsors with three places; and two children who do not wait for a sponsor (issue 11):
    Dodi measured normal and Eka never measured."""
    with app.app_context():
        ids = {}
        for name, category, age in (("Ani", "stunted", 900), ("Budi", "stunted", 400),
                                    ("Citra", "severely_stunted", 400), ("Dodi", "normal", 300),
                                    ("Eka", None, 200)):
            child = factories.child(name=f"{name} Lestari",
                                    birth_date=date.today() - timedelta(days=age))
            child.latest_category = category
            ids[name] = child.id
        near = factories.sponsor(name="Bu Dekat", capacity=2)
        far = factories.sponsor(name="Pak Jauh", kelurahan_code=OTHER_KECAMATAN)
        ids.update(near=near.id, far=far.id)
        db.session.commit()
        return ids


def test_build_proposal_reads_only(app, city):
    with app.app_context():
        before = (_count(Match), _count(AuditRecord))
        proposal = automatch.build_proposal()
        assert (_count(Match), _count(AuditRecord)) == before
        assert not db.session.dirty and not db.session.new
        assert proposal.children_waiting == 3 and proposal.places_free == 3
        # Citra (severely stunted) and Budi (stunted) first, to the nearby sponsor.
        assert proposal.pairs == [(city["Citra"], city["near"], 0), (city["Budi"], city["near"], 0),
                                  (city["Ani"], city["far"], 2)]
        # Full names (issue 18: "Muhammad" twice told no one apart) and both places.
        assert proposal.rows[0]["child_name"] == "Citra Lestari"
        assert proposal.rows[0]["kelurahan"] == "Semabung Lama"
        assert proposal.rows[0]["cross_kecamatan"] is False
        assert proposal.rows[2]["cross_kecamatan"] is True
        assert proposal.rows[2]["kecamatan"] != proposal.rows[2]["sponsor_kecamatan"]
        assert proposal.cross_kecamatan == 1
        assert proposal.children_left == 0 and proposal.by_distance == {0: 2, 2: 1}


def test_confirm_creates_every_valid_pair(app, city):
    with app.app_context():
        actor = factories.user("officer")
        outcome = automatch.confirm_assignments(automatch.build_proposal().pairs, actor=actor)
        db.session.commit()
        assert len(outcome.created) == 3 and outcome.skipped == []
        assert db.session.get(Sponsor, city["near"]).active_matches == 2
        matched = {c.name.split()[0] for c in db.session.scalars(select(Child))
                   if c.is_matched}
        assert matched == {"Ani", "Budi", "Citra"}
        match = outcome.created[0]
        assert match.start_on == timeutil.today() and match.note == automatch.AUTO_NOTE
        assert match.planned_end_on == services.default_end(timeutil.today())
        actions = list(db.session.scalars(select(AuditRecord.action)
                                          .where(AuditRecord.entity_type == "match")))
        assert actions.count("create") == 3 and actions.count("automatch") == 1
        assert verify_chain() == []


def test_a_stale_preview_cannot_over_match(app, city):
    with app.app_context():
        pairs = automatch.build_proposal().pairs
        # Meanwhile: another officer gives Citra a sponsor and fills Bu Dekat's second place,
        # and Ani moves away.
        from asuh.children.services import change_status

        extra = factories.sponsor()
        factories.match(extra, db.session.get(Child, city["Citra"]))
        near = db.session.get(Sponsor, city["near"])
        factories.match(near)
        change_status(db.session.get(Child, city["Ani"]), "moved", "Pindah ke Sungailiat")
        db.session.commit()

        outcome = automatch.confirm_assignments(pairs, actor=None)
        db.session.commit()
        assert [(m.child_id, m.sponsor_id) for m in outcome.created] == [
            (city["Budi"], city["near"])]
        assert {(c, why) for c, _, why in outcome.skipped} == {
            (city["Citra"], services.CHILD_TAKEN), (city["Ani"], services.CHILD_NOT_ACTIVE)}
        assert db.session.get(Sponsor, city["near"]).active_matches == 2  # capacity 2: full


def test_places_taken_within_the_batch_count(app, city):
    with app.app_context():
        # A forged proposal giving all three children to the sponsor with two places.
        pairs = [(city[n], city["near"], 0) for n in ("Citra", "Budi", "Ani")]
        outcome = automatch.confirm_assignments(pairs, actor=None)
        assert len(outcome.created) == 2
        assert outcome.skipped == [(city["Ani"], city["near"], services.SPONSOR_FULL)]


@pytest.mark.parametrize("pairs", [[[1, 2]], [["1", 2, 0]], [None], [[1, 2, True]]])
def test_malformed_pairs_are_refused(app, city, pairs):
    with app.app_context(), pytest.raises(ValidationFailed):
        automatch.confirm_assignments(pairs, actor=None)


# --- the pages -------------------------------------------------------------------------


def _token(html: str) -> str:
    found = re.search(r'name="token" type="hidden" value="([^"]+)"', html)
    assert found, "preview has no confirm form"
    return found.group(1)


def _ticked(html: str) -> list[str]:
    """The pairs the preview ticks (all of them, until the officer unticks some)."""
    return re.findall(r'name="pair" value="(\d+:\d+)"[^>]*checked', html)


def test_preview_page_then_confirm(app, client, login, city):
    login("officer")
    page = client.get("/matching/auto")
    assert page.status_code == 200
    text = page.text
    assert "Usulan pemasangan otomatis" in text and "data-confirm=" in text
    assert "Citra Lestari" in text  # full names (issue 18)
    assert "Bu Dekat" in text and "Kecamatan lain" in text and "Lintas kecamatan" in text
    with app.app_context():
        assert _count(Match) == 0
    assert len(_ticked(text)) == 3
    done = client.post("/matching/auto/confirm", data={"token": _token(text),
                                                       "pair": _ticked(text)})
    assert done.status_code == 200 and "3 pasangan dibuat" in done.text
    with app.app_context():
        assert _count(Match) == 3
    # A token is used once.
    again = client.post("/matching/auto/confirm", data={"token": _token(text),
                                                        "pair": _ticked(text)})
    assert again.status_code == 302
    with app.app_context():
        assert _count(Match) == 3


def test_a_token_belongs_to_the_officer_who_made_it(app, client, login, city):
    login("officer")
    token = _token(client.get("/matching/auto").text)
    other = app.test_client()
    login("admin", other)
    response = other.post("/matching/auto/confirm", data={"token": token},
                          follow_redirects=True)
    assert "tidak ditemukan" in response.text
    bogus = other.post("/matching/auto/confirm", data={"token": "../../etc/passwd"})
    assert bogus.status_code == 302
    with app.app_context():
        assert _count(Match) == 0


def test_stale_previews_are_discarded(app, city):
    import os
    import time

    with app.test_request_context():
        user = factories.user("officer")
        token = previews.keep([[1, 2, 0]], user)
        assert previews.load(token, user) == [[1, 2, 0]]
        path = Path(app.config["UPLOAD_FOLDER"]) / previews._key(token)
        old = time.time() - previews.KEEP_SECONDS - 10
        os.utime(path, (old, old))
        assert previews.load(token, user) is None
        assert not path.exists()


def test_nothing_to_propose_shows_why(client, login, regions):
    login("officer")
    text = client.get("/matching/auto").text
    assert "Tidak ada anak aktif yang menunggu" in text
    assert 'name="token"' not in text


def test_only_the_ticked_pairs_are_saved_and_still_rechecked(app, client, login, city):
    login("officer")
    text = client.get("/matching/auto").text
    ticked = _ticked(text)
    far = f"{city['Ani']}:{city['far']}"
    assert far in ticked
    # The officer unticks the cross-kecamatan pair; a pair never proposed is ignored.
    sent = [key for key in ticked if key != far] + [f"{city['Dodi']}:{city['near']}"]
    with app.app_context():
        # Meanwhile Budi got a sponsor by hand: the ticked pair is re-checked and skipped.
        services.create_match(db.session.get(Sponsor, city["far"]),
                              db.session.get(Child, city["Budi"]), start_on=timeutil.today(),
                              actor=factories.user("admin"))
        db.session.commit()
    done = client.post("/matching/auto/confirm", data={"token": _token(text), "pair": sent})
    assert done.status_code == 200
    assert "1 pasangan dibuat" in done.text and "Budi Lestari" in done.text
    with app.app_context():
        made = {(m.child_id, m.sponsor_id) for m in db.session.scalars(
            select(Match).where(Match.note == automatch.AUTO_NOTE))}
        assert made == {(city["Citra"], city["near"])}
        record = db.session.scalar(select(AuditRecord).where(
            AuditRecord.action == "automatch"))
        assert record.changes["left_out"] == [None, 1]


def test_nothing_ticked_saves_nothing(app, client, login, city):
    login("officer")
    text = client.get("/matching/auto").text
    response = client.post("/matching/auto/confirm", data={"token": _token(text)},
                           follow_redirects=True)
    assert "Tidak ada pasangan yang dicentang." in response.text
    with app.app_context():
        assert _count(Match) == 0


def test_pairs_beyond_the_shown_rows_are_saved_as_proposed(app, city):
    with app.test_request_context():
        actor = factories.user("officer")
        proposal = automatch.build_proposal(shown=1)
        token = previews.keep(proposal.pairs, actor, shown=len(proposal.rows))
        outcome = automatch.confirm_proposal(token, actor=actor, ticked=set())
        db.session.commit()
        assert sorted((m.child_id, m.sponsor_id) for m in outcome.created) == sorted(
            (c, s) for c, s, _ in proposal.pairs[1:])
