"""The installable app's server side (issue 13): manifest, service worker, start page, the
pages a phone may keep (for whom), and the wipe on sign-out."""

import json


def test_the_manifest_names_the_app_in_indonesian_with_icons_that_exist(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.text)
    assert manifest["short_name"] == "Asuh" and manifest["lang"] == "id"
    assert manifest["start_url"] == "/app" and manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_the_start_page_sends_each_role_to_its_landing(client, login):
    assert client.get("/app").headers["Location"].endswith("/")
    login("sponsor")
    landing = client.get("/", follow_redirects=False).headers["Location"]
    response = client.get("/app", follow_redirects=True)
    assert response.status_code == 200
    assert response.request.path == landing


def test_the_service_worker_is_served_from_the_root_uncached_with_the_shell(client):
    response = client.get("/sw.js?u=abc")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Service-Worker-Allowed"] == "/"
    settings = json.loads(response.text.split("\n", 1)[0].removeprefix("self.ASUH = ")
                          .removesuffix(";"))
    shell = settings["shell"]
    assert any(url.startswith("/static/css/asuh.") for url in shell)
    assert any(url.startswith("/static/js/outbox.") for url in shell)
    assert any(url.startswith("/static/img/icon-192.") for url in shell)
    assert not any("/sw." in url or url.endswith(".ttf") for url in shell)
    for url in shell:  # the install fails if one of them does not load
        assert client.get(url).status_code == 200, url
    assert settings["maxAgeDays"] == 7 and settings["start"] == "/app"


def test_field_pages_are_marked_for_the_signed_in_user_only(client, login, users):
    login("field")
    children = client.get("/children")
    key = children.headers["X-Asuh-Offline"]
    assert len(key) == 20 and key != str(users["field"][0])
    assert f'data-offline-user="{key}"' in children.text
    assert 'data-offline-page="1"' in children.text  # the page asks to be kept
    # The kader's landing is also the installed app's start page on the phone.
    assert "X-Asuh-Start" not in children.headers
    assert client.get("/home").headers["X-Asuh-Start"] == "1"
    # Pages not needed in the field are not kept on the phone.
    password = client.get("/account/password")
    assert "X-Asuh-Offline" not in password.headers
    assert "data-offline-page" not in password.text
    other = login("sponsor", client.application.test_client())
    assert other.get("/me/children").headers["X-Asuh-Offline"] != key


def test_signing_out_clears_the_sites_caches_and_storage(client, login):
    login("sponsor")
    response = client.post("/logout")
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert "X-Asuh-Offline" not in client.get("/login").headers


def test_the_outbox_gets_a_fresh_form_token_for_the_signed_in_user(client, login):
    assert client.get("/app/csrf").status_code in (302, 401)
    login("sponsor")
    body = client.get("/app/csrf").get_json()
    assert body["csrf_token"] and body["user"] == client.get("/me/children").headers[
        "X-Asuh-Offline"]


def test_the_delivery_form_carries_the_services_limits_for_the_phone(app, client, login,
                                                                     users, regions):
    from datetime import timedelta

    from asuh import timeutil
    from asuh.contributions.services import MAX_QUANTITY
    from asuh.extensions import db
    from tests import factories

    with app.app_context():
        scene = factories.contribution_scene(users, start_days_ago=30)
        start = scene["start"]
        db.session.commit()
    login("sponsor")
    html = client.get(f"/matches/{scene['match']}/contributions/new").text
    today = timeutil.today()
    assert f'data-rule-min-date="{start.isoformat()}"' in html
    assert f'data-rule-max-date="{today.isoformat()}"' in html
    assert 'data-rule-max-date-message="Tanggal penyaluran tidak boleh di masa depan."' in html
    assert "sebelum masa asuh dimulai" in html
    assert f'data-rule-max-quantity="{MAX_QUANTITY}"' in html
    assert 'data-rule-photos-required="1"' in html
    assert start < today - timedelta(days=1)


def _form_attributes(html: str, marker: str) -> dict:
    import lxml.html

    form = lxml.html.fromstring(html).xpath(f"//form[@{marker}]")[0]
    return {name: value for name, value in form.attrib.items() if name.startswith("data-rule-")}


def test_the_measurement_form_carries_the_growth_limits_for_the_phone(app, client, login,
                                                                      users, regions):
    """Every data-rule-* on the measurement form is the service's own constant, and every
    message is exactly what the measurement service answers to the first value beyond
    that limit (the phone's check, static/js/measurement_rules.js, says the same)."""
    from datetime import timedelta
    from decimal import Decimal

    import pytest

    from asuh import timeutil
    from asuh.accounts.models import User
    from asuh.children import measuring
    from asuh.children.growth import HEIGHT_RANGE_CM, WEIGHT_RANGE_KG
    from asuh.children.models import Child, Measurement
    from asuh.children.who_reference import MAX_AGE_DAYS
    from asuh.errors import ValidationFailed
    from asuh.extensions import db
    from tests import factories

    today = timeutil.today()
    with app.app_context():
        officer = db.session.get(User, users["officer"][0])
        born = today - timedelta(days=700)
        child_id = factories.child(actor=officer, birth_date=born).id
        officer_id = officer.id
        db.session.commit()
    login("officer")
    rules = _form_attributes(client.get(f"/children/{child_id}").text,
                             "data-measurement-rules")

    assert rules["data-rule-min-date"] == born.isoformat()
    assert rules["data-rule-max-date"] == today.isoformat()
    assert rules["data-rule-max-age-date"] == (born + timedelta(days=MAX_AGE_DAYS)).isoformat()
    assert (Decimal(rules["data-rule-min-weight"]), Decimal(rules["data-rule-max-weight"])) == (
        WEIGHT_RANGE_KG)
    assert (Decimal(rules["data-rule-min-height"]), Decimal(rules["data-rule-max-height"])) == (
        HEIGHT_RANGE_CM)
    assert rules["data-rule-max-measured-by"] == str(measuring.MAX_MEASURED_BY)

    def refused(**overrides):
        values = {"measured_on": today, "height_cm": "80,0", "weight_kg": "10,5",
                  "position": "lying", "measured_by": None}
        values.update(overrides)
        with app.app_context():
            child = db.session.get(Child, child_id)
            with pytest.raises(ValidationFailed) as info:
                measuring.record_measurement(child, actor=db.session.get(User, officer_id),
                                             **values)
            assert db.session.query(Measurement).count() == 0
        [(field, [message])] = info.value.errors.items()
        return field, message

    assert refused(measured_on=today + timedelta(days=1)) == (
        "measured_on", rules["data-rule-max-date-message"])
    assert refused(measured_on=born - timedelta(days=1)) == (
        "measured_on", rules["data-rule-min-date-message"])
    assert refused(weight_kg=None) == ("weight_kg", rules["data-rule-weight-required-message"])
    for weight in ("0,89", "58,01"):
        assert refused(weight_kg=weight) == ("weight_kg", rules["data-rule-weight-message"])
    for height in ("37,9", "150,1"):
        assert refused(height_cm=height) == ("height_cm", rules["data-rule-height-message"])
    assert refused(measured_by="x" * (measuring.MAX_MEASURED_BY + 1)) == (
        "measured_by", rules["data-rule-measured-by-message"])
    assert "60 bulan" in rules["data-rule-max-age-date-message"]
