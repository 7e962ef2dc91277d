"""axe-core finds no serious or critical accessibility problem on each role's main pages,
on the device that role mostly uses (sponsors and field staff: phones)."""

import pytest

from tests.browser.support import assert_accessible

pytestmark = pytest.mark.browser

# (role, device, path); {name} parts are ids of the live server's baseline records.
MAIN_PAGES = [
    (None, "phone", "/login"),
    (None, "phone", "/register"),
    (None, "phone", "/forgot-password"),
    (None, "phone", "/verify"),
    (None, "phone", "/verify/{letter_token}"),
    ("sponsor", "phone", "/home"),
    ("sponsor", "phone", "/me/sponsor"),
    ("sponsor", "phone", "/account"),
    ("sponsor", "phone", "/me/children"),
    ("sponsor", "phone", "/me/contributions"),
    ("sponsor", "phone", "/matches/{sponsor_match_id}/contributions/new"),
    ("sponsor", "phone", "/contributions/{contribution_id}"),
    ("other_sponsor", "phone", "/my/letters"),
    ("field", "phone", "/children"),
    ("field", "phone", "/children/{sponsor_child_id}"),
    ("field", "phone", "/contributions/queue"),
    ("field", "phone", "/contributions/{contribution_id}"),
    ("field", "phone", "/visits"),
    (None, "phone", "/statistik"),
    (None, "desktop", "/statistik?kecamatan=19.71.01"),
    ("officer", "desktop", "/home"),
    ("officer", "desktop", "/children"),
    ("officer", "desktop", "/children/{sponsor_child_id}"),
    ("officer", "desktop", "/children/import"),
    ("officer", "desktop", "/sponsors"),
    ("officer", "desktop", "/sponsors/{sponsor_id}"),
    ("officer", "desktop", "/sponsors/new"),
    ("officer", "desktop", "/matching"),
    ("officer", "desktop", "/matching/children/{waiting_child_id}"),
    ("officer", "desktop", "/matches"),
    ("officer", "desktop", "/matches/{sponsor_match_id}"),
    ("officer", "desktop", "/contributions"),
    ("officer", "desktop", "/contributions/behind"),
    ("officer", "desktop", "/contributions/{contribution_id}"),
    ("officer", "desktop", "/letters"),
    ("officer", "desktop", "/letters/new"),
    ("officer", "desktop", "/letters/new?kind=sponsor_statement"),
    ("officer", "desktop", "/letters/new?kind=handover_receipt"),
    ("officer", "desktop", "/home"),
    ("officer", "desktop", "/matching/auto"),
    ("officer", "desktop", "/letters/{letter_id}"),
    ("officer", "desktop", "/dashboard"),
    ("auditor", "desktop", "/home"),
    ("auditor", "desktop", "/sponsors/{other_sponsor_id}"),
    ("auditor", "desktop", "/children/{other_sponsor_child_id}"),
    ("auditor", "desktop", "/contributions"),
    ("auditor", "desktop", "/dashboard"),
    ("auditor", "desktop", "/letters"),
    ("auditor", "desktop", "/letters/{letter_id}"),
    ("auditor", "desktop", "/audit"),
    ("admin", "desktop", "/admin/users"),
    ("admin", "desktop", "/admin/settings"),
    ("admin", "desktop", "/regions"),
    ("admin", "desktop", "/catalogue"),
]


@pytest.mark.parametrize(("role", "device", "path"), MAIN_PAGES,
                         ids=[f"{r or 'anonymous'}-{d}-{p}" for r, d, p in MAIN_PAGES])
def test_main_page_has_no_serious_accessibility_problem(open_page, live_server, axe_source,
                                                        role, device, path):
    page = open_page(device, as_role=role)
    response = page.goto(live_server.path(path))
    assert response.status == 200, f"{path} answered {response.status}"
    assert_accessible(page, axe_source, f"{path} as {role or 'anonymous'} on a {device}")


def test_form_errors_are_accessible(open_page, axe_source):
    """A refused form (errors next to fields, aria-invalid) must stay accessible too."""
    page = open_page("phone")
    page.goto("/register")
    page.get_by_role("button", name="Daftar").click()
    assert page.locator("[aria-invalid=true]").count() > 0
    assert_accessible(page, axe_source, "the refused registration form")
