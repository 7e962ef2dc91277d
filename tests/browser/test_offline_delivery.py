"""Issue 13 on a phone without signal: a sponsor logs a delivery offline, closes the page,
opens the app again offline (the page and the waiting delivery are there) and, once the
signal returns, the delivery is stored once with its photo; a delivery refused on sync
keeps what was typed, with the server's reason; signing out leaves nothing personal in
the caches or IndexedDB."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from asuh import timeutil
from asuh.extensions import db
from tests.browser.support import delivery_photo, field, sign_in, watch

pytestmark = pytest.mark.browser

# The waiting entry, kept aside in the page (its photo blobs included) ...
COPY_ENTRY = """async () => {
  const entries = await AsuhOutbox.all();
  window.entryCopy = entries[0];
  return entries.length;
}"""
# ... and sent again after it went: a lost answer, or the page and the worker's Background
# Sync both sending it. The outbox counts it sent (the server answers with what it made).
RESEND_ENTRY = """async () => {
  await AsuhOutbox.put(window.entryCopy);
  return AsuhOutbox.sendAll(document.body.dataset.offlineUser);
}"""


def wait_until_kept(page) -> None:
    """Until the open page is in the account's cache on the phone: the account's worker
    (installing at sign-in) has taken over and stored it (AsuhOffline.kept)."""
    page.wait_for_function("() => window.AsuhOffline && AsuhOffline.keptState() !== 'waiting'")
    assert page.evaluate("AsuhOffline.keptState()") is True


def _sponsor_with_match(live_server):
    n = live_server.unique()
    with live_server.seed():
        sponsor = live_server.approved_sponsor(f"Dewi Lestari {n}")
        match = live_server.match(sponsor, live_server.measured_child(f"Putri Ayu {n}"))
        return n, sponsor.email, match.id


def _open_app(open_page, email, match_id):
    """Signed in, the app opened at its start page (the sponsor's children, kept as the
    app's start), then the delivery form opened twice: the second time through the
    installed service worker, which keeps the page for this account."""
    page = open_page("small-phone")
    sign_in(page, email)
    page.goto("/app")
    expect(page.get_by_role("heading", name="Anak asuh saya")).to_be_visible()
    wait_until_kept(page)
    form_url = f"/matches/{match_id}/contributions/new"
    page.goto(form_url)
    wait_until_kept(page)
    # Opened again: answered by the account's worker now, which keeps it afresh.
    page.reload()
    expect(page.get_by_role("heading", name="Catat penyaluran")).to_be_visible()
    wait_until_kept(page)
    return page, form_url


def _fill(page, photo, note):
    for number, (item, quantity, value) in enumerate(
            [("rice|karung 5 kg", "2", "150000"), ("eggs|tray", "1", "60000")], start=1):
        row = page.get_by_role("group", name=f"Barang {number}")
        row.get_by_label(re.compile("^Barang dan satuan")).select_option(item)
        row.get_by_label(re.compile("^Jumlah")).fill(quantity)
        row.get_by_label(re.compile(r"\bnilai\b", re.I)).fill(value)
    field(page, "Catatan").fill(note)
    page.get_by_label(re.compile("^Foto bukti")).set_input_files(photo)
    expect(page.locator("[data-photo-previews] img")).to_have_count(1)  # resized


def _stored(live_server, note):
    from asuh.contributions.models import Contribution, ContributionPhoto

    with live_server.app.app_context():
        ids = db.session.scalars(select(Contribution.id).where(Contribution.note == note)).all()
        photos = db.session.scalar(select(func.count(ContributionPhoto.id)).where(
            ContributionPhoto.contribution_id.in_(ids))) if ids else 0
        return len(ids), photos


def test_a_delivery_logged_offline_is_stored_once_with_its_photo(open_page, live_server,
                                                                 tmp_path):
    n, email, match_id = _sponsor_with_match(live_server)
    photo = tmp_path / "penyaluran.jpg"
    photo.write_bytes(delivery_photo())
    note = f"Diserahkan tanpa sinyal {n}"
    page, form_url = _open_app(open_page, email, match_id)
    context = page.context

    context.set_offline(True)
    _fill(page, photo, note)
    page.get_by_role("button", name="Simpan penyaluran").click()
    expect(page.locator("[data-outbox-count]")).to_have_text("1 menunggu dikirim")
    expect(page.locator("[data-outbox-status]")).to_contain_text("tersimpan di ponsel")
    assert _stored(live_server, note) == (0, 0)
    page.close()

    again = context.new_page()
    watch(again, [])
    again.goto("/app")  # the installed app opened with no signal: its start page, kept
    assert again.evaluate("fetch('/app/csrf').then(() => 'sent', () => 'no signal')") == (
        "no signal")
    expect(again.get_by_role("heading", name="Anak asuh saya")).to_be_visible()
    expect(again.locator("[data-outbox-count]")).to_have_text("1 menunggu dikirim")
    again.goto(form_url)  # and the delivery form, kept too
    expect(again.get_by_role("heading", name="Catat penyaluran")).to_be_visible()
    expect(again.locator("[data-outbox-count]")).to_have_text("1 menunggu dikirim")
    assert again.evaluate(COPY_ENTRY) == 1

    context.set_offline(False)
    expect(again.locator("[data-outbox-status]")).to_contain_text("1 kiriman terkirim")
    expect(again.locator("[data-outbox-box]")).to_be_hidden()
    assert _stored(live_server, note) == (1, 1)
    # Sent again: still one delivery, with its one photo.
    assert again.evaluate(RESEND_ENTRY) == {"sent": 1, "refused": 0, "waiting": 0}
    assert _stored(live_server, note) == (1, 1)


def _end_match(live_server, match_id):
    """The match ends today while the sponsor has no signal (the family moved)."""
    from asuh.matching import services as matching
    from asuh.matching.models import Match

    with live_server.seed():
        matching.end_match(db.session.get(Match, match_id), reason="moved",
                           ended_on=timeutil.today(), actor=live_server.officer())


def test_a_delivery_refused_on_sync_keeps_what_was_typed_and_the_reason(open_page,
                                                                        live_server, tmp_path):
    n, email, match_id = _sponsor_with_match(live_server)
    photo = tmp_path / "penyaluran.jpg"
    photo.write_bytes(delivery_photo())
    note = f"Match berakhir saat offline {n}"
    page, form_url = _open_app(open_page, email, match_id)
    page.context.set_offline(True)
    _fill(page, photo, note)
    page.get_by_role("button", name="Simpan penyaluran").click()
    expect(page.locator("[data-outbox-count]")).to_have_text("1 menunggu dikirim")
    _end_match(live_server, match_id)

    page.context.set_offline(False)
    expect(page.locator("[data-outbox-count]")).to_have_text("1 ditolak")
    page.locator("[data-outbox-box] summary").click()
    entry = page.locator("[data-outbox-list] li")
    expect(entry).to_contain_text("ditolak:")
    assert _stored(live_server, note) == (0, 0)
    entry.get_by_role("button", name="Perbaiki").click()
    expect(field(page, "Catatan")).to_have_value(note)
    expect(page.locator("[data-photo-previews] img")).to_have_count(1)
    expect(page.locator("main .form-errors")).to_contain_text("Ditolak server")


def test_signing_out_leaves_nothing_personal_on_the_phone(open_page, live_server, tmp_path):
    """Kept pages, a refused delivery still waiting in the outbox with what was typed, and
    the account's worker: all gone from the phone when the sponsor signs out."""
    n, email, match_id = _sponsor_with_match(live_server)
    photo = tmp_path / "penyaluran.jpg"
    photo.write_bytes(delivery_photo())
    page, _ = _open_app(open_page, email, match_id)
    page.context.set_offline(True)
    _fill(page, photo, f"Belum terkirim {n}")
    page.get_by_role("button", name="Simpan penyaluran").click()
    expect(page.locator("[data-outbox-count]")).to_have_text("1 menunggu dikirim")
    _end_match(live_server, match_id)
    page.context.set_offline(False)
    expect(page.locator("[data-outbox-count]")).to_have_text("1 ditolak")
    page.goto("/me/children")
    wait_until_kept(page)  # the sponsor's children, on the phone as they would be
    names = page.evaluate("caches.keys()")
    assert any(name.startswith("asuh-pages-") for name in names), names
    assert page.evaluate("AsuhOutbox.all().then(e => e.map(x => x.state))") == ["refused"]

    page.get_by_role("button", name="Keluar").click()
    expect(page.get_by_role("button", name="Masuk")).to_be_visible()
    names = page.evaluate("caches.keys()")
    assert not [name for name in names if name.startswith("asuh-pages-")], names
    databases = page.evaluate("indexedDB.databases().then(d => d.map(x => x.name))")
    assert "asuh-outbox" not in databases
    assert page.evaluate("navigator.serviceWorker.getRegistrations().then(r => r.length)") == 0


def test_the_delivery_form_checks_the_servers_rules_on_the_phone(open_page, live_server,
                                                                 tmp_path):
    from datetime import timedelta

    n, email, match_id = _sponsor_with_match(live_server)
    page, _ = _open_app(open_page, email, match_id)
    page.context.set_offline(True)
    tomorrow = (timeutil.today() + timedelta(days=1)).isoformat()
    page.get_by_label(re.compile("^Tanggal penyaluran")).fill(tomorrow)
    row = page.get_by_role("group", name="Barang 1")
    row.get_by_label(re.compile("^Barang dan satuan")).select_option("rice|karung 5 kg")
    row.get_by_label(re.compile("^Jumlah")).fill("0")
    page.get_by_role("button", name="Simpan penyaluran").click()
    form = page.locator("form[data-outbox]")
    expect(form.get_by_text("Tanggal penyaluran tidak boleh di masa depan.")).to_be_visible()
    expect(form.get_by_text("Jumlah harus lebih dari 0.")).to_be_visible()
    expect(form.get_by_text("Lampirkan minimal satu foto bukti penyaluran.")).to_be_visible()
    expect(page.locator("[data-outbox-box]")).to_be_hidden()  # nothing queued
    assert page.evaluate("AsuhOutbox.all().then(e => e.length)") == 0
    # Corrected, it goes to the outbox.
    page.get_by_label(re.compile("^Tanggal penyaluran")).fill(timeutil.today().isoformat())
    photo = tmp_path / "foto.jpg"
    photo.write_bytes(delivery_photo())
    _fill(page, photo, f"Diperbaiki di ponsel {n}")
    page.get_by_role("button", name="Simpan penyaluran").click()
    expect(page.locator("[data-outbox-count]")).to_have_text("1 menunggu dikirim")
    expect(form.locator("[data-device-error]")).to_have_count(0)
