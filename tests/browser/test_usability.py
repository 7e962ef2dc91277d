"""Usable without a mouse and on a 360 px phone."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.support import delivery_photo, shoot, sign_in, signed_in_menu
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

FOCUSED = """() => {
  const el = document.activeElement;
  return {tag: el.tagName.toLowerCase(), id: el.id, text: el.textContent.trim(),
          left: el.getBoundingClientRect().left};
}"""


def tab_until(page, element_id: str, limit: int = 6) -> int:
    """Press Tab until the element with ``element_id`` has focus; return the presses."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED)["id"] == element_id:
            return presses
    raise AssertionError(f"#{element_id} not reached in {limit} Tab presses")


def test_sign_in_with_the_keyboard_alone(desktop, live_server):
    page = desktop
    page.goto("/login")

    page.keyboard.press("Tab")
    first = page.evaluate(FOCUSED)
    assert first["text"] == "Lewati ke isi halaman", "the skip link comes first"
    assert first["left"] >= 0, "the skip link is on screen once focused"
    assert tab_until(page, "email") <= 3
    page.keyboard.type(live_server.emails["field"])
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED)["id"] == "password"
    page.keyboard.type("not-the-password")
    page.keyboard.press("Enter")
    # The refusal is announced next to the field and the email typed stays.
    expect(page.get_by_role("alert")).to_contain_text("Email atau kata sandi salah")
    expect(page.locator("#email")).to_have_value(live_server.emails["field"])

    expect(page.locator("#password")).to_be_focused()  # back on the refused field
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    focused = page.evaluate(FOCUSED)
    assert (focused["tag"], focused["text"]) == ("button", "Masuk")
    page.keyboard.press("Enter")
    expect(signed_in_menu(page)).to_be_visible()


# (role, path) a phone user opens; {name} parts are the baseline's record ids.
PHONE_PAGES = [
    (None, "/login"),
    (None, "/register"),
    (None, "/verify/{letter_token}"),
    ("sponsor", "/home"),
    ("sponsor", "/me/sponsor"),
    ("sponsor", "/me/children"),
    ("sponsor", "/me/contributions"),
    ("sponsor", "/matches/{sponsor_match_id}/contributions/new"),
    ("sponsor", "/contributions/{contribution_id}"),
    ("other_sponsor", "/my/letters"),
    ("field", "/home"),
    ("field", "/children"),
    ("field", "/children/{sponsor_child_id}"),
    ("field", "/contributions/queue"),
    ("field", "/contributions/{contribution_id}"),
    ("field", "/visits"),
    (None, "/statistik"),
]


@pytest.mark.parametrize(("role", "path"), PHONE_PAGES,
                         ids=[f"{r or 'anonymous'}-{p}" for r, p in PHONE_PAGES])
def test_phone_page_fits_360_px(open_page, live_server, role, path):
    page = open_page("small-phone", as_role=role)
    response = page.goto(live_server.path(path))
    assert response.status == 200
    width = page.evaluate("() => document.documentElement.scrollWidth")
    slug = re.sub(r"\{[^}]+\}", "record", path).strip("/").replace("/", "-")
    shoot(page, "phone-360", f"{role or 'anonymous'}-{slug}")
    assert width <= 360, f"{path} is {width} px wide on a 360 px phone: it scrolls sideways"


def test_delivery_form_can_be_completed_by_keyboard(open_page, live_server, tmp_path):
    n = live_server.unique()
    with live_server.seed():
        sponsor = live_server.approved_sponsor(f"Ratna Sari {n}")
        match = live_server.match(sponsor, live_server.measured_child(f"Kirana Ayu {n}"))
        email, match_id = sponsor.email, match.id
    photo = tmp_path / "bukti.jpg"
    photo.write_bytes(delivery_photo())
    page = open_page("desktop")
    # Listening from the start turns on Chromium's file-chooser interception before the
    # key press that opens it (enabling it inside expect_file_chooser can lose the race).
    page.on("filechooser", lambda chooser: chooser.set_files(photo))
    sign_in(page, email)
    page.goto(f"/matches/{match_id}/contributions/new")

    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the skip link: past the menu, into the page
    tab_until(page, "delivered_on", limit=3)
    # A select is chosen by typing the start of an option, as on any keyboard: the
    # commodity ("Beras — kg" comes first), then down to its pack ("Beras — karung 5 kg").
    for row, (typed, downs, value, quantity, price) in enumerate([
            ("Beras", 1, "rice|karung 5 kg", "2", "150000"),
            ("Telur", 1, "eggs|tray", "1", "60000")]):
        tab_until(page, f"items-{row}-item", limit=5)
        page.keyboard.type(typed)
        for _ in range(downs):
            page.keyboard.press("ArrowDown")
        expect(page.locator(f"#items-{row}-item")).to_have_value(value)
        page.keyboard.press("Tab")
        page.keyboard.type(quantity)
        page.keyboard.press("Tab")
        page.keyboard.type(price)
    tab_until(page, "photos", limit=20)
    page.keyboard.press("Space")  # opens the file chooser, as a tap would
    # photos.js takes the file (resized) out of the input and shows it with a remove
    # button, the next stop before the submit button.
    expect(page.get_by_role("img", name=re.compile("^Foto 1 yang akan dikirim"))).to_be_visible()
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED)["text"] == "Hapus foto 1"
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED)["text"] == "Simpan penyaluran"
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Penyaluran dicatat")
    expect(page.get_by_text("Rp 210.000").first).to_be_visible()
