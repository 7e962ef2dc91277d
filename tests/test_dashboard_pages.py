"""The dashboard page: who sees it, filters, links to the lists, charts without scripts."""

import re

import pytest

from asuh import timeutil
from asuh.accounts.models import User
from asuh.extensions import db
from tests import factories


@pytest.fixture
def scene(app, users, regions):
    with app.app_context():
        ids = factories.dashboard_scene(db.session.get(User, users["admin"][0]))
        db.session.commit()
        return ids


@pytest.mark.parametrize("role", ["officer", "admin", "auditor"])
def test_staff_who_report_see_the_dashboard(client, login, scene, role):
    login(role)
    page = client.get("/dashboard")
    assert page.status_code == 200
    html = page.text
    assert "Dasbor program" in html
    assert "Penyaluran per komoditas" in html and "Perlu dikunjungi" in html
    assert html.count("<svg") >= 3  # commodity bars, coverage, outcomes


@pytest.mark.parametrize("role", ["field", "sponsor"])
def test_others_are_refused(client, login, scene, role):
    login(role)
    assert client.get("/dashboard").status_code == 403


def test_the_page_obeys_the_content_security_policy(client, login, scene):
    """No inline script or style: CSP is script-src 'self'; style-src 'self'."""
    login("officer")
    page = client.get("/dashboard")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    html = page.text
    assert " style=" not in html and "<style" not in html
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all("src=" in tag for tag in scripts)
    assert not re.search(r"<[^>]+\son[a-z]+=", html)


def test_headline_figures_and_links(client, login, scene):
    login("officer")
    start = factories.month_day(5, 1)
    end = timeutil.today()
    html = client.get(f"/dashboard?period_start={start:%Y-%m}&period_end={end:%Y-%m}").text
    assert 'href="/children?category=stunting"' in html
    assert 'href="/children?category=stunting&amp;matched=yes"' in html
    assert "/contributions?status=confirmed" in html
    assert "/sponsors?children=yes&amp;approved=yes" in html


def test_kecamatan_filter_shows_its_kelurahan(client, login, scene):
    login("officer")
    html = client.get("/dashboard?kecamatan_code=19.71.01").text
    assert "Kecamatan Bukit Intan" in html
    assert "Semabung Lama" in html and "Bacang" in html
    assert "kelurahan_code=19.71.01.1004" in html
    assert "Gabek" not in html.split("areas-heading")[1].split("</table>")[0]


def test_kecamatan_rows_link_to_the_filtered_dashboard(client, login, scene):
    login("officer")
    html = client.get("/dashboard").text
    assert "/dashboard?period_start=" in html and "kecamatan_code=19.71.02" in html


def test_bad_filters_fall_back_with_a_message(client, login, scene):
    login("officer")
    page = client.get("/dashboard?period_start=2026-13&period_end=x&kecamatan_code=99")
    assert page.status_code == 200
    assert "Bulan harus berformat YYYY-MM" in page.text
    assert "Kecamatan tidak dikenal" in page.text
    assert "Periode bawaan ditampilkan" in page.text
    reversed_page = client.get("/dashboard?period_start=2026-06&period_end=2026-01")
    assert "Akhir periode tidak boleh sebelum awalnya" in reversed_page.text


def test_followup_list_links_children_and_pages(client, login, scene):
    login("officer")
    html = client.get("/dashboard").text
    stalls = scene["children"]["stalls"]
    assert f'href="/children/{stalls}"' in html
    assert "Berat badan tidak naik" in html
    assert "Tidak ada penyaluran terkonfirmasi" in html
    assert client.get("/dashboard?followup_page=999").status_code == 200


def test_empty_city(client, login, regions):
    login("auditor")
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert "Tidak ada anak yang perlu dikunjungi" in page.text


def test_navigation_and_home_lead_to_the_dashboard_and_audit(app, client, login, regions):
    login("auditor")
    html = client.get("/home").text
    assert 'href="/dashboard"' in html and 'href="/audit"' in html
    officer = login("officer", app.test_client())
    html = officer.get("/home").text
    assert 'href="/dashboard"' in html and 'href="/audit"' not in html


def test_queries_do_not_grow_with_the_data(app, client, login, users, scene):
    """No N+1: the same number of queries for a small and a larger city."""
    from sqlalchemy import event

    from asuh.dashboard import cache

    login("officer")
    counted = []

    def count(*_args, **_kwargs):
        counted[-1] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        sizes = []
        for _ in range(2):
            cache.clear()
            counted.append(0)
            assert client.get("/dashboard").status_code == 200
            sizes.append(counted[-1])
            with app.app_context():
                admin = db.session.get(User, users["admin"][0])
                factories.dashboard_scene(admin)
                db.session.commit()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert sizes[0] == sizes[1] < 25
