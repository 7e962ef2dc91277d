"""Catalogue additions per kabupaten/kota (issue 15), with two cities of one province.

Kabupaten Bangka's admin adds ikan teri: it is offered for deliveries to Bangka's children
and refused, on the page, the API and the phone's rules alike, for Kota Pangkalpinang's
children. Pangkalpinang's admin gets 404 on it and reads the shared catalogue without
changing it; the installation's admin adds for either city or for all.
"""

import io
import re
from datetime import timedelta
from decimal import Decimal

import lxml.html
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from sqlalchemy import select

from asuh import timeutil
from asuh.api.decimals import quantity_text
from asuh.audit.models import AuditRecord
from asuh.contributions import catalogue, catalogue_cities, services
from asuh.contributions.models import Commodity, Contribution
from asuh.errors import NotFoundError, NotPermitted, ValidationFailed
from asuh.extensions import db
from asuh.matching.models import Match
from tests import factories
from tests.conftest import PASSWORD, sign_in
from tests.provcity import KAB, KAB_KEL, KOTA, KOTA_KEL, load_province, staff

TERI = {"commodity": "ikan_teri", "quantity": "2", "unit": "bungkus 250 g",
        "value_idr": 30000}


@pytest.fixture
def world(app):
    """Both cities' admins and officers, an installation admin, a child matched in each
    city, and Kabupaten Bangka's own ikan teri (added by its admin)."""
    with app.app_context():
        load_province()
        factories.catalogue()
        people = {"root": factories.user("admin"),
                  "kota_admin": staff("admin", KOTA), "kab_admin": staff("admin", KAB),
                  "kota_officer": staff("officer", KOTA), "kab_officer": staff("officer", KAB)}
        start = timeutil.today() - timedelta(days=40)
        matches = {}
        for city, kelurahan in ((KOTA, KOTA_KEL), (KAB, KAB_KEL)):
            child = factories.child(kelurahan_code=kelurahan, confirm_nik_warnings=True)
            sponsor = factories.sponsor(kelurahan_code=kelurahan)
            matches[city] = factories.match(sponsor, child, start_on=start).id
        teri = catalogue.add_commodity(code="ikan_teri", name="Ikan teri", canonical_unit="gram",
                                       actor=people["kab_admin"])
        unit = catalogue.add_unit(teri, name="bungkus 250 g", factor="250",
                                  actor=people["kab_admin"])
        db.session.commit()
        return {"users": {k: (u.id, u.email) for k, u in people.items()},
                "matches": matches, "teri": teri.id, "unit": unit.id,
                "rice": catalogue.commodity_by_code("rice").id}


def _user(world, key):
    from asuh.accounts.models import User

    return db.session.get(User, world["users"][key][0])


def _client(app, world, key):
    client = app.test_client()
    assert sign_in(client, world["users"][key][1], PASSWORD).status_code == 302
    return client


def _token(app, world, key) -> dict:
    response = app.test_client().post("/api/v1/tokens", json={
        "email": world["users"][key][1], "password": PASSWORD})
    return {"Authorization": f"Bearer {response.json['token']}"}


# --- the rule ---------------------------------------------------------------------------


def test_a_city_admins_addition_is_the_citys_and_offered_only_there(app_ctx, world):
    teri = db.session.get(Commodity, world["teri"])
    assert teri.city_code == KAB  # a city's admin adds for their own city, unasked
    assert "ikan_teri" in {c.code for c in catalogue_cities.offered(KAB)}
    assert "ikan_teri" not in {c.code for c in catalogue_cities.offered(KOTA)}
    assert "ikan_teri" not in {c.code for c in catalogue_cities.offered(None)}
    assert {c.code for c in catalogue_cities.offered(KOTA)} == {
        c.code for c in catalogue.commodities(active_only=True) if c.city_code is None}
    assert {o.value for o in catalogue.unit_options(KAB)} >= {
        "ikan_teri|gram", "ikan_teri|bungkus 250 g"}
    assert not any(o.commodity.code == "ikan_teri" for o in catalogue.unit_options(KOTA))


