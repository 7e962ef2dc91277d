"""Name search (?q=) on every officer list: matches, deliveries, letters, sponsors,
children. Names match by part, in any case; % and _ are letters, not wildcards."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asuh.accounts.models import User
from asuh.extensions import db
from asuh.matching import queries
from asuh.matching.models import Match
from tests import factories

NAMES = {"mine": ("Siti Rahmawati", "Muhammad Fajar"),
         "other": ("Budi 100% Santoso", "Muhammad_Rizki")}


@pytest.fixture
def scene(app, users, regions):
    with app.app_context():
        admin = db.session.get(User, users["admin"][0])
        factories.catalogue()
        made = {}
        for key, (sponsor_name, child_name) in NAMES.items():
            match = factories.match(factories.sponsor(name=sponsor_name, actor=admin),
                                    factories.child(name=child_name, actor=admin),
                                    actor=admin)
            confirmed = factories.contribution(match, actor=admin, status="confirmed")
            from asuh.letters import services as letters

            letters.issue_letter("handover_receipt", contribution_id=confirmed.id,
                                 actor=admin)
            made[key] = match.id
        db.session.commit()
        return made


# Which names each list searches: its own subject's, and both sides of a pair.
SEARCHED = {"/matches?active=all": ("sponsor", "child"), "/contributions": ("sponsor", "child"),
            "/letters": ("sponsor",), "/sponsors": ("sponsor",), "/children": ("child",)}


@pytest.mark.parametrize("url", SEARCHED)
def test_every_officer_list_searches_names(client, login, scene, url):
    login("officer")
    sep = "&" if "?" in url else "?"
    if "sponsor" in SEARCHED[url]:
        page = client.get(f"{url}{sep}q=rahma").text
        assert "Siti Rahmawati" in page and "Budi 100% Santoso" not in page
        # "%" is a letter typed, not a wildcard.
        page = client.get(f"{url}{sep}q=100%25").text
        assert "Budi 100% Santoso" in page and "Siti Rahmawati" not in page
    if "child" in SEARCHED[url]:
        page = client.get(f"{url}{sep}q=FAJAR").text
        assert "Muhammad Fajar" in page and "Muhammad_Rizki" not in page


def test_the_search_is_kept_on_the_page(client, login, scene):
    login("officer")
    for url in ("/matches", "/contributions"):
        assert 'value="rahma"' in client.get(f"{url}?q=rahma").text


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet="aiMmhu%_ 0", max_size=5))
def test_matches_found_are_those_whose_names_contain_the_text(app, scene, q):
    with app.app_context():
        admin = db.session.scalar(db.select(User).where(User.role == "admin"))
        found = {m.id for m in db.session.scalars(queries.matches_query(admin, q=q))}
        expected = set()
        wanted = " ".join(q.split()).lower()
        for match in db.session.scalars(db.select(Match)):
            names = (match_sponsor_name(match), match_child_name(match))
            if any(wanted in name.lower() for name in names):
                expected.add(match.id)
        assert found == expected


def match_sponsor_name(match) -> str:
    from asuh.sponsors.models import Sponsor

    return db.session.get(Sponsor, match.sponsor_id).name


def match_child_name(match) -> str:
    from asuh.children.models import Child

    return db.session.get(Child, match.child_id).name
