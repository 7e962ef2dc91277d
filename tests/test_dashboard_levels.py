"""Figures at every level (issue 15): the province, a kabupaten/kota, a kecamatan and a
kelurahan share one definition, so the province's figures are the sum of its cities'
and a city's the sum of its kecamatan's; each viewer sees only their scope."""

import pytest

from asuh import timeutil
from asuh.dashboard import cache, services
from asuh.dashboard.periods import DashboardFilters, add_months, default_filters, first_of_month
from asuh.extensions import db
from tests.conftest import PASSWORD
from tests.provcity import (
    KAB,
    KAB_KEL,
    KAB_KEL_2,
    KOTA,
    KOTA_KEL,
    KOTA_KEL_2,
    PROVINCE,
    city_scene,
    load_province,
    staff,
)

SUMMED = ("stunted_children", "severely_stunted_children", "matched_children",
          "unmatched_children", "deliveries_period", "value_idr_period",
          "deliveries_last_month", "value_idr_last_month", "goods_value_idr_period",
          "cash_value_idr_period", "outcome_children", "improved_children")


def _figures(region):
    this_month = first_of_month(timeutil.today())
    # Three months: last month's deliveries count whatever month the suite runs in.
    return services.dashboard(DashboardFilters(add_months(this_month, -2), this_month, None,
                                               {}, region))


def _sum(areas):
    totals = {key: sum(a[key] for a in areas) for key in SUMMED}
    totals["active_sponsors"] = sum(a["active_sponsors"]["total"] for a in areas)
    return totals


def _headline(data):
    h = data["headline"]
    return {**{key: h[key] for key in SUMMED}, "active_sponsors": h["active_sponsors"]["total"]}


@pytest.fixture
def province(app):
    # Its own app context: the page and API tests hold none across requests.
    with app.app_context():
        load_province()
        cache.clear()
        for kelurahan in (KOTA_KEL, KOTA_KEL, KOTA_KEL_2, KAB_KEL, KAB_KEL_2, KAB_KEL):
            city_scene(kelurahan)
        db.session.commit()


def test_province_equals_the_sum_of_its_cities_and_city_of_its_kecamatan(app_ctx, province):
    whole = _figures(PROVINCE)
    assert whole["area_level"] == "kabupaten"
    assert {a["code"] for a in whole["areas"]} >= {KOTA, KAB}
    assert _headline(whole) == _sum(whole["areas"])
    cities = [_figures(code) for code in (a["code"] for a in whole["areas"])]
    assert _headline(whole) == _sum([c["headline"] for c in cities])
    assert whole["headline"]["matched_children"] == 6
    assert whole["headline"]["deliveries_period"] == 6
    for city in (KOTA, KAB):
        data = _figures(city)
        assert data["area_level"] == "kecamatan"
        assert _headline(data) == _sum(data["areas"]), city
        kecamatan = [_figures(a["code"]) for a in data["areas"]]
        assert _headline(data) == _sum([k["headline"] for k in kecamatan]), city
    assert _figures(KOTA)["headline"]["matched_children"] == 3
    assert _figures(KAB)["headline"]["matched_children"] == 3
    kelurahan = _figures(KOTA_KEL)
    assert kelurahan["area_level"] == "kelurahan"
    assert kelurahan["headline"]["matched_children"] == 2


def test_a_viewer_sees_their_scope_by_default(app_ctx, province):
    city = services.dashboard(default_filters(), KAB)
    assert city["region"]["code"] == KAB
    assert city["headline"]["matched_children"] == 3
    assert services.dashboard(default_filters(), PROVINCE)["headline"]["matched_children"] == 6


def _token(client, email):
    response = client.post("/api/v1/tokens", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json['token']}"}


def test_stats_api_at_every_level_within_scope(app, client, province):
    with app.app_context():
        emails = {"prov": staff("officer", PROVINCE).email, "kab": staff("officer", KAB).email}
        db.session.commit()
    prov, kab = _token(client, emails["prov"]), _token(client, emails["kab"])
    whole = client.get("/api/v1/stats?region_code=19", headers=prov).json
    assert whole["region"] == {"code": PROVINCE, "name": "Kepulauan Bangka Belitung",
                               "level": "provinsi"}
    assert whole["area_level"] == "kabupaten"
    cities = [client.get(f"/api/v1/stats?region_code={a['code']}", headers=prov).json
              for a in whole["areas"]]
    for key in SUMMED:
        assert whole["headline"][key] == sum(c["headline"][key] for c in cities), key
    own = client.get("/api/v1/stats", headers=kab).json
    assert own["region"]["code"] == KAB and own["headline"]["matched_children"] == 3
    kecamatan = client.get("/api/v1/stats?region_code=19.01.01", headers=kab).json
    assert kecamatan["area_level"] == "kelurahan"
    # Another city's figures do not exist for a city's officer.
    assert client.get("/api/v1/stats?region_code=19.71", headers=kab).status_code == 422
    assert client.get("/api/v1/stats?kecamatan_code=19.71.01", headers=kab).status_code == 422
    assert client.get("/api/v1/stats?region_code=19", headers=kab).status_code == 422


def test_dashboard_page_offers_the_cities_to_a_provincial_officer(app, client, province):
    with app.app_context():
        email = staff("officer", PROVINCE).email
        db.session.commit()
    client.post("/login", data={"email": email, "password": PASSWORD})
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert "Per kabupaten/kota" in page.text and "Kabupaten Bangka" in page.text
    city = client.get("/dashboard?region_code=19.01")
    assert "Per kecamatan" in city.text and "Sungailiat" in city.text
