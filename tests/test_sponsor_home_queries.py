"""The sponsor's home (/me/children) reads a fixed number of statements however many
children the sponsor has (issue 16: 73 statements for 10 children at 1,000,000 children,
an N+1 of per-child progress, package and region look-ups)."""

import contextlib
from datetime import timedelta

from sqlalchemy import event

from asuh.extensions import db
from asuh.regions.models import Region
from tests import factories
from tests.clock import SUITE_DAY
from tests.factories import PASSWORD
from tests.provcity import KAB_KEL, load_province

TODAY = SUITE_DAY


@contextlib.contextmanager
def counted_statements(app):
    counter = {"n": 0}

    def count(*_args, **_kwargs):
        counter["n"] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _sponsor_with_children(app, how_many: int, email: str) -> list[int]:
    """An approved sponsor login (``email``) with ``how_many`` active matches begun two
    months ago, each with a confirmed and a pending delivery."""
    with app.app_context():
        from asuh.sponsors.services import approve_sponsor

        if db.session.get(Region, KAB_KEL) is None:
            load_province()
        factories.catalogue()
        sponsor = factories.sponsor(name="Ibu Ratna", capacity=10, approved=False,
                                    email=email)
        approve_sponsor(sponsor, actor=None)
        start = TODAY - timedelta(days=62)
        matches = []
        for number in range(how_many):
            # Several kecamatan and, for more than one child, two kabupaten/kota (each
            # owes its own city's package).
            kelurahan = (factories.KELURAHAN, factories.OTHER_KELURAHAN, KAB_KEL)[number % 3]
            child = factories.child(
                name=f"Anak Ke{number}", guardian_name=f"Ibu Wali{number}",
                kelurahan_code=kelurahan, confirm_nik_warnings=True)
            factories.measurement(child)
            match = factories.match(sponsor, child, start_on=start)
            factories.contribution(match, status="confirmed")
            factories.contribution(match, delivered_on=TODAY)
            matches.append(match.id)
        db.session.commit()
        return matches


def _statements_for_home(app, email: str) -> tuple[int, str]:
    from tests.conftest import sign_in

    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    client.get("/me/children")  # warm-up: anything read once per process
    with counted_statements(app) as counter:
        page = client.get("/me/children")
    assert page.status_code == 200
    return counter["n"], page.text


def test_sponsor_home_statements_do_not_grow_with_children(app, regions):
    _sponsor_with_children(app, 1, "satu@example.id")
    _sponsor_with_children(app, 5, "lima@example.id")
    one, one_text = _statements_for_home(app, "satu@example.id")
    five, five_text = _statements_for_home(app, "lima@example.id")
    assert five == one, (one, five)
    # Every child is on the page with its progress and place (the statements were not
    # saved by leaving something out).
    assert five_text.count('class="own-child"') == 5
    assert five_text.count('class="match-progress"') == 5
    for number in range(5):
        assert f"Ibu Wali{number}" in five_text
    assert five_text.count("Kec. ") == 5
    assert five_text.count("menunggu konfirmasi") >= 5


def test_sponsor_api_match_list_statements_do_not_grow(app, regions):
    _sponsor_with_children(app, 1, "satu@example.id")
    _sponsor_with_children(app, 5, "lima@example.id")
    counts = {}
    for email, expected in (("satu@example.id", 1), ("lima@example.id", 5)):
        client = app.test_client()
        response = client.post("/api/v1/tokens", json={"email": email, "password": PASSWORD})
        assert response.status_code == 201, response.text
        headers = {"Authorization": f"Bearer {response.json['token']}"}
        client.get("/api/v1/matches", headers=headers)  # warm-up
        with counted_statements(app) as counter:
            body = client.get("/api/v1/matches", headers=headers).get_json()
        assert len(body["items"]) == expected
        counts[email] = counter["n"]
    assert counts["satu@example.id"] == counts["lima@example.id"], counts
