"""The kader's pages on a 360 px phone: nothing scrolls sideways (not the page, not a
table inside it), every action is on screen, the menu folds behind a button, and the
growth chart is drawn for the phone's width."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.support import shoot

pytestmark = pytest.mark.browser

FIELD_PAGES = [
    ("/home", "Antrean verifikasi penyaluran"),
    ("/children", None),
    ("/children/{sponsor_child_id}", "Simpan pengukuran"),
    ("/contributions/queue", None),
    ("/contributions/{contribution_id}", "Konfirmasi diterima"),
    ("/contributions/{contribution_id}/confirm", "Ya, sudah diterima"),
]

# Elements that scroll sideways (a wide table in an overflow box scrolls inside the page,
# which a page-width check alone would not see), and actions (buttons, links, fields in
# the page's main part) that are displayed but reach outside the screen.
LAYOUT = """() => {
  const width = window.innerWidth;
  const scrolling = [...document.querySelectorAll('body *')].filter((el) => {
    const overflow = getComputedStyle(el).overflowX;
    return (overflow === 'auto' || overflow === 'scroll') && el.scrollWidth > el.clientWidth + 1;
  }).map((el) => el.className || el.tagName);
  const actions = 'main a, main button, main input:not([type=hidden]), main select, main textarea';
  const offscreen = [...document.querySelectorAll(actions)].filter((el) => {
    if (el.closest('.visually-hidden')) return false;
    const box = el.getBoundingClientRect();
    if (!box.width && !box.height) return false;  // not displayed
    return box.left < -0.5 || box.right > width + 0.5;
  }).map((el) => (el.textContent || el.name || el.id).trim().slice(0, 40));
  return {page: document.documentElement.scrollWidth, scrolling, offscreen};
}"""


@pytest.mark.parametrize(("path", "action"), FIELD_PAGES, ids=[p for p, _ in FIELD_PAGES])
def test_field_page_fits_a_360_px_phone(open_page, live_server, path, action):
    page = open_page("small-phone", as_role="field")
    response = page.goto(live_server.path(path))
    assert response.status == 200
    layout = page.evaluate(LAYOUT)
    slug = re.sub(r"\{[^}]+\}", "record", path).strip("/").replace("/", "-")
    shoot(page, "field-360", slug)
    assert layout["page"] <= 360, f"{path} is {layout['page']} px wide"
    assert layout["scrolling"] == [], f"{path}: scrolls sideways inside {layout['scrolling']}"
    assert layout["offscreen"] == [], f"{path}: actions off screen {layout['offscreen']}"
    if action:
        button = page.get_by_role("button", name=action).first
        button.scroll_into_view_if_needed()
        expect(button).to_be_in_viewport(ratio=0.9)


def test_the_queue_tells_deliveries_apart_on_a_phone(open_page, live_server):
    page = open_page("small-phone", as_role="field")
    page.goto("/contributions/queue")
    card = page.get_by_role("row").filter(has_text="Siti Aisyah")
    # Whose, for whom, when and what: each card says all four, each under its name.
    for label, text in (("Dari", "Sari Wulandari"), ("Barang", "Beras"),
                        ("Tanggal", re.compile(r"\d+ \w+ 20\d\d"))):
        expect(card.locator(f"td[data-label={label}]")).to_contain_text(text)
    shown = card.locator("td[data-label=Dari]").evaluate(
        "(td) => getComputedStyle(td, '::before').content")
    assert shown == '"Dari: "'
    expect(card.get_by_role("link", name=re.compile("Periksa dan konfirmasi"))).to_be_visible()


def test_the_menu_folds_behind_a_button_on_a_phone(open_page, live_server):
    page = open_page("small-phone", as_role="field")
    page.goto("/home")
    menu = page.get_by_role("navigation", name="Navigasi utama")
    toggle = menu.get_by_role("button", name="Menu")
    expect(toggle).to_be_visible()
    expect(menu.get_by_role("link", name="Anak", exact=True)).to_be_hidden()
    expect(menu.get_by_role("button", name="Keluar")).to_be_visible()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(menu.get_by_role("link", name="Anak", exact=True)).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    desktop = open_page("desktop", as_role="field")
    desktop.goto("/home")
    expect(desktop.get_by_role("button", name="Menu")).to_be_hidden()
    expect(desktop.get_by_role("navigation", name="Navigasi utama").get_by_role(
        "link", name="Anak", exact=True)).to_be_visible()


def test_the_growth_chart_is_drawn_for_the_phone(open_page, live_server):
    from asuh.children.growth_chart import PHONE_FONT, PHONE_SIZE

    page = open_page("small-phone", as_role="field")
    page.goto(live_server.path("/children/{sponsor_child_id}"))
    chart = page.locator(".growth-chart img")
    chart.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => document.querySelector('.growth-chart img').complete")
    source, shown = chart.evaluate("(img) => [img.currentSrc, img.getBoundingClientRect().width]")
    assert "size=phone" in source
    # The chart's smallest type as the phone shows it: at least 11 px.
    assert PHONE_FONT * shown / PHONE_SIZE[0] >= 11, f"labels at {PHONE_FONT * shown / 360:.1f} px"
