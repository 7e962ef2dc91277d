"""Forms that guide: registration shows only the chosen kind's fields."""

import pytest
from playwright.sync_api import expect

from tests.browser.support import field

pytestmark = pytest.mark.browser


def test_registration_shows_only_the_chosen_kinds_fields(open_page, live_server):
    page = open_page("small-phone")
    page.goto("/register")
    nip, nik = field(page, "NIP / Nomor PPPK"), field(page, "NIK (KTP)")
    expect(nip).to_be_visible()  # ASN is chosen at first
    expect(nik).to_be_hidden()
    page.get_by_label("Masyarakat", exact=True).check()
    expect(nik).to_be_visible()
    expect(nip).to_be_hidden()
    expect(page.get_by_role("group", name="ASN (PNS atau PPPK)")).to_be_hidden()
    page.get_by_label("ASN", exact=True).check()
    expect(nip).to_be_visible()
    expect(nik).to_be_hidden()
    # Kelurahan are grouped by kecamatan.
    groups = page.locator("#kelurahan_code optgroup")
    assert groups.count() >= 7
    expect(groups.first).to_have_attribute("label", "Kec. Bukit Intan")
