"""Deliveries per month against the monthly package: who is behind."""

from datetime import timedelta
from decimal import Decimal

import pytest
from flask import render_template

from asuh import timeutil
from asuh.accounts.models import User
from asuh.contributions import progress
from asuh.contributions.totals import month_of
from asuh.extensions import db
from asuh.matching.models import Match
from tests import factories

EGGS_TRAY = {"commodity": "eggs", "quantity": "1", "unit": "tray", "value_idr": 60000}


@pytest.fixture
def scene(app, users, regions):
    with app.app_context():
        return factories.contribution_scene(users)


def test_only_confirmed_deliveries_count_in_canonical_units(app, users, scene):
    today = timeutil.today()
    with app.app_context():
        officer = db.session.get(User, users["officer"][0])
        match = db.session.get(Match, scene["match"])
        factories.contribution(match, delivered_on=today, status="confirmed",
                               verifier=officer)  # 2 karung 5 kg = 10 kg
        factories.contribution(match, delivered_on=today, items=[EGGS_TRAY])  # pending
        factories.contribution(match, delivered_on=today, items=[EGGS_TRAY],
                               status="rejected", verifier=officer)
        factories.contribution(match, delivered_on=today, items=[EGGS_TRAY],
                               status="voided", verifier=officer)
        db.session.commit()
        months = progress.match_progress(match)
        assert [m.month for m in months] == progress.match_months(match)
        assert months[0].month == month_of(scene["start"])
        current = months[-1]
        assert current.month == month_of(today)
        lines = {line.code: line for line in current.lines}
        assert (lines["rice"].delivered, lines["rice"].package, lines["rice"].behind) == (
            Decimal("10.000"), Decimal(10), False)
        assert (lines["eggs"].delivered, lines["eggs"].behind) == (Decimal(0), True)
        assert current.behind
        assert all(m.behind for m in months[:-1])  # nothing confirmed in earlier months
        assert len(progress.match_progress(match, 1)) == 1
        only = progress.match_progress(match, [today])
        assert [m.month for m in only] == [month_of(today)]


def test_behind_page_lists_matches_short_of_the_package_this_month(app, client, login, users,
                                                                  scene):
    today = timeutil.today()
    with app.app_context():
        officer = db.session.get(User, users["officer"][0])
        mine = db.session.get(Match, scene["match"])
        for items in ([factories.RICE_2_KARUNG], [EGGS_TRAY]):
            factories.contribution(mine, delivered_on=today, items=items, status="confirmed",
                                   verifier=officer)
        other = db.session.get(Match, scene["other_match"])
        factories.contribution(other, delivered_on=today, status="confirmed",
                               verifier=officer)
        db.session.commit()
        behind = progress.behind_matches(today).items
        assert [m.id for m in behind] == [scene["other_match"]]
        last_month = month_of(today) - timedelta(days=1)
        assert {m.id for m in progress.behind_matches(last_month).items} == {
            scene["match"], scene["other_match"]}
    login("officer")
    page = client.get("/contributions/behind")
    assert page.status_code == 200
    assert "Telur: 0 dari 30 butir" in page.text and "Beras" not in page.text.split(
        "Kekurangan bulan ini")[1].split("Telur")[0]
    assert f"match_id={scene['other_match']}" in page.text
    assert f"match_id={scene['match']}\"" not in page.text
    assert login("field", app.test_client()).get("/contributions/behind").status_code == 403
    assert login("sponsor", app.test_client()).get("/contributions/behind").status_code == 403


def test_package_setting_drives_behind(app, users, scene):
    from asuh.contributions.catalogue import update_monthly_package

    with app.app_context():
        admin = db.session.get(User, users["admin"][0])
        update_monthly_package({"rice": "", "eggs": ""}, actor=admin)
        db.session.commit()
        assert progress.behind_matches(timeutil.today()).items == []
        update_monthly_package({"honey": "250"}, actor=admin)
        db.session.commit()
        assert len(progress.behind_matches(timeutil.today()).items) == 2


