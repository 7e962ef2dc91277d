"""Matching pages: the waiting list, pairing, ending, history on the child and sponsor
pages, the list filters, and the sponsor's own children."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from asuh.accounts.models import User
from asuh.children.models import Child
from asuh.extensions import db
from asuh.matching.models import Match
from asuh.sponsors.models import Sponsor
from tests import factories
from tests.clock import SUITE_DAY

TODAY = SUITE_DAY


@pytest.fixture
def pair_data(app, regions):
    """A waiting stunted child, a sponsor nearby and one elsewhere."""
    with app.app_context():
        child = factories.child(name="Sari Wulandari")
        factories.measurement(child)  # 72 cm at 400 days: stunted
        young = factories.child(name="Dewi Anggraini", birth_date=TODAY - timedelta(days=100))
        near = factories.sponsor(name="Ibu Ratna", capacity=2)
        far = factories.sponsor(name="Pak Joko", kelurahan_code="19.71.02.1001")
        db.session.commit()
        return {"child": child.id, "young": young.id, "near": near.id, "far": far.id}


def test_waiting_list_in_priority_order(client, login, pair_data):
    login("officer")
    text = client.get("/matching").text
    # Only stunted children wait (issue 11): the unmeasured younger one is not listed.
    assert "Sari Wulandari" in text and "Dewi Anggraini" not in text
    assert f"/matching/children/{pair_data['child']}" in text
    assert "Pemasangan otomatis" in text


def test_auditor_reads_the_list_without_actions(client, login, pair_data):
    login("auditor")
    text = client.get("/matching").text
    assert "Sari Wulandari" in text
    assert "/matching/children/" not in text and "Pemasangan otomatis" not in text
    assert client.get(f"/matching/children/{pair_data['child']}").status_code == 403


def test_empty_waiting_list(client, login, regions):
    login("officer")
    assert "Semua anak aktif sudah memiliki Bapak/Bunda Asuh" in client.get("/matching").text


def test_pairing_page_suggests_nearest_and_creates(app, client, login, pair_data):
    login("officer")
    url = f"/matching/children/{pair_data['child']}"
    text = client.get(url).text
    assert text.index("Ibu Ratna") < text.index("Pak Joko")
    assert "Kelurahan yang sama" in text and "Kecamatan lain" in text
    response = client.post(url, data={"sponsor_id": pair_data["near"],
                                      "start_date": TODAY.isoformat(), "note": "Lewat kader"})
    assert response.status_code == 302
    with app.app_context():
        match = db.session.scalar(select(Match))
        assert (match.sponsor_id, match.child_id, match.note) == (
            pair_data["near"], pair_data["child"], "Lewat kader")
        assert db.session.get(Child, pair_data["child"]).is_matched
    # Back on the page: the child is taken, no form.
    text = client.get(url).text
    assert "sudah diasuh Ibu Ratna" in text and 'name="sponsor_id"' not in text


def test_pairing_errors_stay_in_the_form(app, client, login, pair_data):
    login("officer")
    url = f"/matching/children/{pair_data['child']}"
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    response = client.post(url, data={"sponsor_id": pair_data["near"], "start_date": tomorrow,
                                      "note": "catatan saya"})
    assert response.status_code == 200
    assert "Tanggal mulai tidak boleh di masa depan." in response.text
    assert "catatan saya" in response.text and tomorrow in response.text
    missing = client.post(url, data={"start_date": TODAY.isoformat()})
    assert "Pilih Bapak/Bunda Asuh." in missing.text
    with app.app_context():
        sponsor = db.session.get(Sponsor, pair_data["far"])
        factories.match(sponsor)
        db.session.commit()
    full = client.post(url, data={"sponsor_id": pair_data["far"],
                                  "start_date": TODAY.isoformat()})
    assert full.status_code == 200 and "Kuota Bapak/Bunda Asuh ini sudah penuh." in full.text
    with app.app_context():
        assert db.session.get(Child, pair_data["child"]).is_matched is False


def test_end_a_match_from_its_page(app, client, login, pair_data):
    with app.app_context():
        match = factories.match(db.session.get(Sponsor, pair_data["near"]),
                                db.session.get(Child, pair_data["child"]),
                                start_on=TODAY - timedelta(days=20))
        db.session.commit()
        match_id = match.id
    login("officer")
    page = client.get(f"/matches/{match_id}").text
    assert "Akhiri pengasuhan" in page and "data-confirm=" in page
    bad = client.post(f"/matches/{match_id}/end",
                      data={"reason": "other", "ended_on": TODAY.isoformat()})
    assert bad.status_code == 200 and "Jelaskan alasannya" in bad.text
    done = client.post(f"/matches/{match_id}/end",
                       data={"reason": "child_graduated", "ended_on": TODAY.isoformat()},
                       follow_redirects=True)
    assert "Anak lulus (tidak stunting lagi)" in done.text
    assert "Akhiri pengasuhan" not in done.text
    twice = client.post(f"/matches/{match_id}/end",
                        data={"reason": "moved", "ended_on": TODAY.isoformat()},
                        follow_redirects=True)
    assert "Pengasuhan ini sudah berakhir." in twice.text
    listed = client.get("/matches?active=no").text
    assert "Sari Wulandari" in listed
    assert "Sari Wulandari" not in client.get("/matches").text  # default: running ones


def test_history_on_child_and_sponsor_pages(app, client, login, pair_data):
    with app.app_context():
        child = db.session.get(Child, pair_data["child"])
        old = factories.match(db.session.get(Sponsor, pair_data["far"]), child,
                              start_on=TODAY - timedelta(days=60))
        from asuh.matching.services import end_match

        end_match(old, reason="sponsor_withdrew", ended_on=TODAY - timedelta(days=10))
        factories.match(db.session.get(Sponsor, pair_data["near"]), child)
        db.session.commit()
    login("officer")
    child_page = client.get(f"/children/{pair_data['child']}").text
    assert "Diasuh <strong>Ibu Ratna</strong>" in child_page
    assert "Pak Joko" in child_page and "Bapak/Bunda Asuh mengundurkan diri" in child_page
    sponsor_page = client.get(f"/sponsors/{pair_data['far']}").text
    assert "Anak asuh" in sponsor_page and "Sari Wulandari" in sponsor_page
    assert "Mengasuh 0 dari 1 anak" in sponsor_page
    waiting = client.get(f"/children/{pair_data['young']}").text
    assert "Belum memiliki Bapak/Bunda Asuh" in waiting
    assert f"/matching/children/{pair_data['young']}" in waiting


def test_field_staff_see_the_child_but_not_the_matches(app, client, login, users, pair_data):
    with app.app_context():
        from asuh.regions.services import assign_kelurahan

        assign_kelurahan(db.session.get(User, users["field"][0]), [factories.KELURAHAN],
                         actor=None)
        factories.match(db.session.get(Sponsor, pair_data["near"]),
                        db.session.get(Child, pair_data["child"]))
        db.session.commit()
    login("field")
    page = client.get(f"/children/{pair_data['child']}")
    assert page.status_code == 200 and "Ibu Ratna" not in page.text
    assert client.get("/matching").status_code == 403


def test_list_filters_on_matched_children_and_busy_sponsors(app, client, login, pair_data):
    with app.app_context():
        factories.match(db.session.get(Sponsor, pair_data["near"]),
                        db.session.get(Child, pair_data["child"]))
        db.session.commit()
    login("officer")
    matched = client.get("/children?matched=yes").text
    assert "Sari Wulandari" in matched and "Dewi Anggraini" not in matched
    unmatched = client.get("/children?matched=no").text
    assert "Sari Wulandari" not in unmatched and "Dewi Anggraini" in unmatched
    assert 'value="yes" selected' in matched
    busy = client.get("/sponsors?children=yes").text
    assert "Ibu Ratna" in busy and "Pak Joko" not in busy
    idle = client.get("/sponsors?children=no").text
    assert "Ibu Ratna" not in idle and "Pak Joko" in idle


# --- the sponsor's own children --------------------------------------------------------


@pytest.fixture
def sponsored(app, regions, client):
    """A sponsor login with one active and one ended match, and a child of someone else."""
    with app.app_context():
        from asuh.sponsors.services import approve_sponsor

        # Self-registered (so the login has the test password), then approved.
        sponsor = factories.sponsor(name="Ibu Ratna", capacity=3, approved=False)
        approve_sponsor(sponsor, actor=None)
        user = db.session.get(User, sponsor.user_id)
        mine = factories.child(name="Putri Ayu", guardian_name="Ibu Sumarni",
                               address="Jl. Kenanga No. 7")
        factories.measurement(mine)
        ended = factories.child(name="Rudi Hartono")
        old = factories.match(sponsor, ended, start_on=TODAY - timedelta(days=40))
        from asuh.matching.services import end_match

        end_match(old, reason="moved", ended_on=TODAY - timedelta(days=5))
        factories.match(sponsor, mine)
        other = factories.child(name="Lain Orang")
        factories.match(factories.sponsor(), other)
        db.session.commit()
        from tests.conftest import sign_in

        assert sign_in(client, user.email).status_code == 302
        return {"mine": mine.id, "ended": ended.id, "other": other.id}


def test_sponsor_sees_their_active_children(client, sponsored):
    page = client.get("/me/children")
    assert page.status_code == 200
    text = page.text
    assert "Putri" in text and "Putri Ayu" not in text           # first name only
    assert "Ibu Sumarni" in text and "Jl. Kenanga No. 7" in text  # to deliver
    assert "1 tahun 1 bulan" in text and "Pendek" in text
    assert f"/me/children/{sponsored['mine']}/growth.svg" in text
    assert "Rudi" not in text and "Lain" not in text
    chart = client.get(f"/me/children/{sponsored['mine']}/growth.svg")
    assert chart.status_code == 200 and chart.mimetype == "image/svg+xml"


def test_sponsor_cannot_reach_other_children(client, sponsored):
    for child_id in (sponsored["other"], sponsored["ended"]):
        assert client.get(f"/me/children/{child_id}/growth.svg").status_code == 403
        assert client.get(f"/children/{child_id}/growth.svg").status_code == 403
        assert client.get(f"/children/{child_id}").status_code == 403
    assert client.get("/me/children/999999/growth.svg").status_code == 404
    assert client.get("/matching").status_code == 403
    assert client.get("/matches").status_code == 403


def test_sponsor_without_children_or_record(app, client, login, regions):
    login("sponsor")  # a sponsor login with no sponsor record
    assert "Belum ada data Bapak/Bunda Asuh" in client.get("/me/children").text
    with app.app_context():
        factories.sponsor(approved=False, email="baru@example.id")
        db.session.commit()
    other = app.test_client()
    from tests.conftest import sign_in

    sign_in(other, "baru@example.id")
    assert "menunggu persetujuan" in other.get("/me/children").text


def test_nav_links(client, login, regions):
    login("sponsor")
    assert "/me/children" in client.get("/home").text
    client.post("/logout")
    login("officer")
    home = client.get("/home").text
    assert 'href="/matching"' in home and 'href="/matches"' in home
