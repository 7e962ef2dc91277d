"""Every sponsor page at 360 px (issue 18): nothing scrolls sideways, and every link and
button of the page lies inside the screen (an "Unduh" link in a table's fourth column was
off-screen); the main actions are there and visible."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.support import shoot

pytestmark = pytest.mark.browser

JOURNEY = "sponsor-360"

# (role, path, the actions a sponsor comes to the page for)
PAGES = [
    ("sponsor", "/home", []),
    ("sponsor", "/me/children", ["Catat penyaluran"]),
    ("sponsor", "/me/sponsor", []),
    ("sponsor", "/me/contributions", ["Catat penyaluran"]),
    ("sponsor", "/contributions/{contribution_id}", ["Ubah"]),
    ("sponsor", "/matches/{sponsor_match_id}/contributions/new", ["Simpan penyaluran"]),
    ("other_sponsor", "/my/letters", ["Unduh"]),
    ("other_sponsor", "/contributions/{other_contribution_id}", []),
]

_OFF_SCREEN = """() => {
  const width = document.documentElement.clientWidth;
  const actions = "main a[href], main button, main select, "
                + "main input:not([type=hidden]), main textarea";
  return [...document.querySelectorAll(actions)]
    .filter(el => el.getClientRects().length && getComputedStyle(el).visibility !== "hidden")
    .map(el => [el, el.getBoundingClientRect()])
    .filter(([el, box]) => box.left < -1 || box.right > width + 1)
    .map(([el, box]) => `${el.tagName} "${(el.textContent || el.name || "").trim()}" `
                        + `at ${Math.round(box.left)}–${Math.round(box.right)} px`);
}"""


@pytest.mark.parametrize("role, path, actions", PAGES, ids=[p[1] for p in PAGES])
def test_sponsor_page_fits_a_360px_phone(open_page, live_server, role, path, actions):
    page = open_page("small-phone", as_role=role)
    response = page.goto(live_server.path(path))
    assert response.ok, f"{path}: {response.status}"
    width, inner = page.evaluate("() => [document.scrollingElement.scrollWidth, innerWidth]")
    shoot(page, JOURNEY, re.sub(r"\W+", "-", path).strip("-"))
    assert width <= inner, f"{path} scrolls sideways at 360 px ({width} > {inner})"
    off_screen = page.evaluate(_OFF_SCREEN)
    assert not off_screen, f"{path}: actions outside the screen: {off_screen}"
    for name in actions:
        action = page.get_by_role("link", name=name).or_(page.get_by_role("button", name=name))
        expect(action.first).to_be_visible()
        # Scrolled to (down the page only): wholly on screen, not cut off by a scrolling box.
        action.first.scroll_into_view_if_needed()
        expect(action.first).to_be_in_viewport(ratio=1)


def test_growth_chart_text_is_legible_on_a_360px_phone(open_page, live_server):
    page = open_page("small-phone", as_role="sponsor")
    page.goto("/me/children")
    chart = page.get_by_role("img", name=re.compile(r"^Grafik panjang.tinggi badan"))
    expect(chart).to_be_visible()
    # Its SVG text is 11 units at 720 units wide: drawn at 720 px it is 11 px, not ~5.
    assert chart.evaluate("img => img.getBoundingClientRect().width") >= 700
    panned = page.get_by_role("region", name=re.compile("^Grafik pertumbuhan"))
    # It pans inside its box only, opening at the axis and the child's measurements.
    assert panned.evaluate("box => box.scrollWidth > box.clientWidth && box.scrollLeft == 0")
    assert page.evaluate("() => document.scrollingElement.scrollWidth <= innerWidth")
