"""Letter pages: issuing, the list, one letter, audited downloads, the sponsor's own
letters, and the public verification pages."""

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from asuh import timeutil
from asuh.audit.models import AuditRecord
from asuh.extensions import db
from asuh.letters import services
from asuh.letters.models import Letter
from tests import factories


@pytest.fixture
def scene(app, regions, users):
    """``letter_scene`` for the ``users['sponsor']`` login, plus another sponsor's."""
    with app.app_context():
        mine = factories.letter_scene(sponsor_email=users["sponsor"][1],
                                      child_name="Kirana Ayu Lestari")
        other = factories.letter_scene()
        db.session.commit()
    return {"mine": mine, "other": other}


def issue(app, scene, **kwargs) -> dict:
    with app.app_context():
        letter = services.issue_letter("sponsor_statement", sponsor_id=scene["sponsor"],
                                       period=scene["period"], **kwargs)
        values = {"id": letter.id, "number": letter.number, "token": letter.verify_token,
                  "short_code": letter.short_code, "pdf": letter.pdf,
                  "sha256": letter.sha256}
        db.session.commit()
    return values


def downloads(app, letter_id: int) -> list:
    with app.app_context():
        return list(db.session.scalars(select(AuditRecord).where(
            AuditRecord.action == "download", AuditRecord.entity_type == "letter",
            AuditRecord.entity_id == str(letter_id))))


def test_officer_issues_a_statement_from_the_form(app, client, login, scene):
    login("officer")
    mine = scene["mine"]
    page = client.get(f"/letters/new?kind=sponsor_statement&sponsor_id={mine['sponsor']}")
    assert page.status_code == 200
    assert f'<option selected value="{mine["sponsor"]}"' in page.text or (
        f'value="{mine["sponsor"]}" selected' in page.text)
    response = client.post("/letters/new", data={
        "kind": "sponsor_statement", "sponsor_id": str(mine["sponsor"]),
        "period": mine["period"].code})
    assert response.status_code == 302
    with app.app_context():
        letter = db.session.scalar(select(Letter))
        assert response.headers["Location"].endswith(f"/letters/{letter.id}")
        assert (letter.sponsor_id, letter.period_start) == (mine["sponsor"],
                                                            mine["period"].start)
        number, sha = letter.number, letter.sha256
    detail = client.get(f"/letters/{letter.id}")
    assert number in detail.text and sha in detail.text
    assert f"/verify/{letter.verify_token}" in detail.text
    # The same period picked as two dates issues a new letter that supersedes the first.
    response = client.post("/letters/new", data={
        "kind": "sponsor_statement", "sponsor_id": str(mine["sponsor"]),
        "period_start": mine["period"].start.isoformat(),
        "period_end": mine["period"].end.isoformat()})
    assert response.status_code == 302
    old = client.get(f"/letters/{letter.id}")
    assert "Digantikan" in old.text and "digantikan oleh" in old.text


def test_the_form_keeps_the_input_and_shows_the_rule_that_refused_it(client, login, scene):
    login("officer")
    response = client.post("/letters/new", data={"kind": "sponsor_statement",
                                                 "sponsor_id": str(scene["mine"]["sponsor"]),
                                                 "period": "2026-13"})
    assert response.status_code == 200
    assert "Bulan harus 01–12." in response.text
    assert 'value="2026-13"' in response.text
    response = client.post("/letters/new", data={"kind": "handover_receipt",
                                                 "contribution_id": str(
                                                     scene["mine"]["pending"])})
    assert response.status_code == 200
    assert "sudah dikonfirmasi" in response.text


def test_a_confirmed_delivery_links_to_its_handover_receipt(app, client, login, scene):
    login("officer")
    confirmed = scene["mine"]["confirmed"][0]
    page = client.get(f"/contributions/{confirmed}")
    link = f"/letters/new?kind=handover_receipt&amp;contribution_id={confirmed}"
    assert link in page.text
    assert "Berita acara" not in client.get(
        f"/contributions/{scene['mine']['pending']}").text
    form = client.get(link.replace("&amp;", "&"))
    assert f'value="{confirmed}"' in form.text
    assert client.post("/letters/new", data={"kind": "handover_receipt",
                                             "contribution_id": str(confirmed)}
                       ).status_code == 302
    again = client.get(link.replace("&amp;", "&"))
    assert "sudah memiliki berita acara" in again.text


def test_list_filters_and_paginates(app, client, login, scene):
    mine, other = issue(app, scene["mine"]), issue(app, scene["other"])
    with app.app_context():
        services.issue_letter("recap", period=scene["mine"]["period"])
        db.session.commit()
    login("auditor")
    page = client.get("/letters")
    assert page.status_code == 200
    assert mine["number"] in page.text and other["number"] in page.text
    only = client.get("/letters?kind=recap")
    assert mine["number"] not in only.text and "Rekapitulasi" in only.text
    by_number = client.get(f"/letters?number={other['number'][:3]}")
    assert other["number"] in by_number.text and mine["number"] not in by_number.text
    last_year = client.get("/letters?period=2020-01")
    assert "Tidak ada surat yang cocok" in last_year.text
    assert mine["number"] in client.get(
        f"/letters?period={scene['mine']['period'].code}&status=current").text
    assert "Tidak ada surat" in client.get("/letters?status=superseded").text


def test_download_returns_the_stored_bytes_and_is_audited(app, client, login, scene):
    letter = issue(app, scene["mine"])
    login("auditor")
    for _ in range(2):
        response = client.get(f"/letters/{letter['id']}/pdf")
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        assert response.data == letter["pdf"]
        assert hashlib.sha256(response.data).hexdigest() == letter["sha256"]
        assert "no-store" in response.headers["Cache-Control"]
    assert len(downloads(app, letter["id"])) == 2


