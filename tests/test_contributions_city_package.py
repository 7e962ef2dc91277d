"""Each match owes its child's kabupaten/kota's monthly package (issue 15): a city sets its
own, so the same delivery is enough in one city and short in another, and the "behind"
list agrees with the progress shown, city by city."""

from decimal import Decimal

import pytest
from flask import render_template

from asuh import timeutil
from asuh.contributions import catalogue, progress
from asuh.contributions.totals import month_of
from asuh.extensions import db
from asuh.matching.models import Match
from asuh.settings import services as settings
from tests import factories
from tests.provcity import KAB, KAB_KEL, KOTA, KOTA_KEL, load_province

RICE_10_KG = {"commodity": "rice", "quantity": "2", "unit": "karung 5 kg",
              "value_idr": 150000}


@pytest.fixture
def two_cities(app_ctx):
    """Kota asks 10 kg of rice a month, Kabupaten 20 kg; one child in each, matched since
    before this month, each given 10 kg (confirmed) this month."""
    load_province()
    factories.catalogue()
    settings.update_region(KOTA, {"monthly_package": {"rice": 10}}, actor=None)
    settings.update_region(KAB, {"monthly_package": {"rice": 20}}, actor=None)
    today = timeutil.today()
    start = month_of(today).replace(year=today.year - 1)
    ids = {}
    for city, kelurahan in ((KOTA, KOTA_KEL), (KAB, KAB_KEL)):
        child = factories.child(kelurahan_code=kelurahan, confirm_nik_warnings=True)
        match = factories.match(factories.sponsor(kelurahan_code=kelurahan), child,
                                start_on=start)
        factories.contribution(match, delivered_on=month_of(today), items=[RICE_10_KG],
                               status="confirmed")
        ids[city] = match.id
    db.session.commit()
    return ids


def test_the_package_is_the_city_own(two_cities):
    assert catalogue.monthly_package(KOTA) == {"rice": Decimal(10)}
    assert catalogue.monthly_package(KAB_KEL) == {"rice": Decimal(20)}
    assert [line.package for line in progress.package_lines(KAB)] == [Decimal(20)]


def test_progress_and_behind_list_read_each_child_city_package(two_cities):
    month = month_of(timeutil.today())
    kota, kab = (db.session.get(Match, two_cities[c]) for c in (KOTA, KAB))
    assert progress.match_progress(kota, [month])[0].behind is False
    assert progress.match_progress(kab, [month])[0].lines[0].package == Decimal(20)
    assert progress.match_progress(kab, [month])[0].behind is True
    shown = progress.progress_for_matches([kota, kab], month)
    assert shown[kota.id].behind is False
    assert shown[kab.id].behind is True and shown[kab.id].lines[0].package == Decimal(20)
    behind = list(db.session.scalars(progress.behind_matches_query(month)).unique())
    assert [m.id for m in behind] == [kab.id]
    assert all(shown[m.id].behind for m in behind)  # the list and the page agree


def test_one_shared_package_needs_no_city_test(two_cities):
    settings.update_region(KAB, {"monthly_package": {"rice": 10}}, actor=None)
    db.session.commit()
    behind = list(db.session.scalars(
        progress.behind_matches_query(month_of(timeutil.today()))).unique())
    assert behind == []


def test_the_province_package_is_shown_apart_and_never_counted(app, two_cities):
    """Issue 15: the province gives its own package on top of the city's; the progress
    section names it apart, and a child who has the city's package is not "behind" for
    lack of the province's."""
    from asuh.matching.queries import get_match

    settings.update_region("19", {"province_package": {"eggs": 30}}, actor=None)
    db.session.commit()
    kota = get_match(two_cities[KOTA])
    assert [(line.code, line.package) for line in progress.province_package_lines(kota)] \
        == [("eggs", Decimal(30))]
    assert progress.match_progress(kota, [month_of(timeutil.today())])[0].behind is False
    with app.test_request_context():
        html = " ".join(render_template("contributions/_match_progress.html",
                                        match=kota).split())
    assert "Paket provinsi per anak per bulan, di luar paket kabupaten/kota: Telur 30" in html
    assert "Telur" not in html.split("Paket provinsi")[0]  # not a line of the city's


def test_the_behind_page_heads_with_the_officer_city_packages(app, two_cities, client):
    from tests.conftest import sign_in
    from tests.provcity import staff

    settings.update_region("19", {"province_package": {"eggs": 30}}, actor=None)
    officer = staff("officer", KAB)
    db.session.commit()
    sign_in(client, officer.email)
    page = " ".join(client.get("/contributions/behind").text.split())
    assert "Beras 20 kg per anak" in page
    assert "Paket provinsi per anak per bulan" in page and "Telur 30" in page