def test_a_delivery_to_the_citys_child_takes_it_and_the_other_citys_is_refused(app_ctx,
                                                                               world):
    root = _user(world, "root")
    kab = db.session.get(Match, world["matches"][KAB])
    made, _ = services.log_contribution(kab, delivered_on=timeutil.today(),
                                        items=[dict(TERI)], actor=root)
    item, = services.contribution_items(made)
    assert (item.commodity.code, item.canonical_quantity) == ("ikan_teri", Decimal("500"))
    kota = db.session.get(Match, world["matches"][KOTA])
    # Even the installation's admin: the rule is the child's city, not who logs.
    with pytest.raises(ValidationFailed) as refused:
        services.log_contribution(kota, delivered_on=timeutil.today(),
                                  items=[dict(factories.RICE_2_KARUNG), dict(TERI)],
                                  actor=root)
    assert refused.value.errors == {
        "items[1].commodity": [catalogue_cities.not_offered_message(KOTA)]}
    assert "Kota Pangkalpinang" in catalogue_cities.not_offered_message(KOTA)
    assert "Bangka" not in catalogue_cities.not_offered_message(KOTA)  # names no other city


def test_correcting_a_pending_delivery_applies_the_same_rule(app_ctx, world):
    root = _user(world, "root")
    kota = db.session.get(Match, world["matches"][KOTA])
    made = factories.contribution(kota, actor=root, delivered_on=timeutil.today())
    with pytest.raises(ValidationFailed) as refused:
        services.update_contribution(made, delivered_on=made.delivered_on, items=[dict(TERI)],
                                     note=None, actor=root)
    assert "items[0].commodity" in refused.value.errors


def test_a_retired_addition_is_offered_no_more_and_stays(app_ctx, world):
    kab_admin = _user(world, "kab_admin")
    teri = db.session.get(Commodity, world["teri"])
    assert catalogue.set_commodity_active(teri, False, actor=kab_admin)
    assert "ikan_teri" not in {c.code for c in catalogue_cities.offered(KAB)}
    assert db.session.get(Commodity, world["teri"]) is not None


def test_who_adds_for_which_city(app_ctx, world):
    root, kota_admin = _user(world, "root"), _user(world, "kota_admin")
    shared = catalogue.add_commodity(code="sagu", name="Sagu", canonical_unit="kg",
                                     actor=root)
    lempah = catalogue.add_commodity(code="lempah", name="Lempah kuning", canonical_unit="unit",
                                     city_code=KOTA, actor=root)
    kemplang = catalogue.add_commodity(code="kemplang", name="Kemplang",
                                       canonical_unit="gram", city_code=KAB, actor=root)
    assert (shared.city_code, lempah.city_code, kemplang.city_code) == (None, KOTA, KAB)
    # A city's admin: never for another city, never to the shared catalogue.
    with pytest.raises(ValidationFailed) as refused:
        catalogue.add_commodity(code="getas", name="Getas", canonical_unit="gram",
                                city_code=KAB, actor=kota_admin)
    assert refused.value.errors == {"city_code": ["Kabupaten/kota tidak dikenal."]}
    own = catalogue.add_commodity(code="getas", name="Getas", canonical_unit="gram",
                                  city_code=KOTA, actor=kota_admin)
    assert own.city_code == KOTA
    # Only a kabupaten/kota row: not a province, a kecamatan or a made-up code.
    for code in ("19", "19.71.01", "19.99"):
        with pytest.raises(ValidationFailed):
            catalogue.add_commodity(code="rusip", name="Rusip", canonical_unit="gram",
                                    city_code=code, actor=root)


def test_a_city_admin_reads_the_shared_catalogue_and_changes_only_their_own(app_ctx, world):
    kota_admin, kab_admin = _user(world, "kota_admin"), _user(world, "kab_admin")
    rice = db.session.get(Commodity, world["rice"])
    teri = db.session.get(Commodity, world["teri"])
    with pytest.raises(NotPermitted):
        catalogue.update_commodity(rice, name="Beras medium", sort_order=1, actor=kab_admin)
    with pytest.raises(NotPermitted):
        catalogue.add_unit(rice, name="karung 25 kg", factor="25", actor=kab_admin)
    with pytest.raises(NotFoundError):
        catalogue.update_commodity(teri, name="Teri", sort_order=1, actor=kota_admin)
    with pytest.raises(NotFoundError):
        catalogue.set_unit_active(teri.units[0], False, actor=kota_admin)
    assert catalogue.update_commodity(teri, name="Ikan teri kering", sort_order=5,
                                      actor=kab_admin)
    assert [c.code for c in catalogue_cities.visible(kota_admin)].count("ikan_teri") == 0
    assert "ikan_teri" in [c.code for c in catalogue_cities.visible(kab_admin)]


