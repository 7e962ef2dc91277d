"""Values far from the usual price are asked about before saving (issue 18): "Madu 1 ml =
Rp 45.000" must ask; the form offers a tick box, the API a field; confirmed values stay."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from asuh.contributions import prices
from asuh.contributions.models import ContributionItem
from asuh.contributions.services import item_field
from asuh.extensions import db
from tests import factories
from tests.test_contributions_api import _body, _count
from tests.test_contributions_logging import RICE, _form, _photo, _token


@pytest.fixture
def scene(app, users, regions):
    with app.app_context():
        return factories.contribution_scene(users)


HONEY_1_ML = {"item": "honey|ml", "quantity": "1", "value_idr": "45.000"}


def _item(code, quantity, value, unit="kg", canonical="kg", cash=False):
    commodity = SimpleNamespace(code=code, name=code.title(), canonical_unit=canonical,
                                is_cash=cash)
    return SimpleNamespace(commodity=commodity, quantity=Decimal(quantity), unit=unit,
                           canonical_quantity=Decimal(quantity), value_idr=value)


def test_one_ml_of_honey_for_45000_is_asked_about_and_a_sack_of_rice_is_not():
    question = prices.unusual_value(_item("honey", "1", 45_000, "ml", "ml"))
    assert question.startswith(prices.QUESTION)
    assert "Rp 45.000 per ml" in question and "Rp 200 per ml" in question
    assert prices.unusual_value(_item("rice", "10", 150_000)) is None
    assert prices.unusual_value(_item("rice", "10", 0)) is not None  # value forgotten
    assert prices.unusual_value(_item("other", "1", 10)) is None  # no usual price
    assert prices.unusual_value(_item("cash", "1", 1, "Rp", "Rp", cash=True)) is None


@given(code=st.sampled_from(sorted(prices.USUAL_PRICE_IDR)),
       quantity=st.decimals(min_value=Decimal("0.001"), max_value=Decimal(10_000), places=3),
       ratio=st.floats(min_value=0.001, max_value=1000))
def test_asks_exactly_when_the_price_per_unit_is_beyond_five_times_either_way(
        code, quantity, ratio):
    usual = prices.USUAL_PRICE_IDR[code]
    value = int(quantity * usual * Decimal(ratio))
    per_unit = Decimal(value) / quantity
    expected = not (usual / prices.FACTOR <= per_unit <= usual * prices.FACTOR)
    assert (prices.unusual_value(_item(code, quantity, value)) is not None) == expected


def test_the_form_asks_keeps_what_was_typed_and_saves_once_confirmed(app, client, login,
                                                                     scene):
    login("sponsor")
    url = f"/matches/{scene['match']}/contributions/new"
    token = _token(client.get(url).text)
    data = {**_form(token, [RICE, HONEY_1_ML]), "photos": [_photo()]}
    asked = client.post(url, data=data, content_type="multipart/form-data")
    assert asked.status_code == 200 and _count(app) == 0
    assert "Nilai tidak biasa" in asked.text and "Nilai sudah benar" in asked.text
    assert 'value="45.000"' in asked.text  # what was typed is kept
    confirmed = {**_form(token, [RICE, HONEY_1_ML], confirm_unusual_values="y"),
                 "photos": [_photo()]}
    saved = client.post(url, data=confirmed, content_type="multipart/form-data")
    assert saved.status_code == 302 and _count(app) == 1
    with app.app_context():
        assert 45_000 in db.session.scalars(select(ContributionItem.value_idr)).all()


def test_the_form_shows_commodity_and_pack_together(client, login, scene):
    login("sponsor")
    page = client.get(f"/matches/{scene['match']}/contributions/new").text
    assert ">Beras — karung 5 kg</option>" in page
    assert ">Telur — tray (= 30 butir)</option>" in page
    assert ">Madu — ml</option>" in page


def test_the_xhr_form_gets_the_address_instead_of_a_redirect(client, login,
                                                             scene):
    login("sponsor")
    url = f"/matches/{scene['match']}/contributions/new"
    data = {**_form(_token(client.get(url).text), [RICE]), "photos": [_photo()]}
    response = client.post(url, data=data, content_type="multipart/form-data",
                           headers={"X-Requested-With": "XMLHttpRequest"})
    assert response.status_code == 200
    assert response.json["location"].startswith("/contributions/")
    assert "Penyaluran dicatat" in client.get(response.json["location"]).text  # flash kept


def test_the_api_answers_422_on_the_value_until_confirmed(app, client, api_token,
                                                          scene):
    headers = api_token("sponsor")
    honey = {"commodity": "honey", "quantity": 1, "unit": "ml", "value_idr": 45000}
    refused = client.post("/api/v1/contributions", json=_body(scene, items=[honey]),
                          headers=headers)
    assert refused.status_code == 422
    errors = refused.json["errors"]
    assert list(errors) == [item_field(0, "value_idr")]
    assert errors[item_field(0, "value_idr")][0].startswith(prices.QUESTION)
    assert _count(app) == 0
    created = client.post("/api/v1/contributions", headers=headers, json=_body(
        scene, items=[honey], confirm_unusual_values=True))
    assert created.status_code == 201, created.json
    changed = client.patch(f"/api/v1/contributions/{created.json['id']}", headers=headers,
                           json={"items": [dict(honey, value_idr=90000)]})
    assert changed.status_code == 422
    assert client.patch(f"/api/v1/contributions/{created.json['id']}", headers=headers,
                        json={"items": [dict(honey, value_idr=90000)],
                              "confirm_unusual_values": True}).status_code == 200
