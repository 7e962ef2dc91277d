"""The letter form per kind: the kind first, then only its fields; a sponsor search, a
month or quarter picker, and a delivery picker for receipts."""

import lxml.html
import pytest
from sqlalchemy import select

from asuh.extensions import db
from asuh.letters.models import Letter
from asuh.sponsors.models import Sponsor
from tests import factories


@pytest.fixture
def scene(app, regions, users):
    with app.app_context():
        mine = factories.letter_scene(child_name="Kirana Ayu Lestari")
        other = factories.letter_scene()
        db.session.get(Sponsor, mine["sponsor"]).name = "Siti Rahmawati"
        db.session.commit()
    return {"mine": mine, "other": other}


def _fields(html: str) -> set[str]:
    """The names of the issuing form's inputs (the POST form), as a browser sends them."""
    document = lxml.html.fromstring(html)
    posts = [f for f in document.forms if (f.get("method") or "").lower() == "post"]
    return {i.name for form in posts for i in form.inputs if i.name} - {"csrf_token"}


def _options(html: str, name: str) -> dict[str, str]:
    document = lxml.html.fromstring(html)
    return {o.get("value"): o.text_content() for o in
            document.xpath(f"//select[@name='{name}']/option") if o.get("value")}


def test_the_kind_comes_first_then_only_its_fields(client, login, scene):
    login("officer")
    first = client.get("/letters/new").text
    assert _fields(first) == set()  # only the choice of kinds
    for kind in ("sponsor_statement", "handover_receipt", "recap"):
        assert f"/letters/new?kind={kind}" in first
    periods = {"month", "quarter", "period_start", "period_end", "interim", "period"}
    assert _fields(client.get("/letters/new?kind=sponsor_statement").text) == \
        {"kind", "sponsor_id"} | periods
    assert _fields(client.get("/letters/new?kind=recap").text) == \
        {"kind", "kecamatan_code"} | periods
    assert _fields(client.get("/letters/new?kind=handover_receipt").text) == \
        {"kind", "contribution_id", "period"}


def test_a_statement_for_a_quarter_picked_from_the_list(app, client, login, scene):
    login("officer")
    page = client.get("/letters/new?kind=sponsor_statement").text
    quarters = _options(page, "quarter")
    last_month = scene["mine"]["period"].start
    code = f"{last_month.year}-Q{(last_month.month - 1) // 3 + 1}"
    assert code in quarters and quarters[code].startswith("Triwulan ")
    sponsors = _options(page, "sponsor_id")
    assert "Siti Rahmawati" in sponsors[str(scene["mine"]["sponsor"])]
    response = client.post("/letters/new", data={
        "kind": "sponsor_statement", "sponsor_id": str(scene["mine"]["sponsor"]),
        "quarter": code, "interim": "y"})
    assert response.status_code == 302, response.text
    with app.app_context():
        letter = db.session.scalar(select(Letter))
        assert f"{letter.period_start.year}-Q{(letter.period_start.month - 1) // 3 + 1}" \
            == code


def test_a_month_picked_and_only_one_period(app, client, login, scene):
    login("officer")
    month = scene["mine"]["period"].code
    both = client.post("/letters/new", data={
        "kind": "sponsor_statement", "sponsor_id": str(scene["mine"]["sponsor"]),
        "month": month, "quarter": "2026-Q1"})
    assert both.status_code == 200
    assert "Pilih satu saja: bulan, triwulan, atau rentang tanggal." in both.text
    assert f'value="{month}"' in both.text  # what was picked is kept
    response = client.post("/letters/new", data={
        "kind": "sponsor_statement", "sponsor_id": str(scene["mine"]["sponsor"]),
        "month": month})
    assert response.status_code == 302


def test_the_sponsor_search_narrows_the_list_and_keeps_the_choice(client, login, scene):
    login("officer")
    mine, other = str(scene["mine"]["sponsor"]), str(scene["other"]["sponsor"])
    found = _options(client.get("/letters/new?kind=sponsor_statement&q=rahma").text,
                     "sponsor_id")
    assert set(found) == {mine}
    kept = _options(client.get(
        f"/letters/new?kind=sponsor_statement&q=rahma&sponsor_id={other}").text, "sponsor_id")
    assert set(kept) == {mine, other}


def test_a_receipt_picks_its_delivery_from_a_list(app, client, login, scene):
    login("officer")
    page = client.get("/letters/new?kind=handover_receipt&q=kirana").text
    deliveries = _options(page, "contribution_id")
    assert set(deliveries) == {str(c) for c in scene["mine"]["confirmed"]}
    label = deliveries[str(scene["mine"]["confirmed"][0])]
    assert "Siti Rahmawati → Kirana Ayu Lestari" in label and "Rp " in label
    assert str(scene["mine"]["pending"]) not in _options(
        client.get("/letters/new?kind=handover_receipt").text, "contribution_id")
    response = client.post("/letters/new", data={
        "kind": "handover_receipt", "contribution_id": str(scene["mine"]["confirmed"][0])})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Letter.contribution_id)) == \
            scene["mine"]["confirmed"][0]


def test_a_reissue_link_fills_the_picker_that_fits(client, login, scene):
    login("officer")
    period = scene["mine"]["period"]
    page = client.get(f"/letters/new?kind=recap&period={period.start.isoformat()}.."
                      f"{period.end.isoformat()}").text
    assert f'name="month" type="month" value="{period.code}"' in page or \
        f'value="{period.code}"' in page