def test_every_catalogue_change_is_audited_in_the_citys_scope(app_ctx, world):
    kab_admin = _user(world, "kab_admin")
    teri = db.session.get(Commodity, world["teri"])
    catalogue.update_unit(teri.units[0], name="bungkus 200 g", factor="200", actor=kab_admin)
    catalogue.set_commodity_active(teri, False, actor=kab_admin)
    records = db.session.scalars(select(AuditRecord).where(
        AuditRecord.entity_type.in_(("commodity", "commodity_unit")),
        AuditRecord.user_id == kab_admin.id)).all()
    assert [r.action for r in records] == ["create", "create", "update", "deactivate"]
    assert {r.scope_code for r in records} == {KAB}
    root = _user(world, "root")
    catalogue.add_commodity(code="sagu", name="Sagu", canonical_unit="kg", city_code=KOTA,
                            actor=root)
    added = db.session.scalars(select(AuditRecord).where(
        AuditRecord.entity_type == "commodity").order_by(AuditRecord.id.desc())).first()
    assert added.scope_code == KOTA and "Kota Pangkalpinang" in added.summary


# --- pages ------------------------------------------------------------------------------


def _form(token: str, rows: list[dict]) -> dict:
    data = {"submission_token": token, "delivered_on": timeutil.today().isoformat(),
            "note": "Diantar ke rumah", "photos": [(io.BytesIO(factories.image_bytes()),
                                                    "bukti.jpg")]}
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"items-{index}-{name}"] = value
    return data


def _submission_token(html: str) -> str:
    return re.search(r'name="submission_token" type="hidden" value="([^"]+)"', html).group(1)


def test_the_delivery_form_offers_the_childs_city_and_refuses_the_other_keeping_input(
        app, world):
    root = _client(app, world, "root")
    kab_form = root.get(f"/matches/{world['matches'][KAB]}/contributions/new").text
    kota_url = f"/matches/{world['matches'][KOTA]}/contributions/new"
    kota_form = root.get(kota_url).text
    assert 'value="ikan_teri|bungkus 250 g"' in kab_form
    assert "ikan_teri" not in kota_form.split("data-rule-commodities")[0]
    assert 'value="ikan_teri|' not in kota_form
    # A stale form (or a hand-made post) naming Bangka's teri for Pangkalpinang's child.
    teri_row = {"item": "ikan_teri|bungkus 250 g", "quantity": "3", "value_idr": "45.000"}
    response = root.post(kota_url, data=_form(_submission_token(kota_form), [teri_row]),
                         content_type="multipart/form-data")
    assert response.status_code == 200
    page = lxml.html.fromstring(response.text)
    with app.app_context():
        assert catalogue_cities.not_offered_message(KOTA) in page.text_content()
    assert page.xpath("//input[@name='items-0-quantity']/@value") == ["3"]
    assert page.xpath("//input[@name='items-0-value_idr']/@value") == ["45.000"]
    with app.app_context():
        assert db.session.scalar(select(Contribution.id).where(
            Contribution.match_id == world["matches"][KOTA])) is None
    kab_url = f"/matches/{world['matches'][KAB]}/contributions/new"
    saved = root.post(kab_url, data=_form(_submission_token(kab_form), [teri_row]),
                      content_type="multipart/form-data")
    assert saved.status_code == 302


def test_the_phones_rules_follow_the_childs_city_in_the_services_words(app, world):
    """The delivery form's data-rule-commodities are the codes the service accepts for
    that child; the message is the one the service gives for another city's addition."""
    root = _client(app, world, "root")
    for city in (KOTA, KAB):
        html = root.get(f"/matches/{world['matches'][city]}/contributions/new").text
        form = lxml.html.fromstring(html).xpath("//form[@data-delivery-rules]")[0]
        offered = set(form.get("data-rule-commodities").split())
        with app.app_context():
            assert offered == {c.code for c in catalogue_cities.offered(city)}
            match = db.session.get(Match, world["matches"][city])
            for code in [c.code for c in catalogue.commodities() if not c.is_cash]:
                errors = services.delivery_errors(match, timeutil.today(), [{
                    "commodity": code, "quantity": "1", "unit": "",
                    "value_idr": 1000}], None, None)
                refusal = errors.get("items[0].commodity")
                assert (refusal is None) == (code in offered), (city, code)
                if refusal:
                    assert refusal == [form.get("data-rule-commodity-message")]
        assert ("ikan_teri" in offered) == (city == KAB)


