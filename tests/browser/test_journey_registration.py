"""Journey 1: a citizen registers as a sponsor on a phone; an officer approves them."""


import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.support import field, shoot, sign_in

pytestmark = pytest.mark.browser

JOURNEY = "1-sponsor-registration"


def test_citizen_registers_on_a_phone_and_an_officer_approves(phone, open_page, live_server):
    n = live_server.unique()
    name = f"Rahmawati Lestari {n}"
    email = f"rahmawati{n}@warga.example.id"

    phone.goto("/login")
    shoot(phone, JOURNEY, "01-login")
    phone.get_by_role("link", name="Daftar di sini").click()
    expect(phone.get_by_role("heading", name="Daftar sebagai Bapak/Bunda Asuh")).to_be_visible()

    phone.get_by_role("radio", name="Masyarakat").check()
    field(phone, "Nama lengkap").fill(name)
    field(phone, "NIK (KTP)").fill("1971 0155 0385")  # four digits short
    field(phone, "Kelurahan tempat tinggal").select_option(label="Semabung Lama")
    field(phone, "Nomor HP (WhatsApp)").fill(f"0812 7788 {n:04d}")
    field(phone, "Alamat").fill("Jl. Kampung Melayu No. 12, RT 003/RW 002")
    field(phone, "Email").fill(email)
    field(phone, "Kata sandi").fill(factories.PASSWORD)
    field(phone, "Ulangi kata sandi").fill(factories.PASSWORD)
    shoot(phone, JOURNEY, "02-form-filled")
    phone.get_by_role("button", name="Daftar").click()

    # Refused: the message sits next to the NIK, is announced, and the input stays.
    nik = field(phone, "NIK (KTP)")
    expect(nik).to_have_attribute("aria-invalid", "true")
    expect(nik).to_be_focused()  # the first refused field: its label and error are read out
    error = phone.locator(f"#{nik.get_attribute('aria-describedby').split()[0]}")
    expect(error).to_have_attribute("role", "alert")
    expect(error).to_contain_text("NIK")
    expect(field(phone, "Nama lengkap")).to_have_value(name)
    expect(field(phone, "Kelurahan tempat tinggal")).to_have_value(factories.KELURAHAN)
    shoot(phone, JOURNEY, "03-nik-refused")

    nik.fill(factories.valid_nik(n))
    field(phone, "Kata sandi").fill(factories.PASSWORD)
    field(phone, "Ulangi kata sandi").fill(factories.PASSWORD)
    phone.get_by_role("button", name="Daftar").click()
    # The same answer as for an email or NIK already known (issue 12): not signed in yet.
    expect(phone.get_by_role("heading", name="pendaftaran Anda kami terima")).to_be_visible()
    sign_in(phone, email)
    phone.goto("/me/sponsor")
    expect(phone.locator(".badge", has_text="Menunggu persetujuan")).to_be_visible()
    shoot(phone, JOURNEY, "04-waiting-for-approval")

    officer = open_page("desktop", as_role="officer")
    officer.goto("/")  # an officer's day starts at the to-do counts (issue 18)
    officer.get_by_role("link", name="Pendaftaran menunggu persetujuan").click()
    row = officer.get_by_role("row").filter(has_text=name)
    expect(row).to_contain_text("Masyarakat")
    expect(row).to_contain_text("Menunggu persetujuan")
    shoot(officer, JOURNEY, "05-officer-pending-list")
    row.get_by_role("link", name=name).click()
    expect(officer.get_by_role("heading", name=name)).to_be_visible()
    shoot(officer, JOURNEY, "06-officer-sponsor-detail")

    officer.get_by_role("button", name="Setujui").click()
    expect(officer.get_by_text(f"{name} disetujui sebagai Bapak/Bunda Asuh.")).to_be_visible()
    assert any("Setujui" in message for message in officer.asuh_dialogs)
    expect(officer.locator(".badge", has_text="Disetujui")).to_be_visible()
    shoot(officer, JOURNEY, "07-officer-approved")

    phone.reload()
    expect(phone.locator(".badge", has_text="Disetujui")).to_be_visible()
    expect(phone.get_by_text("Menunggu persetujuan petugas")).to_have_count(0)
    shoot(phone, JOURNEY, "08-sponsor-approved")
