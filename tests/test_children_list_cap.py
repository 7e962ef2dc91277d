"""The children list page stops counting at a cap (a province's list would count a million
rows on every page); the API's total stays exact."""

from asuh.children import services
from asuh.extensions import db
from tests import factories


def test_a_list_past_the_cap_says_more_than_and_every_page_is_reached(
        client, login, api_token, app, regions, monkeypatch):
    monkeypatch.setattr(services, "COUNT_CAP", 30)
    with app.app_context():
        for n in range(60):
            factories.child(name=f"Anak {n:02d}", kelurahan_code="19.71.02.1001")
        db.session.commit()
    login("officer")
    first = client.get("/children").text
    assert "Halaman 1 dari lebih dari 1 (lebih dari 30 data)" in first
    assert "page=2" in first
    # Past the cap: the count reaches the page asked for, and the last page ends the list.
    third = client.get("/children?page=3").text
    assert "Anak 50" in third and "Anak 49" not in third
    assert "Halaman 3 dari 3 (60 data)" in third and 'rel="next"' not in third
    headers = api_token("officer")
    assert client.get("/api/v1/children?per_page=10", headers=headers).json["total"] == 60


def test_a_list_under_the_cap_is_counted_exactly(client, login, app, regions):
    with app.app_context():
        for n in range(27):
            factories.child(name=f"Anak {n:02d}", kelurahan_code="19.71.02.1001")
        db.session.commit()
    login("officer")
    assert "Halaman 1 dari 2 (27 data)" in client.get("/children").text
