"""The children list's place filters go by level (issue 16): a province's officer chooses a
kabupaten/kota, then one of its kecamatan, then one of its kelurahan; no page lists the
province's kelurahan. Plain GET, no script needed."""

import re

import pytest

from asuh.extensions import db
from tests import factories
from tests.conftest import sign_in
from tests.provcity import KAB, KAB_KEL, KOTA, KOTA_KEL, KOTA_KEL_2, PROVINCE, load_province, staff


@pytest.fixture
def province(app):
    with app.app_context():
        load_province()
        officer = staff("officer", PROVINCE)
        city_officer = staff("officer", KOTA)
        for name, kelurahan in (("Anak Kota Satu", KOTA_KEL), ("Anak Kota Dua", KOTA_KEL_2),
                                ("Anak Kabupaten", KAB_KEL)):
            factories.child(name=name, kelurahan_code=kelurahan, confirm_nik_warnings=True)
        db.session.commit()
        return {"province": officer.email, "city": city_officer.email}


def _options(html: str, select_id: str) -> list[str]:
    match = re.search(rf'<select id="{select_id}".*?</select>', html, re.S)
    if match is None:
        return []
    return [value for value in re.findall(r'<option value="([^"]*)"', match.group(0)) if value]


def _signed_in(app, email):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def test_province_officer_chooses_level_by_level(app, province):
    client = _signed_in(app, province["province"])
    first = client.get("/children").text
    cities = _options(first, "city_code")
    assert KOTA in cities and KAB in cities
    assert _options(first, "kecamatan_code") == [] and _options(first, "kelurahan_code") == []
    assert "Pilih kabupaten/kota dulu" in first
    assert all(name in first for name in ("Anak Kota Satu", "Anak Kota Dua", "Anak Kabupaten"))

    city = client.get(f"/children?city_code={KOTA}").text
    kecamatan = _options(city, "kecamatan_code")
    assert kecamatan and all(code.startswith(KOTA + ".") for code in kecamatan)
    assert _options(city, "kelurahan_code") == []
    assert "Anak Kota Satu" in city and "Anak Kabupaten" not in city

    chosen = client.get(f"/children?city_code={KOTA}&kecamatan_code={KOTA_KEL[:8]}").text
    kelurahan = _options(chosen, "kelurahan_code")
    assert KOTA_KEL in kelurahan and all(code.startswith(KOTA_KEL[:8] + ".")
                                         for code in kelurahan)
    assert "Anak Kota Satu" in chosen and "Anak Kota Dua" not in chosen


def test_a_kecamatan_of_another_city_is_dropped_not_combined(app, province):
    client = _signed_in(app, province["province"])
    # The city was changed and the old kecamatan kept: the list is the new city's.
    page = client.get(f"/children?city_code={KAB}&kecamatan_code={KOTA_KEL[:8]}").text
    assert "Anak Kabupaten" in page and "Anak Kota Satu" not in page
    assert 'selected>' not in re.search(r'<select id="kecamatan_code".*?</select>', page,
                                        re.S).group(0)


def test_a_dashboard_link_by_kelurahan_names_its_kecamatan_and_city(app, province):
    client = _signed_in(app, province["province"])
    page = client.get(f"/children?kelurahan_code={KOTA_KEL}").text
    assert "Anak Kota Satu" in page and "Anak Kota Dua" not in page
    assert f'<option value="{KOTA}" selected' in page
    assert f'<option value="{KOTA_KEL[:8]}" selected' in page
    assert f'<option value="{KOTA_KEL}" selected' in page


def test_city_officer_starts_at_their_kecamatan_and_never_sees_another_city(app, province):
    client = _signed_in(app, province["city"])
    page = client.get("/children").text
    assert _options(page, "city_code") == []  # one city: already chosen
    assert all(code.startswith(KOTA + ".") for code in _options(page, "kecamatan_code"))
    assert "Anak Kota Satu" in page and "Anak Kabupaten" not in page
    # Another city asked for by hand: still only their own children.
    other = client.get(f"/children?city_code={KAB}&kecamatan_code={KAB_KEL[:8]}").text
    assert "Anak Kabupaten" not in other
    assert client.get(f"/children?kelurahan_code={KAB_KEL}").text.count("Anak Kabupaten") == 0


def test_the_pager_keeps_the_city(app, province):
    with app.app_context():
        for n in range(30):
            factories.child(name=f"Anak Banyak {n:02d}", kelurahan_code=KOTA_KEL_2,
                            confirm_nik_warnings=True)
        db.session.commit()
    client = _signed_in(app, province["province"])
    page = client.get(f"/children?city_code={KOTA}").text
    following = re.search(r'<a href="([^"]*)" rel="next"', page).group(1)
    assert f"city_code={KOTA}" in following and "page=2" in following
    second = client.get(f"/children?city_code={KOTA}&page=2").text
    assert "Anak Kabupaten" not in second and "Anak Banyak" in second


@pytest.mark.parametrize("scope", [PROVINCE, KOTA, KAB, None])
def test_the_list_scope_by_code_is_the_scope_by_region(app, province, scope):
    """The list tests a scope on the child's code; it must be exactly the children the
    regions say (visibility.visible_condition), for a province, each city and no scope."""
    from sqlalchemy import select

    from asuh.children.models import Child
    from asuh.children.visibility import visible_condition, visible_condition_by_code

    with app.app_context():
        user = staff("officer" if scope else "admin", scope)

        def ids(condition):
            stmt = select(Child.id)
            return set(db.session.scalars(stmt if condition is None else stmt.where(condition)))

        by_code, by_region = ids(visible_condition_by_code(user)), ids(visible_condition(user))
        assert by_code == by_region and by_code
