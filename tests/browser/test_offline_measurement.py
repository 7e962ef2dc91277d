"""Issue 13: a field user weighs and measures a child at the posyandu without signal; the
measurement waits on the phone, survives closing the page, and is stored once when the
signal returns."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from asuh import timeutil
from asuh.extensions import db
from tests import factories
from tests.browser.support import field, sign_in, watch
from tests.browser.test_offline_delivery import KEPT

pytestmark = pytest.mark.browser


def test_a_measurement_made_offline_is_stored_once(open_page, live_server):
    from asuh.children.models import Measurement

    n = live_server.unique()
    with live_server.seed():
        child = factories.child(actor=live_server.officer(), name=f"Rahma Putri {n}", sex="P",
                                birth_date=timeutil.today() - timedelta(days=400 + n))
        child_id = child.id
    page = open_page("small-phone")
    sign_in(page, live_server.emails["field"])
    child_url = f"/children/{child_id}"
    page.goto(child_url)
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller")
    page.reload()
    page.wait_for_function(KEPT, arg=page.url)
    context = page.context

    context.set_offline(True)
    field(page, "Panjang/tinggi badan (cm)").fill("70,5")
    field(page, "Berat badan (kg)").fill("8,1")
    field(page, "Cara ukur").select_option("lying")
    page.get_by_role("button", name="Simpan pengukuran").click()
    expect(page.locator("[data-outbox-count]")).to_have_text("1 menunggu dikirim")
    page.close()

    again = context.new_page()
    watch(again, [])
    again.goto(child_url)  # the kept page, from the service worker
    expect(again.get_by_role("heading", name="Catat pengukuran")).to_be_visible()
    expect(again.locator("[data-outbox-count]")).to_have_text("1 menunggu dikirim")
    context.set_offline(False)
    expect(again.locator("[data-outbox-box]")).to_be_hidden()
    again.evaluate("AsuhOffline.sendNow()")  # resent: still one
    with live_server.app.app_context():
        rows = db.session.scalars(select(Measurement).where(
            Measurement.child_id == child_id)).all()
        assert [(str(m.height_cm), str(m.weight_kg), m.measured_on) for m in rows] == [
            ("70.5", "8.10", timeutil.today())]
        assert rows[0].submission_key.startswith("form:")


def test_a_confirmation_made_offline_counts_once(open_page, live_server):
    from asuh.audit.models import AuditRecord
    from asuh.contributions.models import Contribution

    n = live_server.unique()
    with live_server.seed():
        sponsor = live_server.approved_sponsor(f"Hendra Gunawan {n}")
        match = live_server.match(sponsor, live_server.measured_child(f"Zahra Aulia {n}"))
        contribution_id = live_server.delivery(match.id).id
    page = open_page("small-phone")
    sign_in(page, live_server.emails["field"])
    confirm_url = f"/contributions/{contribution_id}/confirm"
    page.goto(confirm_url)
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller")
    page.reload()
    page.wait_for_function(KEPT, arg=page.url)
    context = page.context

    context.set_offline(True)
    page.get_by_role("button", name="Ya, sudah diterima").click()
    expect(page.locator("[data-outbox-count]")).to_have_text("1 menunggu dikirim")
    page.close()
    again = context.new_page()
    watch(again, [])
    again.goto(confirm_url)
    expect(again.get_by_role("heading", name="Sudah diterima keluarga?")).to_be_visible()
    expect(again.locator("[data-outbox-count]")).to_have_text("1 menunggu dikirim")
    context.set_offline(False)
    expect(again.locator("[data-outbox-box]")).to_be_hidden()
    again.evaluate("AsuhOffline.sendNow()")
    with live_server.app.app_context():
        assert db.session.get(Contribution, contribution_id).status == "confirmed"
        confirmations = db.session.scalars(select(AuditRecord).where(
            AuditRecord.action == "confirm", AuditRecord.entity_id == str(contribution_id),
            AuditRecord.entity_type == "contribution")).all()
        assert len(confirmations) == 1