def test_another_citys_admin_gets_404_on_the_addition_and_reads_the_shared(app, world):
    kota, kab = _client(app, world, "kota_admin"), _client(app, world, "kab_admin")
    teri, unit, rice = world["teri"], world["unit"], world["rice"]
    for method, url in (("GET", f"/catalogue/commodities/{teri}"),
                        ("POST", f"/catalogue/commodities/{teri}"),
                        ("POST", f"/catalogue/commodities/{teri}/active"),
                        ("POST", f"/catalogue/commodities/{teri}/units"),
                        ("POST", f"/catalogue/units/{unit}"),
                        ("POST", f"/catalogue/units/{unit}/active")):
        assert kota.open(url, method=method, data={"name": "x", "factor": "1",
                                                   "sort_order": "1", "active": "0"}
                         ).status_code == 404, (method, url)
    assert kab.get(f"/catalogue/commodities/{teri}").status_code == 200
    index = kota.get("/catalogue").text
    assert "Ikan teri" not in index and "Beras" in index
    assert "Tambahan Kabupaten Bangka" in kab.get("/catalogue").text
    shared = kota.get(f"/catalogue/commodities/{rice}")
    assert shared.status_code == 200
    assert "hanya dapat diubah admin seluruh instalasi" in shared.text
    assert "Ubah nama dan urutan" not in shared.text
    assert kota.post(f"/catalogue/commodities/{rice}", data={
        "name": "Beras kota", "sort_order": "1"}).status_code == 403
    with app.app_context():
        assert db.session.get(Commodity, rice).name == "Beras"
        assert db.session.get(Commodity, teri).active


def test_the_add_form_takes_the_city_the_admin_may_choose(app, world):
    root, kota = _client(app, world, "root"), _client(app, world, "kota_admin")
    choices = lxml.html.fromstring(root.get("/catalogue").text).xpath(
        "//select[@name='city_code']/option/@value")
    assert choices[0] == "" and {KOTA, KAB} <= set(choices)
    assert lxml.html.fromstring(kota.get("/catalogue").text).xpath(
        "//select[@name='city_code']/option/@value") == [KOTA]
    response = root.post("/catalogue/commodities", data={
        "code": "lempah", "name": "Lempah kuning", "canonical_unit": "unit",
        "city_code": KOTA})
    assert response.status_code == 302
    refused = kota.post("/catalogue/commodities", data={
        "code": "getas", "name": "Getas", "canonical_unit": "gram", "city_code": KAB})
    assert refused.status_code == 200 and "Kabupaten/kota tidak dikenal." in refused.text
    assert 'value="Getas"' in refused.text  # what was typed is kept
    with app.app_context():
        assert catalogue.commodity_by_code("lempah").city_code == KOTA
        assert catalogue.commodity_by_code("getas") is None


# --- API --------------------------------------------------------------------------------


def test_the_api_refuses_another_citys_addition_with_the_usual_shape(app, world):
    client = app.test_client()
    headers = _token(app, world, "root")
    body = {"delivered_on": timeutil.today().isoformat(), "items": [dict(TERI)]}
    refused = client.post("/api/v1/contributions", headers=headers,
                          json={**body, "match_id": world["matches"][KOTA]})
    assert refused.status_code == 422
    assert refused.json == {"errors": {
        "items[0].commodity": [
            "Barang ini tambahan katalog kabupaten/kota lain. Untuk anak di Kota "
            "Pangkalpinang, pilih dari katalog bersama atau tambahan Kota Pangkalpinang."]}}
    made = client.post("/api/v1/contributions", headers=headers,
                       json={**body, "match_id": world["matches"][KAB]})
    assert made.status_code == 201, made.json
    assert made.json["items"][0]["commodity"] == "ikan_teri"


