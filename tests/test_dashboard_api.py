"""GET /api/v1/stats: the dashboard's figures for programs."""

from datetime import date

import pytest

from asuh import timeutil
from asuh.accounts.models import User
from asuh.dashboard import services
from asuh.dashboard.periods import DashboardFilters
from asuh.extensions import db
from tests import factories


@pytest.fixture
def scene(app, users, regions):
    with app.app_context():
        ids = factories.dashboard_scene(db.session.get(User, users["admin"][0]))
        db.session.commit()
        return ids


def test_stats_equal_the_dashboard(app, client, api_token, scene):
    start = factories.month_day(5, 1).replace(day=1)
    response = client.get(f"/api/v1/stats?period_start={start:%Y-%m}&period_end="
                          f"{timeutil.today():%Y-%m-%d}", headers=api_token("auditor"))
    assert response.status_code == 200, response.text
    body = response.json
    with app.app_context():
        data = services.dashboard(DashboardFilters(start, timeutil.today().replace(day=1)))
    assert body["headline"] == data["headline"]
    assert body["period"]["start"] == start.isoformat()
    assert body["period"]["end"] == data["period"]["last_day"].isoformat()
    assert len(body["period"]["months"]) == 6
    assert body["outcomes"]["sponsored"]["transitions"] == \
        data["outcomes"]["sponsored"]["transitions"]
    rice = next(c for c in body["commodities"] if c["code"] == "rice")
    expected = next(c for c in data["commodities"] if c["code"] == "rice")
    assert rice["quantity_period"] == f"{expected['quantity_period'].normalize():f}"
    assert rice["unit"] == "kg"
    assert [c["code"] for c in body["cash"]] == ["cash"]
    assert body["area_level"] == "kecamatan" and len(body["areas"]) == 7


def test_stats_for_one_kecamatan(client, api_token, scene):
    body = client.get("/api/v1/stats?kecamatan_code=19.71.02",
                      headers=api_token("officer")).json
    assert body["kecamatan_code"] == "19.71.02"
    assert body["area_level"] == "kelurahan"
    assert all(a["code"].startswith("19.71.02.") for a in body["areas"])
    assert body["headline"]["active_sponsors"] == {"asn": 0, "citizen": 1, "total": 1}


def test_default_period_is_the_year_to_date(client, api_token, regions):
    body = client.get("/api/v1/stats", headers=api_token("admin")).json
    today = timeutil.today()
    assert body["period"]["start"] == date(today.year, 1, 1).isoformat()
    assert body["period"]["months"][-1] == f"{today:%Y-%m}"


@pytest.mark.parametrize(("query", "field"), [
    ("period_start=2026-13", "period_start"),
    ("period_start=2026-06&period_end=2026-01", "period_end"),
    ("kecamatan_code=19.99.99", "kecamatan_code"),
    ("period_start=2000-01&period_end=2026-01", "period_start"),
])
def test_bad_parameters_are_422(client, api_token, regions, query, field):
    response = client.get(f"/api/v1/stats?{query}", headers=api_token("officer"))
    assert response.status_code == 422
    assert field in response.json["errors"]


@pytest.mark.parametrize("role", ["field", "sponsor"])
def test_stats_need_the_dashboard_permission(client, api_token, regions, role):
    assert client.get("/api/v1/stats", headers=api_token(role)).status_code == 403
    assert client.get("/api/v1/stats").status_code == 401


def test_stats_report_goods_and_cash_apart(client, api_token, scene):
    """Issue 11: the headline and every area give the goods' value and the cash apart,
    and the two make up value_idr_*, which stays the published total."""
    start = factories.month_day(5, 1).replace(day=1)
    body = client.get(f"/api/v1/stats?period_start={start:%Y-%m}",
                      headers=api_token("admin")).json
    cash = next(c for c in body["cash"] if c["code"] == "cash")
    for figures in (body["headline"], *body["areas"]):
        for span in ("period", "last_month"):
            assert (figures[f"goods_value_idr_{span}"] + figures[f"cash_value_idr_{span}"]
                    == figures[f"value_idr_{span}"]), (figures.get("code"), span)
    headline = body["headline"]
    assert headline["cash_value_idr_period"] == cash["value_idr_period"] > 0
    assert headline["goods_value_idr_period"] == sum(
        c["value_idr_period"] for c in body["commodities"]) > 0
    assert sum(a["cash_value_idr_period"] for a in body["areas"]) == cash["value_idr_period"]
