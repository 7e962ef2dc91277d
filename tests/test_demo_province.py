"""The demo seeds two kabupaten/kota of Bangka Belitung (issue 15): each with its staff,
children and letterhead, a sponsor with children in both, and a provincial officer."""

from sqlalchemy import func, select

from asuh.accounts.models import User
from asuh.children.models import Child
from asuh.extensions import db
from asuh.matching.models import Match
from asuh.settings import services as settings
from asuh.sponsors.models import Sponsor
from tests.conftest import sign_in


def test_demo_has_two_cities_a_cross_city_sponsor_and_a_provincial_officer(app, runner):
    from asuh.demo import DEMO_PASSWORD, DEMO_SCOPES

    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    assert "provinsi@demo.asuh.id" in result.output
    assert "petugas.bangka@demo.asuh.id" in result.output
    with app.app_context():
        scopes = dict(db.session.execute(select(User.email, User.scope_code)).all())
        assert {email: scopes[email] for email in DEMO_SCOPES} == DEMO_SCOPES
        assert scopes["provinsi@demo.asuh.id"] == "19"
        # One labelled expression for SELECT and GROUP BY: PostgreSQL does not see two
        # substr() calls with separately bound arguments as the same expression.
        city = func.substr(Child.kelurahan_code, 1, 5).label("city")
        cities = dict(db.session.execute(
            select(city, func.count()).group_by(city)).all())
        assert set(cities) == {"19.71", "19.01"}
        own = db.session.scalar(select(Sponsor).join(User, User.id == Sponsor.user_id)
                                .where(User.email == "sponsor@demo.asuh.id"))
        their_cities = set(db.session.scalars(
            select(func.substr(Child.kelurahan_code, 1, 5))
            .join(Match, Match.child_id == Child.id).where(Match.sponsor_id == own.id)))
        assert their_cities == {"19.71", "19.01"}
        kota, kab = settings.for_city("19.71"), settings.for_city("19.01")
        assert kota["city_name"] == "Pemerintah Kota Pangkalpinang"
        assert kab["city_name"] == "Pemerintah Kabupaten Bangka"
        assert kota["letter_number_pattern"] != kab["letter_number_pattern"]
        assert kab["province_package"] == {"eggs": 30}
        # A kabupaten's own catalogue addition, offered only for its children (issue 15).
        from asuh.contributions import catalogue, catalogue_cities

        assert catalogue.commodity_by_code("ikan_teri").city_code == "19.01"
        assert "ikan_teri" in {c.code for c in catalogue_cities.offered("19.01")}
        assert "ikan_teri" not in {c.code for c in catalogue_cities.offered("19.71")}
    client = app.test_client()
    assert sign_in(client, "provinsi@demo.asuh.id", DEMO_PASSWORD).status_code == 302
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert "Kota Pangkalpinang" in page.text and "Kabupaten Bangka" in page.text