def test_auditor_reads_but_cannot_issue(client, login, scene):
    login("auditor")
    assert client.get("/letters/new").status_code == 403
    assert client.post("/letters/new", data={"kind": "recap",
                                             "period": "2026-01"}).status_code == 403


def test_sponsor_issues_and_downloads_their_own_statement(app, client, login, scene):
    login("sponsor")
    assert client.get("/letters").status_code == 403
    page = client.get("/my/letters")
    assert page.status_code == 200 and "Belum ada surat" in page.text
    month = f"{scene['mine']['period'].start:%Y-%m}"
    response = client.post("/my/letters", data={"month": month})
    assert response.status_code == 302
    with app.app_context():
        letter = db.session.scalar(select(Letter))
        assert letter.sponsor_id == scene["mine"]["sponsor"]
        letter_id, number, body = letter.id, letter.number, letter.pdf
    page = client.get("/my/letters")
    assert number in page.text
    response = client.get(f"/my/letters/{letter_id}/pdf")
    assert response.status_code == 200 and response.data == body
    assert len(downloads(app, letter_id)) == 1
    # Another sponsor's letter is not theirs to download.
    other = issue(app, scene["other"])
    assert client.get(f"/my/letters/{other['id']}/pdf").status_code == 403
    assert number in client.get("/my/letters").text
    assert other["number"] not in client.get("/my/letters").text


def test_sponsor_month_form_explains_a_refusal(client, login, scene):
    login("sponsor")
    response = client.post("/my/letters", data={"month": "2020-01"})
    assert response.status_code == 200
    assert "tidak mengasuh anak dalam periode" in response.text
    future = timeutil.today().replace(day=1) + timedelta(days=40)
    response = client.post("/my/letters", data={"month": f"{future:%Y-%m}"})
    assert "Periode belum dimulai." in response.text


# --- public verification -----------------------------------------------------------------


def test_verify_page_needs_no_login_and_shows_no_child(app, client, scene):
    letter = issue(app, scene["mine"])
    page = client.get(f"/verify/{letter['token']}")
    assert page.status_code == 200
    assert letter["number"] in page.text and letter["sha256"] in page.text
    assert "masih berlaku" in page.text
    assert scene["mine"]["period"].label in page.text
    assert "Rp 320.000" in page.text and "Rp 50.000" in page.text
    with app.app_context():
        from asuh.children.models import Child
        from asuh.sponsors.models import Sponsor

        child = db.session.get(Child, scene["mine"]["child"])
        assert db.session.get(Sponsor, scene["mine"]["sponsor"]).name in page.text
        for private in (child.name, child.first_name, child.nik, child.guardian_name,
                        child.address):
            assert private not in page.text
    assert client.get("/verify/not-a-token").status_code == 404


def test_verify_page_says_when_a_letter_was_superseded(app, client, scene):
    old = issue(app, scene["mine"])
    new = issue(app, scene["mine"])
    page = client.get(f"/verify/{old['token']}")
    assert "sudah digantikan" in page.text
    assert f"/verify/{new['token']}" in page.text and new["number"] in page.text


def test_uploaded_pdf_is_compared_byte_for_byte(app, client, scene):
    from io import BytesIO

    letter = issue(app, scene["mine"])
    same = client.post(f"/verify/{letter['token']}", data={
        "pdf": (BytesIO(letter["pdf"]), "surat.pdf")}, content_type="multipart/form-data")
    assert same.status_code == 200 and "<strong>identik</strong>" in same.text
    changed = letter["pdf"].replace(b"Rp 320.000", b"Rp 920.000", 1) + b"\n"
    different = client.post(f"/verify/{letter['token']}", data={
        "pdf": (BytesIO(changed), "surat.pdf")}, content_type="multipart/form-data")
    assert "tidak identik" in different.text
    assert hashlib.sha256(changed).hexdigest() in different.text


def test_short_code_lookup_leads_to_the_letter(app, client, scene):
    letter = issue(app, scene["mine"])
    assert client.get("/verify").status_code == 200
    typed = letter["short_code"].lower().replace("-", " ")
    response = client.get("/verify", query_string={"code": typed})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/verify/{letter['token']}")
    missing = client.get("/verify?code=AAAA-AAAA")
    assert missing.status_code == 404 and "tidak ditemukan" in missing.text


def test_public_verification_is_rate_limited(app, client, scene):
    from io import BytesIO

    letter = issue(app, scene["mine"])
    statuses = [client.post(f"/verify/{letter['token']}", data={
        "pdf": (BytesIO(b"%PDF-1.7"), "x.pdf")}, content_type="multipart/form-data").status_code
        for _ in range(11)]
    assert statuses[:10] == [200] * 10 and statuses[10] == 429
    lookups = [client.get("/verify?code=AAAA-AAAA").status_code for _ in range(31)]
    assert lookups[-1] == 429 and lookups[0] == 404
    # Reading the page itself is not limited.
    assert client.get(f"/verify/{letter['token']}").status_code == 200


def test_the_upload_form_is_csrf_protected(app, client, scene):
    from io import BytesIO

    letter = issue(app, scene["mine"])
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(f"/verify/{letter['token']}", data={
            "pdf": (BytesIO(letter["pdf"]), "surat.pdf")}, content_type="multipart/form-data")
        assert "identik" not in response.text
        assert response.status_code in (200, 400)
        assert 'name="csrf_token"' in client.get(f"/verify/{letter['token']}").text
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
