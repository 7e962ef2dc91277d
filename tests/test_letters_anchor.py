"""Issue 12: every letter prints the audit chain's head at its issue (verifiable with
``audit verify --anchor``), and a sponsor asking again within the hour for the same
statement gets the one just issued, not a new number."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from asuh.accounts.models import User
from asuh.audit.chain import chain_head
from asuh.extensions import db
from asuh.letters import services
from asuh.letters.models import Letter, LetterSequence
from tests import factories
from tests.test_letters_pages import issue
from tests.test_letters_pdf import pdf_text

ANCHOR = re.compile(r"Jejak audit saat terbit:\s*(\d+):([0-9a-f]{64})")


@pytest.fixture
def scene(app, regions, users):
    with app.app_context():
        mine = factories.letter_scene(sponsor_email=users["sponsor"][1])
        db.session.commit()
    return mine


def _anchor_in(pdf: bytes) -> str:
    found = ANCHOR.search(re.sub(r"\s+", " ", pdf_text(pdf)))
    assert found, "the letter prints no audit anchor"
    return f"{found.group(1)}:{found.group(2)}"


def test_the_printed_anchor_is_the_head_at_issue_and_verifies(app, client, login, runner,
                                                              scene):
    with app.app_context():
        before = chain_head()
    letter = issue(app, scene)
    anchor = _anchor_in(letter["pdf"])
    # The trail as it stood when the letter was numbered: before its own records.
    assert anchor == str(before)
    with app.app_context():
        stored = db.session.get(Letter, letter["id"])
        assert stored.audit_anchor == anchor
    result = runner.invoke(args=["audit", "verify", "--anchor", anchor])
    assert result.exit_code == 0, result.output
    assert f"Anchor {anchor.split(':')[0]} matches" in result.output
    # A different hash at that number does not verify.
    wrong = anchor[:-1] + ("0" if anchor[-1] != "0" else "1")
    assert runner.invoke(args=["audit", "verify", "--anchor", wrong]).exit_code == 1
    login("officer")
    page = client.get(f"/letters/{letter['id']}")
    assert anchor in page.text


@pytest.mark.parametrize("kind", ["handover_receipt", "recap"])
def test_receipts_and_recaps_print_their_anchor_too(app, scene, kind):
    with app.app_context():
        if kind == "handover_receipt":
            letter = services.issue_letter(kind, contribution_id=scene["confirmed"][0])
        else:
            letter = services.issue_letter(kind, period=scene["period"])
        db.session.commit()
        assert _anchor_in(letter.pdf) == letter.audit_anchor


def _numbers_taken(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.sum(LetterSequence.last_seq))) or 0


def test_asking_again_within_the_hour_returns_the_current_statement(app, client, login,
                                                                     scene, installation_clock):
    login("sponsor")
    month = f"{scene['period'].start:%Y-%m}"
    assert client.post("/my/letters", data={"month": month}).status_code == 302
    taken = _numbers_taken(app)
    for _ in range(3):
        assert client.post("/my/letters", data={"month": month}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(Letter.id))) == 1
    assert _numbers_taken(app) == taken
    # An hour later a new one may be issued (it supersedes the first).
    installation_clock.shift(timedelta(hours=1, minutes=1))
    assert client.post("/my/letters", data={"month": month}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(Letter.id))) == 2
    assert _numbers_taken(app) == taken + 1


def test_staff_reissuing_a_statement_always_get_a_new_one(app, scene, users):
    with app.app_context():
        officer = db.session.get(User, users["officer"][0])
        first = services.issue_letter("sponsor_statement", sponsor_id=scene["sponsor"],
                                      period=scene["period"], actor=officer)
        again = services.issue_letter("sponsor_statement", sponsor_id=scene["sponsor"],
                                      period=scene["period"], actor=officer)
        assert again.id != first.id and first.superseded_by_id == again.id
