"""The kader's home: their kelurahan's "perlu dikunjungi" list, phones to tap."""

from datetime import timedelta

from asuh.accounts.models import User
from asuh.extensions import db
from asuh.regions.services import assign_kelurahan
from tests import factories
from tests.clock import SUITE_DAY

TODAY = SUITE_DAY


def _remeasure(kelurahan: str, name: str):
    """A child whose newest measurement is beyond WHO's limits: on the visit list."""
    child = factories.child(kelurahan_code=kelurahan, name=name,
                            guardian_phone="081234567890",
                            birth_date=TODAY - timedelta(days=400))
    factories.measurement(child, height_cm="55.0", weight_kg="8.5")
    assert child.needs_remeasure
    return child


def test_the_kader_lands_on_their_kelurahan_visits(app, client, login, users, regions):
    with app.app_context():
        assign_kelurahan(db.session.get(User, users["field"][0]), [factories.KELURAHAN],
                         actor=None)
        mine = _remeasure(factories.KELURAHAN, "Dina Kunjung")
        _remeasure(factories.OTHER_KELURAHAN, "Eko Jauh")
        mine_id = mine.id
        db.session.commit()
    login("field")
    assert client.get("/").headers["Location"] == "/home"
    page = client.get("/home").text
    assert "Perlu dikunjungi" in page
    assert "Dina Kunjung" in page and f"/children/{mine_id}" in page
    assert "Eko Jauh" not in page  # another kelurahan's child
    assert "Perlu diukur ulang" in page
    assert 'href="tel:+6281234567890"' in page
    assert 'href="/contributions/queue"' in page


def test_an_empty_list_says_so_and_officers_keep_the_dashboard(app, client, login, users,
                                                              regions):
    with app.app_context():
        assign_kelurahan(db.session.get(User, users["field"][0]), [factories.KELURAHAN],
                         actor=None)
        _remeasure(factories.OTHER_KELURAHAN, "Eko Jauh")
        db.session.commit()
    login("field")
    assert "Tidak ada anak di kelurahan Anda yang perlu dikunjungi" in client.get("/home").text
    officer = login("officer", app.test_client())
    assert "visits-heading" not in officer.get("/home").text
