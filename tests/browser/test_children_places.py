"""The children list's place filters by level (issue 16): choosing a kecamatan fills the
kelurahan select with that kecamatan's own (static/js/place_filters.js), before "Tampilkan";
the filter then lists that kelurahan's children."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_choosing_a_kecamatan_fills_its_kelurahan(open_page):
    officer = open_page("desktop", as_role="officer")
    officer.goto("/children")
    kelurahan = officer.locator("#kelurahan_code option")
    expect(kelurahan).to_have_count(1)  # "Pilih kecamatan dulu"
    kecamatan = officer.locator("#kecamatan_code option").nth(1).get_attribute("value")
    officer.select_option("#kecamatan_code", kecamatan)
    expect(kelurahan.nth(1)).to_be_attached()
    values = [v for v in kelurahan.evaluate_all("os => os.map(o => o.value)") if v]
    assert values and all(v.startswith(kecamatan + ".") for v in values)
    officer.select_option("#kelurahan_code", values[0])
    officer.get_by_role("button", name="Tampilkan").click()
    expect(officer).to_have_url(re.compile(rf"kelurahan_code={re.escape(values[0])}"))
    expect(officer.locator(f"#kelurahan_code option[value='{values[0]}']")).to_have_attribute(
        "selected", "")
