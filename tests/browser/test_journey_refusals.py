"""Journey 5: an auditor tries to change something and is refused; a sponsor cannot open
another sponsor's child by editing the URL."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.support import nav, shoot

pytestmark = pytest.mark.browser

JOURNEY = "5-refusals"
REFUSED = "Anda tidak memiliki izin"

# A hand-made POST with the page's own valid CSRF token: only the server's rules stand in
# the way, as when someone replays a form they copied from an officer's screen.
_POST_FROM_PAGE = """async ([url, fields]) => {
  const body = new URLSearchParams(fields);
  body.set("csrf_token", document.querySelector("input[name=csrf_token]").value);
  const response = await fetch(url, {method: "POST", body, redirect: "manual"});
  return response.status;
}"""


def test_auditor_reads_everything_but_changes_nothing(open_page, live_server):
    sponsor_id = live_server.ids["sponsor_id"]
    child_id = live_server.ids["waiting_child_id"]
    auditor = open_page("desktop", as_role="auditor")

    auditor.goto("/home")
    nav(auditor, "Bapak/Bunda Asuh").click()
    auditor.get_by_role("link", name="Sari Wulandari").click()
    expect(auditor.get_by_role("heading", name="Sari Wulandari")).to_be_visible()
    for label in ("Ubah", "Tandai mengundurkan diri", "Buat tautan undangan baru"):
        expect(auditor.get_by_role("button", name=label)).to_have_count(0)
    expect(auditor.get_by_role("link", name="Ubah")).to_have_count(0)
    shoot(auditor, JOURNEY, "01-auditor-sponsor-read-only")

    response = auditor.goto(f"/sponsors/{sponsor_id}/edit")
    assert response.status == 403
    expect(auditor.get_by_text(REFUSED)).to_be_visible()
    shoot(auditor, JOURNEY, "02-auditor-edit-refused")

    auditor.goto(f"/sponsors/{sponsor_id}")
    status = auditor.evaluate(_POST_FROM_PAGE, [f"/sponsors/{sponsor_id}/withdraw",
                                                {"reason": "uji auditor"}])
    assert status == 403
    auditor.reload()
    expect(auditor.locator(".badge", has_text="Disetujui")).to_be_visible()
    expect(auditor.get_by_text("Mengundurkan diri")).to_have_count(0)

    auditor.goto(f"/children/{child_id}")
    expect(auditor.get_by_role("button", name="Simpan pengukuran")).to_have_count(0)
    shoot(auditor, JOURNEY, "03-auditor-child-read-only")
    status = auditor.evaluate(_POST_FROM_PAGE, [
        f"/children/{child_id}/measurements",
        {"measured_on": "2026-01-01", "height_cm": "70", "weight_kg": "8", "position": "lying"}])
    assert status == 403
    auditor.reload()
    expect(auditor.locator("table.measurements tbody tr")).to_have_count(1)


def test_sponsor_cannot_open_another_sponsors_child_by_url(open_page, live_server):
    own_child = live_server.ids["sponsor_child_id"]
    other_child = live_server.ids["other_sponsor_child_id"]
    phone = open_page("phone", as_role="sponsor")

    phone.goto("/me/children")
    expect(phone.get_by_role("heading", level=2, name=re.compile("^Siti"))).to_be_visible()
    expect(phone.get_by_text("Muhammad")).to_have_count(0)
    chart = phone.request.get(f"/me/children/{own_child}/growth.svg")
    assert chart.status == 200
    shoot(phone, JOURNEY, "04-sponsor-own-child")

    response = phone.goto(f"/me/children/{other_child}/growth.svg")
    assert response.status == 403
    expect(phone.get_by_text(REFUSED)).to_be_visible()
    shoot(phone, JOURNEY, "05-sponsor-other-child-refused")
    for path in (f"/children/{other_child}",
                 f"/matches/{live_server.ids['other_sponsor_match_id']}/contributions/new",
                 f"/contributions/{live_server.ids['other_contribution_id']}"):
        response = phone.goto(path)
        assert response.status == 403, f"{path} answered {response.status}"
        expect(phone.get_by_text(REFUSED)).to_be_visible()
        expect(phone.get_by_text("Muhammad Rizky")).to_have_count(0)
        expect(phone.get_by_text("Budi Santoso")).to_have_count(0)