def test_progress_shows_on_the_sponsor_page(app, client, login, scene):
    login("officer")
    page = client.get(f"/sponsors/{scene['sponsor']}").text
    assert "Penyaluran per bulan untuk" in page and "Beras" in page and "Kurang" in page
    assert f"/contributions?match_id={scene['match']}" in page


def test_progress_include_renders_for_a_match(app, scene):
    from asuh.matching.queries import get_match

    with app.app_context(), app.test_request_context():
        html = render_template("contributions/_match_progress.html",
                               match=get_match(scene["match"]))
        assert "Penyaluran per bulan" in html and "Beras" in html and "Kurang" in html


def test_sponsor_sees_this_months_progress_on_their_page(app, client, login, users, scene):
    with app.app_context():
        factories.contribution(db.session.get(Match, scene["match"]),
                               delivered_on=timeutil.today(), status="confirmed",
                               verifier=db.session.get(User, users["officer"][0]))
        db.session.commit()
    login("sponsor")
    page = client.get("/me/contributions").text
    assert "10 kg" in page and "Cukup" in page and "Kurang" in page


def test_behind_list_prorates_a_match_begun_inside_the_month(app, users, scene):
    """Issue 11: a match begun on the 16th owes that share of the month's package, by
    days, in the behind list as on its progress page."""
    last_month = month_of(month_of(timeutil.today()) - timedelta(days=1))
    days = (month_of(timeutil.today()) - last_month).days
    began = last_month.replace(day=16)
    owed = {code: progress.prorate(amount, progress.days_share(last_month, began, None))
            for code, amount in (("rice", Decimal(10)), ("eggs", Decimal(30)))}
    assert owed["rice"] == (Decimal(10) * (days - 15) / days).quantize(Decimal("0.001"))
    with app.app_context():
        officer = db.session.get(User, users["officer"][0])
        paid_in_full, short = (db.session.get(Match, scene[key])
                               for key in ("match", "other_match"))
        for match, eggs in ((paid_in_full, owed["eggs"]), (short, owed["eggs"] - 1)):
            match.start_on = began
            items = [{"commodity": "rice", "quantity": str(owed["rice"]), "unit": "kg",
                      "value_idr": 1000},
                     {"commodity": "eggs", "quantity": str(eggs), "unit": "butir",
                      "value_idr": 1000}]
            factories.contribution(match, delivered_on=began, items=items,
                                   status="confirmed", verifier=officer)
        db.session.commit()
        behind = {m.id for m in progress.behind_matches(last_month).items}
        assert behind == {scene["other_match"]}
        lines = {line.code: line for line in progress.match_progress(
            db.session.get(Match, scene["match"]), [last_month])[0].lines}
        assert not any(line.behind for line in lines.values())


def test_pending_deliveries_are_shown_apart_from_confirmed_ones(app, client, login, users,
                                                                scene, api_token):
    """Issue 18: right after logging 5 kg the sponsor read "Beras 0/10 kg Kurang"."""
    half_sack = {"commodity": "rice", "quantity": "1", "unit": "karung 5 kg",
                 "value_idr": 75000}
    with app.app_context():
        match = db.session.get(Match, scene["match"])
        factories.contribution(match, delivered_on=timeutil.today(), items=[half_sack])
        db.session.commit()
        lines = {line.code: line for line in progress.match_progress(match, 1)[0].lines}
        assert (lines["rice"].delivered, lines["rice"].pending) == (Decimal(0), Decimal(5))
        assert lines["rice"].behind  # pending does not count
        listed = progress.progress_for_matches([match], timeutil.today())[match.id]
        assert {line.code: line.pending for line in listed.lines}["rice"] == Decimal(5)
    login("sponsor")
    page = " ".join(client.get("/me/contributions").text.split())
    assert "0/10 kg diterima, <span class=\"pending\">5 kg menunggu konfirmasi" in page
    answer = client.get(f"/api/v1/matches/{scene['match']}/progress",
                        headers=api_token("sponsor")).json
    rice = next(line for line in answer["months"][-1]["lines"] if line["commodity"] == "rice")
    assert (rice["delivered"], rice["pending"]) == ("0.000", "5.000")