def test_the_catalogue_api_adds_city_fields_and_keeps_its_meaning(app, world):
    client = app.test_client()
    root, kota = _token(app, world, "root"), _token(app, world, "kota_officer")
    whole = client.get("/api/v1/commodities", headers=root).json
    codes = {c["code"]: c["city_code"] for c in whole["items"]}
    assert codes["rice"] is None and codes["ikan_teri"] == KAB
    assert whole["city_code"] is None and whole["city_package"] is None
    with app.app_context():  # still the installation's package
        assert whole["monthly_package"] == {
            k: quantity_text(v) for k, v in catalogue.monthly_package().items()}
    # A city's staff see the shared catalogue and their own city's additions.
    assert "ikan_teri" not in {c["code"] for c in client.get(
        "/api/v1/commodities", headers=kota).json["items"]}
    for_kab = client.get(f"/api/v1/commodities?city_code={KAB}", headers=root).json
    assert "ikan_teri" in {c["code"] for c in for_kab["items"]}
    assert for_kab["city_code"] == KAB and isinstance(for_kab["city_package"], dict)
    assert for_kab["monthly_package"] == whole["monthly_package"]
    for_kota = client.get(f"/api/v1/commodities?city_code={KOTA}", headers=kota).json
    assert "ikan_teri" not in {c["code"] for c in for_kota["items"]}
    assert client.get(f"/api/v1/commodities?city_code={KAB}", headers=kota).status_code == 404
    assert client.get("/api/v1/commodities?city_code=19.99", headers=root).status_code == 404
    assert client.get("/api/v1/commodities?city_code=19", headers=root).status_code == 422


def test_a_citys_addition_counts_in_that_citys_figures(app, world):
    with app.app_context():
        root = _user(world, "root")
        kab_match = db.session.get(Match, world["matches"][KAB])
        factories.contribution(kab_match, actor=root, delivered_on=timeutil.today(),
                               items=[dict(TERI)], status="confirmed")
        db.session.commit()
    client = app.test_client()

    def teri_quantity(key):
        figures = client.get("/api/v1/stats", headers=_token(app, world, key)).json
        found = [c for c in figures["commodities"] if c["code"] == "ikan_teri"]
        return Decimal(found[0]["quantity_period"]) if found else Decimal(0)

    assert teri_quantity("kab_officer") == Decimal(500)
    assert teri_quantity("root") == Decimal(500)
    assert teri_quantity("kota_officer") == Decimal(0)


def test_another_citys_figures_and_package_form_do_not_name_the_addition(app, world):
    """Kota's dashboard lists no Bangka teri (nothing given there); Bangka's package form
    offers its teri, Kota's and the province's do not."""
    client = app.test_client()
    kota_stats = client.get("/api/v1/stats", headers=_token(app, world, "kota_officer")).json
    assert "ikan_teri" not in {c["code"] for c in kota_stats["commodities"]}
    assert "rice" in {c["code"] for c in kota_stats["commodities"]}
    root = _client(app, world, "root")
    assert 'name="monthly_package-ikan_teri"' in root.get(
        f"/admin/settings/region/{KAB}").text
    for code in (KOTA, "19"):
        page = root.get(f"/admin/settings/region/{code}").text
        assert "ikan_teri" not in page and 'name="monthly_package-rice"' in page, code
    saved = root.post(f"/admin/settings/region/{KAB}", data={"monthly_package-ikan_teri": "500"})
    assert saved.status_code in (200, 302)
    with app.app_context():
        assert catalogue.monthly_package(KAB).get("ikan_teri") == Decimal(500)


CITIES = (None, KOTA, KAB, "19.04")


@hyp_settings(max_examples=40, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(owners=st.lists(st.sampled_from(CITIES), min_size=1, max_size=6),
       child_city=st.sampled_from(CITIES[1:]), scope=st.sampled_from(CITIES + ("19",)))
def test_the_offered_query_the_item_rule_and_the_visible_query_agree(app, province, owners,
                                                                     child_city, scope):
    """For any spread of additions over cities: what the delivery form offers (a query),
    what the service accepts for an item (Python) and what an admin of a scope sees agree
    with the rule (shared, or the child's city; shared, or a city in the scope)."""
    from types import SimpleNamespace

    from asuh.regions import scopes

    with app.app_context():
        factories.catalogue()
        made = []
        for n, owner in enumerate(owners):
            made.append(Commodity(code=f"lokal{n}", name=f"Lokal {n}", canonical_unit="gram",
                                  city_code=owner, sort_order=900 + n, active=True))
        db.session.add_all(made)
        db.session.flush()
        offered = {c.code for c in catalogue_cities.offered(child_city)}
        for commodity in made:
            expected = commodity.city_code in (None, child_city)
            assert (commodity.code in offered) == expected
            assert (catalogue_cities.item_refusal(commodity.code, commodity, child_city)
                    is None) == expected
        admin = SimpleNamespace(scope_code=scope)
        seen = {c.code for c in catalogue_cities.visible(admin)}
        for commodity in made:
            assert (commodity.code in seen) == (commodity.city_code is None or scopes.within(
                scope, commodity.city_code))
        db.session.rollback()
