"""Journey 4: an officer issues a sponsor's statement for the month; an auditor signs in,
finds it, downloads the PDF and checks it on the public verification page."""

import hashlib
import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from asuh import timeutil
from tests.browser.support import field, nav, shoot, sign_in

pytestmark = pytest.mark.browser

JOURNEY = "4-statement"


def _confirmed_delivery(live_server, sponsor_name: str, child_name: str) -> int:
    """Journeys 1–3's outcome: an approved, matched sponsor whose delivery the field
    user confirmed this month."""
    from asuh.accounts.services import find_user_by_email
    from asuh.contributions.verification import confirm_contribution

    with live_server.seed():
        sponsor = live_server.approved_sponsor(sponsor_name)
        match = live_server.match(sponsor, live_server.measured_child(child_name))
        delivery = live_server.delivery(match.id)
        confirm_contribution(delivery, actor=find_user_by_email(live_server.emails["field"]))
        return sponsor.id


def test_officer_issues_a_statement_and_an_auditor_verifies_its_pdf(open_page, live_server,
                                                                    tmp_path):
    n = live_server.unique()
    sponsor_name = f"Eka Purnamasari {n}"
    _confirmed_delivery(live_server, sponsor_name, f"Zahra Putri {n}")
    month = f"{timeutil.today():%Y-%m}"

    officer = open_page("desktop", as_role="officer")
    officer.goto("/")
    nav(officer, "Surat").click()
    officer.get_by_role("button", name="Terbitkan surat").click()  # a link styled as one
    # The kind first, then only its fields (issue 18); the sponsor found by name.
    expect(officer).to_have_url(re.compile(r"/letters/new$"))
    officer.get_by_role("link", name="Surat pertanggungjawaban Bapak/Bunda Asuh").click()
    expect(officer).to_have_url(re.compile(r"kind=sponsor_statement"))
    expect(field(officer, "Penyaluran")).to_have_count(0)
    officer.get_by_role("search").get_by_role("searchbox").fill(sponsor_name)
    officer.get_by_role("button", name="Cari", exact=True).click()
    expect(officer).to_have_url(re.compile(r"q="))
    sponsor = field(officer, "Bapak/Bunda Asuh")
    sponsor.select_option(sponsor.locator("option", has_text=sponsor_name).get_attribute(
        "value"))
    field(officer, "Bulan").fill(month)
    # This month is still running: it is issued only as an interim letter (issue 11).
    officer.get_by_label("Surat sementara", exact=False).check()
    shoot(officer, JOURNEY, "01-issue-form")
    officer.get_by_role("button", name="Terbitkan", exact=True).click()
    expect(officer.get_by_role("status")).to_contain_text("diterbitkan")
    number = officer.locator("dt:text-is('Nomor') + dd").inner_text().strip()
    assert re.fullmatch(r"\d+/.+/\d{4}", number), number
    shoot(officer, JOURNEY, "02-issued")

    auditor = open_page("desktop")
    sign_in(auditor, live_server.emails["auditor"])
    nav(auditor, "Surat").click()
    search = auditor.get_by_role("search")
    search.get_by_role("searchbox", name="Bapak/Bunda Asuh").fill(sponsor_name)
    search.get_by_role("button", name="Tampilkan").click()
    row = auditor.get_by_role("row").filter(has_text=number)
    expect(row).to_contain_text(sponsor_name)
    expect(auditor.get_by_role("button", name="Terbitkan surat")).to_have_count(0)
    shoot(auditor, JOURNEY, "03-auditor-finds-letter")
    row.get_by_role("link", name=number).click()
    with auditor.expect_download() as download:
        auditor.get_by_role("button", name="Unduh PDF").click()
    pdf = tmp_path / (download.value.suggested_filename or "surat.pdf")
    download.value.save_as(pdf)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert number in text and sponsor_name in text
    expect(auditor.locator("code.sha256")).to_have_text(hashlib.sha256(data).hexdigest())
    shoot(auditor, JOURNEY, "04-letter-detail")

    auditor.get_by_role("link", name=re.compile("verify")).click()
    expect(auditor.get_by_text("masih berlaku")).to_be_visible()
    expect(auditor.get_by_text(number).first).to_be_visible()
    shoot(auditor, JOURNEY, "05-verification-page")

    # The auditor checks the file as anyone holding the letter would: the verification
    # link (the letter's QR code) opened on a phone that is not signed in.
    public = open_page("phone")
    public.goto(auditor.url)
    field(public, "Berkas PDF surat").set_input_files(pdf)
    public.get_by_role("button", name="Cocokkan").click()
    expect(public.get_by_role("status")).to_contain_text("identik")
    shoot(public, JOURNEY, "06-public-check-identical")
    altered = tmp_path / "diubah.pdf"
    altered.write_bytes(data.replace(b"/Producer", b"/Produser", 1) if b"/Producer" in data
                        else data + b"\n")
    field(public, "Berkas PDF surat").set_input_files(altered)
    public.get_by_role("button", name="Cocokkan").click()
    expect(public.get_by_role("alert")).to_contain_text("tidak identik")
    shoot(public, JOURNEY, "07-public-check-altered-copy")


def test_signed_in_auditor_can_check_a_pdf_on_the_public_page(open_page, live_server,
                                                               tmp_path):
    from asuh.letters import services as letters
    from asuh.letters.models import SPONSOR_STATEMENT
    from asuh.letters.periods import parse_period

    n = live_server.unique()
    sponsor_id = _confirmed_delivery(live_server, f"Hasanah {n}", f"Naura Azzahra {n}")
    with live_server.seed():
        letter = letters.issue_letter(SPONSOR_STATEMENT, sponsor_id=sponsor_id,
                                      period=parse_period(f"{timeutil.today():%Y-%m}"),
                                      actor=live_server.officer(), interim=True)
        token = letter.verify_token
    pdf = tmp_path / "surat.pdf"
    pdf.write_bytes(b"%PDF-1.7 not the letter")
    auditor = open_page("desktop", as_role="auditor")
    auditor.goto(f"/verify/{token}")
    field(auditor, "Berkas PDF surat").set_input_files(pdf)
    auditor.get_by_role("button", name="Cocokkan").click()
    expect(auditor.get_by_role("alert")).to_contain_text("tidak identik")
