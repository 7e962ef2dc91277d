"""The verify page gives one verdict for an uploaded PDF, first: a changed file is red at
the top, never under a green "sah dan masih berlaku" banner."""

from io import BytesIO

import pytest

from asuh.extensions import db
from asuh.letters import services
from tests import factories


@pytest.fixture
def letter(app, regions, users):
    with app.app_context():
        scene = factories.letter_scene()
        issued = services.issue_letter("sponsor_statement", sponsor_id=scene["sponsor"],
                                       period=scene["period"])
        values = {"token": issued.verify_token, "pdf": issued.pdf, "number": issued.number,
                  "scene": scene}
        db.session.commit()
    return values


def _upload(client, token: str, data: bytes):
    return client.post(f"/verify/{token}", data={"pdf": (BytesIO(data), "surat.pdf")},
                       content_type="multipart/form-data")


def _main(html: str) -> str:
    return html[html.index("<h1>Verifikasi surat</h1>"):]


def test_a_tampered_pdf_is_red_at_the_top_and_never_under_green(client, letter):
    # The amount changed in the file, as a forger would.
    tampered = letter["pdf"].replace(b"Rp 320.000", b"Rp 920.000", 1) + b"\n"
    assert tampered != letter["pdf"]
    page = _main(_upload(client, letter["token"], tampered).text)
    verdict = page.index("Berkas ini BUKAN surat asli")
    # The first banner after the heading is the red one; no green banner anywhere.
    assert page.index("flash-error") < verdict < page.index('<dl class="facts">')
    assert "flash-success" not in page
    assert "masih berlaku</strong>" not in page


def test_the_genuine_file_is_green_and_first(client, letter):
    page = _main(_upload(client, letter["token"], letter["pdf"]).text)
    assert page.index("Berkas ini surat asli") < page.index('<dl class="facts">')
    assert "flash-error" not in page.split('<section class="verify-report"')[0]


def test_a_genuine_but_superseded_file_says_so_first(app, client, letter):
    with app.app_context():
        scene = letter["scene"]
        newer = services.issue_letter("sponsor_statement", sponsor_id=scene["sponsor"],
                                      period=scene["period"])
        newer_number = newer.number
        db.session.commit()
    page = _main(_upload(client, letter["token"], letter["pdf"]).text)
    verdict = page.index("Berkas ini surat asli, tetapi sudah digantikan")
    assert verdict < page.index('<dl class="facts">') and newer_number in page
    assert "flash-success" not in page
