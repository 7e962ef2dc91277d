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
from tests.browser.test_offline_delivery import COPY_ENTRY, RESEND_ENTRY, wait_until_kept

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
    page.goto("/app")  # the kader's start page ("perlu dikunjungi"), kept as the app's start
    expect(page.get_by_role("heading", name="Selamat datang, Kader Melati")).to_be_visible()
    wait_until_kept(page)
    child_url = f"/children/{child_id}"
    page.goto(child_url)
    wait_until_kept(page)
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
    again.goto("/app")  # the installed app opened with no signal
    expect(again.get_by_role("heading", name="Selamat datang, Kader Melati")).to_be_visible()
    expect(again.locator("[data-outbox-count]")).to_have_text("1 menunggu dikirim")
    again.goto(child_url)  # the kept page, from the service worker
    expect(again.get_by_role("heading", name="Catat pengukuran")).to_be_visible()
    expect(again.locator("[data-outbox-count]")).to_have_text("1 menunggu dikirim")
    assert again.evaluate(COPY_ENTRY) == 1
    context.set_offline(False)
    expect(again.locator("[data-outbox-box]")).to_be_hidden()
    # Sent again: the server answers with the measurement it made; still one.
    assert again.evaluate(RESEND_ENTRY) == {"sent": 1, "refused": 0, "waiting": 0}
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
    wait_until_kept(page)
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
    assert again.evaluate(COPY_ENTRY) == 1
    context.set_offline(False)
    expect(again.locator("[data-outbox-box]")).to_be_hidden()
    # Sent again: the confirmation counts once.
    assert again.evaluate(RESEND_ENTRY) == {"sent": 1, "refused": 0, "waiting": 0}
    with live_server.app.app_context():
        assert db.session.get(Contribution, contribution_id).status == "confirmed"
        confirmations = db.session.scalars(select(AuditRecord).where(
            AuditRecord.action == "confirm", AuditRecord.entity_id == str(contribution_id),
            AuditRecord.entity_type == "contribution")).all()
        assert len(confirmations) == 1


def _server_refuses(live_server, child_id, values) -> dict:
    """What the server answers to these figures: the measurement form's checks, then the
    growth assessment (record_measurement's checks that need no history), {field: message}."""
    from asuh.children.forms import MeasurementForm
    from asuh.children.measuring import checked_assessment
    from asuh.children.models import Child
    from asuh.errors import ValidationFailed

    with live_server.app.test_request_context(method="POST", data=values):
        form = MeasurementForm(meta={"csrf": False})
        if not form.validate():
            return {name: messages[0] for name, messages in form.errors.items()}
        child = db.session.get(Child, child_id)
        try:
            checked_assessment(child.sex, child.birth_date, form.measured_on.data,
                               form.height_cm.data or None, form.weight_kg.data,
                               form.position.data, timeutil.today())
        except ValidationFailed as failure:
            return {name: messages[0] for name, messages in failure.errors.items()}
        return {}


# One field at a time away from plausible figures for a 700-day-old: each limit's both
# sides, blanks, the notations. What the phone does not judge (an ambiguous "8.1"; a
# weight possible for some child but not this one's age) is left to the server.
TODAY = timeutil.today()
BORN = TODAY - timedelta(days=700)
PLAUSIBLE = {"measured_on": TODAY.isoformat(), "height_cm": "80,5", "weight_kg": "10,5",
             "position": "lying", "measured_by": "Kader Melati"}
CASES = [{}, {"height_cm": ""}, {"weight_kg": ""}, {"measured_on": ""},
         {"weight_kg": "81"}, {"weight_kg": "58,01"}, {"weight_kg": "0,89"},
         {"weight_kg": "1.250"}, {"weight_kg": "sepuluh"}, {"weight_kg": "8.1"},
         {"height_cm": "37,9"}, {"height_cm": "150,1"}, {"height_cm": "805"},
         {"height_cm": "tujuh"}, {"height_cm": "80,5", "position": "standing"},
         {"measured_on": (TODAY + timedelta(days=1)).isoformat()},
         {"measured_on": (BORN - timedelta(days=1)).isoformat()},
         {"measured_on": BORN.isoformat(), "height_cm": "50", "weight_kg": "3,3"},
         {"measured_by": "x" * 121}, {"measured_by": "x" * 120}]
SERVER_ONLY = ("tidak mungkin untuk umur", "tidak jelas")


def test_the_measurement_form_checks_the_servers_rules_on_the_phone(open_page, live_server):
    n = live_server.unique()
    with live_server.seed():
        child_id = factories.child(actor=live_server.officer(), name=f"Bima Sakti {n}",
                                   sex="L", birth_date=BORN).id
    page = open_page("small-phone")
    sign_in(page, live_server.emails["field"])
    page.goto(f"/children/{child_id}")
    page.context.set_offline(True)

    # "81" for "8,1": flagged on the phone, in the server's words, and nothing is queued.
    field(page, "Berat badan (kg)").fill("81")
    page.get_by_role("button", name="Simpan pengukuran").click()
    form = page.locator("form[data-measurement-rules]")
    expect(form.get_by_text("Berat badan harus antara 0,9 dan 58 kg.")).to_be_visible()
    expect(field(page, "Berat badan (kg)")).to_have_attribute("aria-invalid", "true")
    expect(field(page, "Berat badan (kg)")).to_be_focused()
    expect(page.locator("[data-outbox-box]")).to_be_hidden()
    assert page.evaluate("AsuhOutbox.all().then(e => e.length)") == 0
    field(page, "Berat badan (kg)").fill("8,1")
    field(page, "Panjang/tinggi badan (cm)").fill("70,5")
    page.get_by_role("button", name="Simpan pengukuran").click()
    expect(page.locator("[data-outbox-count]")).to_have_text("1 menunggu dikirim")
    expect(form.locator("[data-device-error]")).to_have_count(0)

    # The phone and the server agree on every case the phone judges.
    cases = [dict(PLAUSIBLE, **case) for case in CASES]
    phone = page.evaluate("""(cases) => {
      const form = document.querySelector("form[data-measurement-rules]");
      return cases.map((values) => {
        for (const [name, value] of Object.entries(values)) {
          form.elements.namedItem(name).value = value;
        }
        return AsuhMeasurementRules.problems(form);
      });
    }""", cases)
    for values, on_phone in zip(cases, phone, strict=True):
        server = _server_refuses(live_server, child_id, values)
        judged = {name: message for name, message in server.items()
                  if not any(words in message for words in SERVER_ONLY)}
        assert on_phone == judged, (values, on_phone, server)
    assert sum(bool(verdict) for verdict in phone) >= 12  # the cases do reach the limits
