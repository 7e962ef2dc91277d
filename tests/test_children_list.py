"""The children list: filters, search, pagination, empty state (pages and API alike)."""

from datetime import timedelta

import pytest

from asuh.extensions import db
from tests import factories
from tests.clock import SUITE_DAY

TODAY = SUITE_DAY


def names(client, query: str = "", headers=None) -> set[str]:
    if headers:
        response = client.get(f"/api/v1/children?{query}", headers=headers)
        assert response.status_code == 200, response.text
        return {c["name"] for c in response.json["items"]}
    text = client.get(f"/children?{query}").text
    return {n for n in ("Ani", "Budi", "Citra", "Dodi", "Eka") if f">{n}</a>" in text}


@pytest.fixture
def registry(app, regions):
    """Five children: categories, kecamatan, ages and statuses all differ."""
    with app.app_context():
        ani = factories.child(name="Ani", sex="P", birth_date=TODAY - timedelta(days=100))
        factories.measurement(ani, height_cm="53.0", weight_kg="4.6")  # severely stunted
        budi = factories.child(name="Budi", birth_date=TODAY - timedelta(days=400),
                               kelurahan_code="19.71.02.1001")
        factories.measurement(budi, height_cm="72.0", weight_kg="8.5")  # stunted
        citra = factories.child(name="Citra", sex="P", birth_date=TODAY - timedelta(days=800),
                                kelurahan_code="19.71.02.1002")
        factories.measurement(citra, height_cm="86.0", weight_kg="11.5",
                              position="standing")  # normal
        factories.child(name="Dodi", birth_date=TODAY - timedelta(days=1500))  # unmeasured
        from asuh.children.services import change_status

        eka = factories.child(name="Eka", birth_date=TODAY - timedelta(days=400))
        change_status(eka, "graduated", "Sudah tidak stunting")
        db.session.commit()


@pytest.mark.parametrize(("query", "expected"), [
    ("", {"Ani", "Budi", "Citra", "Dodi"}),                 # status defaults to active
    ("status=all", {"Ani", "Budi", "Citra", "Dodi", "Eka"}),
    ("status=graduated", {"Eka"}),
    ("category=severely_stunted", {"Ani"}),
    ("category=stunted", {"Budi"}),
    ("category=normal", {"Citra"}),
    ("category=unmeasured", {"Dodi"}),
    ("kecamatan_code=19.71.02", {"Budi", "Citra"}),
    ("kelurahan_code=19.71.02.1002", {"Citra"}),
    ("age_band=0-5", {"Ani"}),
    ("age_band=12-23", {"Budi"}),
    ("age_band=24-35", {"Citra"}),
    ("age_band=48-59", {"Dodi"}),
    ("age_band=6-11", set()),
    ("q=bud", {"Budi"}),
    ("q=CITRA", {"Citra"}),
    ("category=stunted&kecamatan_code=19.71.01", set()),
])
def test_filters_on_the_page_and_the_api(client, login, api_token, registry, query, expected):
    headers = api_token("officer")
    login("officer")
    assert names(client, query) == expected
    assert names(client, query, headers) == expected


def test_search_by_nik_for_officers(client, login, app, regions):
    with app.app_context():
        child = factories.child(name="Ani")
        nik = child.nik
        db.session.commit()
    login("officer")
    assert names(client, f"q={nik}") == {"Ani"}
    assert names(client, f"q={nik[-6:]}") == set()  # whole numbers only (issue 12)


def test_empty_state_and_bad_filters_on_the_page(client, login, regions, users):
    login("officer")
    page = client.get("/children?category=nonsense&age_band=99")
    assert page.status_code == 200
    assert "Tidak ada anak yang cocok" in page.text


def test_api_refuses_unknown_filters_and_page_sizes(client, api_token, regions):
    headers = api_token("officer")
    for query, field in (("category=nonsense", "category"), ("status=gone", "status"),
                         ("age_band=60-72", "age_band"), ("per_page=101", "per_page"),
                         ("per_page=0", "per_page"), ("page=0", "page")):
        response = client.get(f"/api/v1/children?{query}", headers=headers)
        assert response.status_code == 422, query
        assert field in response.json["errors"]


def test_pagination_keeps_the_filters(client, login, api_token, app, regions):
    with app.app_context():
        for n in range(27):
            factories.child(name=f"Anak {n:02d}", kelurahan_code="19.71.02.1001")
        factories.child(name="Lain", kelurahan_code="19.71.01.1004")
        db.session.commit()
    login("officer")
    first = client.get("/children?kecamatan_code=19.71.02").text
    assert "Halaman 1 dari 2 (27 data)" in first
    assert "page=2" in first and "kecamatan_code=19.71.02" in first
    second = client.get("/children?kecamatan_code=19.71.02&page=2").text
    assert "Anak 26" in second and "Anak 00" not in second and "Lain" not in second
    headers = api_token("officer")
    page = client.get("/api/v1/children?kecamatan_code=19.71.02&per_page=10&page=3",
                      headers=headers).json
    assert (page["page"], page["per_page"], page["total"]) == (3, 10, 27)
    assert [c["name"] for c in page["items"]] == [f"Anak {n}" for n in range(20, 27)]
