"""Issue 15 on the phone: the delivery form's own check refuses a commodity that is not
offered for the child's kabupaten/kota (a form kept on the phone from before the child
moved, or another city's addition), in the server's words, before anything is queued."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.support import sign_in
from tests.browser.test_offline_delivery import _sponsor_with_match

pytestmark = pytest.mark.browser

# An option the page was not rendered with: another city's addition in a stale form.
STALE_OPTION = """() => {
  const select = document.querySelector("fieldset.item-row select");
  select.add(new Option("Ikan teri — gram", "ikan_teri|gram"));
}"""


def test_the_phone_refuses_a_commodity_not_offered_for_the_childs_city(open_page,
                                                                       live_server):
    _n, email, match_id = _sponsor_with_match(live_server)
    page = open_page("small-phone")
    sign_in(page, email)
    page.goto(f"/matches/{match_id}/contributions/new")
    form = page.locator("form[data-delivery-rules]")
    offered = form.get_attribute("data-rule-commodities").split()
    message = form.get_attribute("data-rule-commodity-message")
    assert "rice" in offered and "ikan_teri" not in offered
    assert message.startswith("Barang ini tambahan katalog kabupaten/kota lain.")
    page.evaluate(STALE_OPTION)
    row = page.get_by_role("group", name="Barang 1")
    row.get_by_label(re.compile("^Barang dan satuan")).select_option("ikan_teri|gram")
    row.get_by_label(re.compile("^Jumlah")).fill("2")
    page.get_by_role("button", name="Simpan penyaluran").click()
    expect(form.get_by_text(message)).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/matches/{match_id}/contributions/new$"))
