"""Journey 3: the sponsor, on a phone, logs a delivery of rice, eggs, milk and honey with
a photo; a field user, on a phone too, confirms the family received it."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.support import delivery_photo, field, nav, shoot, sign_in

pytestmark = pytest.mark.browser

JOURNEY = "3-delivery"
# (select value "commodity|unit", quantity, value in Rupiah) — one month's package.
ITEMS = [("rice|karung 5 kg", "2", "150000"), ("eggs|tray", "1", "60000"),
         ("milk|kotak 1 L", "4", "80000"), ("honey|botol 250 ml", "1", "45000")]


def fill_delivery(page, photo) -> None:
    for number, (item, quantity, value) in enumerate(ITEMS, start=1):
        row = page.get_by_role("group", name=f"Barang {number}")
        row.get_by_label(re.compile("^Barang dan satuan")).select_option(item)
        row.get_by_label(re.compile("^Jumlah")).fill(quantity)
        row.get_by_label(re.compile(r"\bnilai\b", re.I)).fill(value)
    field(page, "Catatan").fill("Diserahkan langsung kepada Ibu di rumah.")
    page.get_by_label(re.compile("^Foto bukti")).set_input_files(photo)


def test_sponsor_logs_a_delivery_on_a_phone_and_a_field_user_confirms(open_page, live_server,
                                                                       tmp_path):
    n = live_server.unique()
    sponsor_name, child_name = f"Lina Herlina {n}", f"Alya Safitri {n}"
    with live_server.seed():
        sponsor = live_server.approved_sponsor(sponsor_name)
        live_server.match(sponsor, live_server.measured_child(child_name))
        sponsor_email = sponsor.email
    photo = tmp_path / "penyaluran.jpg"
    photo.write_bytes(delivery_photo())

    phone = open_page("phone")
    sign_in(phone, sponsor_email)
    nav(phone, "Penyaluran saya").click()
    shoot(phone, JOURNEY, "01-my-deliveries")
    phone.get_by_role("button", name="Catat penyaluran").click()  # a link styled as one
    expect(phone.get_by_text(child_name)).to_be_visible()
    fill_delivery(phone, photo)
    shoot(phone, JOURNEY, "02-delivery-form")
    phone.get_by_role("button", name="Simpan penyaluran").click()
    expect(phone.get_by_text("Penyaluran dicatat dan menunggu konfirmasi petugas")).to_be_visible()
    for name in ("Beras", "Telur", "Susu", "Madu"):
        expect(phone.get_by_role("cell", name=re.compile(f"^{name}"))).to_be_visible()
    expect(phone.get_by_text("Rp 335.000").first).to_be_visible()
    expect(phone.get_by_role("img", name=re.compile("Foto bukti penyaluran"))).to_be_visible()
    shoot(phone, JOURNEY, "03-delivery-logged")
    delivery_url = phone.url

    kader = open_page("phone")
    sign_in(kader, live_server.emails["field"])
    kader.goto("/contributions/queue")
    row = kader.get_by_role("row").filter(has_text=child_name)
    expect(row).to_contain_text(sponsor_name)
    shoot(kader, JOURNEY, "04-verification-queue")
    row.get_by_role("link").first.click()
    expect(kader.get_by_role("img", name=re.compile("Foto bukti penyaluran"))).to_be_visible()
    kader.get_by_role("button", name="Konfirmasi diterima").click()
    # Asked once, with what was delivered to whom.
    expect(kader.get_by_role("heading", name="Sudah diterima keluarga?")).to_be_visible()
    kader.get_by_role("button", name="Ya, sudah diterima").click()
    expect(kader.get_by_role("status")).to_contain_text("dikonfirmasi diterima keluarga")
    shoot(kader, JOURNEY, "05-confirmed")

    phone.goto(delivery_url)
    expect(phone.get_by_text("Dikonfirmasi").first).to_be_visible()
    expect(phone.get_by_role("link", name="Ubah")).to_have_count(0)  # locked once confirmed
    shoot(phone, JOURNEY, "06-sponsor-sees-confirmation")
