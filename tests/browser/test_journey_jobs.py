"""An officer issues every sponsor's statement of the month from the page: the job page
shows a progress bar that follows the worker (polling its JSON), then the zip to download."""

import io
import zipfile

import pytest
from playwright.sync_api import expect

from asuh import timeutil
from asuh.jobs.backend import work
from tests.browser.support import assert_accessible, field, nav, shoot

pytestmark = pytest.mark.browser

JOURNEY = "5-bulk-statements"


def test_officer_follows_a_bulk_job_and_downloads_its_zip(open_page, live_server, axe_source):
    officer = open_page("desktop", as_role="officer")
    officer.goto("/")
    nav(officer, "Surat").click()
    officer.get_by_role("button", name="Surat bulanan semua Bapak/Bunda Asuh").click()
    field(officer, "Bulan").fill(f"{timeutil.today():%Y-%m}")
    officer.get_by_label("Surat sementara", exact=False).check()
    officer.get_by_role("button", name="Terbitkan semua surat").click()
    expect(officer.get_by_role("heading", level=1)).to_have_text(
        "Surat pertanggungjawaban bulanan semua Bapak/Bunda Asuh")
    expect(officer.get_by_role("status").first).to_have_text("Menunggu giliran")
    assert_accessible(officer, axe_source, "job page")
    shoot(officer, JOURNEY, "01-queued")

    # The embedded worker takes it (in this process, against the live server's database).
    with live_server.app.app_context():
        work(burst=True, poll=0.1)

    # The page notices by itself (polling /jobs/<id>/status) and shows the result.
    download_link = officer.get_by_role("button", name="Unduh surat-pertanggungjawaban-")
    expect(download_link).to_be_visible(timeout=15_000)
    expect(officer.locator("[data-job-label]")).to_have_text("Selesai")
    assert officer.locator("progress").get_attribute("value") == "100"
    shoot(officer, JOURNEY, "02-done")
    with officer.expect_download() as waiting:
        download_link.click()
    names = zipfile.ZipFile(io.BytesIO(waiting.value.path().read_bytes())).namelist()
    assert names and all(name.endswith(".pdf") for name in names)
