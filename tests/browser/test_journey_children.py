"""Journey 2: an officer imports a children file, records a measurement, and matches a
child to a sponsor from the priority list; the sponsor then sees the child on a phone."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from asuh import timeutil
from tests import factories
from tests.browser.support import field, nav, shoot, sign_in

pytestmark = pytest.mark.browser

JOURNEY = "2-import-measure-match"
HEADER = ["NIK", "Nama", "JK (L/P)", "Tgl Lahir", "Nama Ortu", "Kec", "Desa/Kel", "Posyandu",
          "RT", "RW", "Alamat", "Tanggal Pengukuran", "Berat", "Tinggi", "Cara Ukur"]


def eppgbm_csv(children: list[dict]) -> bytes:
    """An e-PPGBM export as posyandu staff save it: semicolons, day-first dates, commas."""
    lines = [";".join(HEADER)] + [";".join(c[h] for h in HEADER) for c in children]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _row(live_server, name: str, sex: str, age_days: int, weight: str, height: str) -> dict:
    birth = timeutil.today() - timedelta(days=age_days)
    return {"NIK": factories.child_nik(birth, sex, 5000 + live_server.unique()), "Nama": name,
            "JK (L/P)": sex, "Tgl Lahir": f"{birth:%d/%m/%Y}", "Nama Ortu": "Ibu Yuliana",
            "Kec": "BUKIT INTAN", "Desa/Kel": "SEMABUNG LAMA", "Posyandu": "Melati 3",
            "RT": "003", "RW": "002", "Alamat": "Jl. Semabung Lama Gg. Mawar",
            "Tanggal Pengukuran": f"{timeutil.today() - timedelta(days=20):%d/%m/%Y}",
            "Berat": weight, "Tinggi": height, "Cara Ukur": "Terlentang"}


def test_officer_imports_measures_and_matches_a_child(open_page, live_server, tmp_path):
    n = live_server.unique()
    child_name, sibling_name = f"Keisha Maharani {n}", f"Arkan Pratama {n}"
    upload = tmp_path / f"eppgbm-semabung-{n}.csv"
    upload.write_bytes(eppgbm_csv([
        _row(live_server, child_name, "P", 430, "7,6", "68,9"),
        _row(live_server, sibling_name, "L", 610, "9,1", "75,2"),
    ]))
    sponsor_name = f"Dewi Anggraini {n}"
    with live_server.seed():  # journey 1's outcome: registered herself, approved
        sponsor_email = live_server.approved_sponsor(sponsor_name).email
    officer = open_page("desktop", as_role="officer")

    officer.goto("/home")
    officer.get_by_role("link", name="Impor e-PPGBM").click()
    field(officer, "Berkas e-PPGBM / posyandu (.xlsx atau .csv)").set_input_files(upload)
    shoot(officer, JOURNEY, "01-import-upload")
    officer.get_by_role("button", name="Unggah dan lihat pratinjau").click()
    expect(officer.get_by_role("heading", name=re.compile("Pratinjau impor"))).to_be_visible()
    expect(officer.get_by_role("row").filter(has_text=child_name)).to_be_visible()
    shoot(officer, JOURNEY, "02-import-preview")
    officer.get_by_role("button", name="Simpan impor").click()
    expect(officer.get_by_text(f"Impor {upload.name} disimpan")).to_be_visible()
    assert any("Simpan 2 anak baru" in message for message in officer.asuh_dialogs)
    shoot(officer, JOURNEY, "03-children-list")

    officer.get_by_role("search").get_by_label(re.compile("Cari")).fill(child_name)
    officer.get_by_role("search").get_by_role("button").click()
    officer.get_by_role("link", name=child_name).click()
    expect(officer.get_by_role("heading", name=child_name)).to_be_visible()
    field(officer, "Panjang/tinggi badan (cm)").fill("69,4")
    field(officer, "Berat badan (kg)").fill("7,8")
    field(officer, "Diukur oleh").fill("Bidan Yuli")
    officer.get_by_role("button", name="Simpan pengukuran").click()
    expect(officer.get_by_text("Pengukuran disimpan")).to_be_visible()
    history = officer.locator("table.measurements tbody tr")
    expect(history).to_have_count(2)  # the file's measurement and today's
    expect(history.first).to_contain_text("69,4")
    shoot(officer, JOURNEY, "04-child-measured")

    nav(officer, "Pemasangan").click()
    row = officer.get_by_role("row").filter(has_text=child_name)
    expect(row).to_contain_text("pendek", ignore_case=True)
    shoot(officer, JOURNEY, "05-priority-list")
    row.get_by_role("link", name="Pilih Bapak/Bunda Asuh").click()
    officer.get_by_role("radio", name=sponsor_name).check()
    shoot(officer, JOURNEY, "06-choose-sponsor")
    officer.get_by_role("button", name="Pasangkan").click()
    matched = f"{sponsor_name} kini Bapak/Bunda Asuh {child_name}"
    expect(officer.get_by_text(matched)).to_be_visible()
    expect(officer.get_by_role("row").filter(has_text=child_name)).to_have_count(0)
    shoot(officer, JOURNEY, "07-matched")

    sponsor = open_page("phone")
    sign_in(sponsor, sponsor_email)
    nav(sponsor, "Anak asuh saya").click()
    first_name = child_name.split()[0]  # a sponsor is shown the child's first name only
    expect(sponsor.get_by_role("heading", level=2, name=re.compile(f"^{first_name}"))
           ).to_be_visible()
    shoot(sponsor, JOURNEY, "08-sponsor-sees-child")
