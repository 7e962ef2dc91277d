"""Signed, archival letters: PAdES signatures checked by Poppler's pdfsig (an independent
verifier) and by our own /verify page and command; PDF/A identification; certificates
made by install; expired certificates; a time-stamp from a local TSA (B-T)."""

import re
import shutil
import stat
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from io import BytesIO

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import ExtendedKeyUsageOID
from pypdf import PdfReader
from sqlalchemy import func, select

from asuh.extensions import db
from asuh.letters import certificates, services, signing
from asuh.letters.models import Letter, LetterSequence
from asuh.letters.verification import verify_pdf
from tests import factories

needs_pdfsig = pytest.mark.skipif(shutil.which("pdfsig") is None,
                                  reason="pdfsig (poppler-utils) is not installed")


def pdfsig(data: bytes, tmp_path) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(data)
    done = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False)
    return done.stdout + done.stderr


def issue_all_kinds(scene) -> dict[str, Letter]:
    letters = {
        "sponsor_statement": services.issue_letter(
            "sponsor_statement", sponsor_id=scene["sponsor"], period=scene["period"]),
        "handover_receipt": services.issue_letter(
            "handover_receipt", contribution_id=scene["confirmed"][0]),
        "recap": services.issue_letter("recap", period=scene["period"]),
    }
    db.session.commit()
    return letters


def signed_range_offset(data: bytes) -> int:
    """An offset inside the first signed range, in the middle of the page content."""
    start, length = (int(n) for n in re.search(rb"/ByteRange \[\s*(\d+)\s+(\d+)", data).groups())
    assert start == 0
    return length // 2


@needs_pdfsig
def test_pdfsig_finds_every_kind_of_letter_validly_signed(app_ctx, regions, tmp_path):
    scene = factories.letter_scene()
    db.session.commit()
    for kind, letter in issue_all_kinds(scene).items():
        out = pdfsig(letter.pdf, tmp_path)
        assert "Signature is Valid" in out, (kind, out)
        assert "Total document signed" in out, (kind, out)
        assert "ETSI.CAdES.detached" in out, (kind, out)  # PAdES, not adbe.pkcs7
        # The stored hash is the signed file's.
        assert verify_pdf(letter.pdf).letter.id == letter.id


@needs_pdfsig
def test_one_changed_byte_inside_the_signed_range_is_reported(app, client, regions, tmp_path):
    with app.app_context():
        scene = factories.letter_scene()
        db.session.commit()
        letter = services.issue_letter("sponsor_statement", sponsor_id=scene["sponsor"],
                                       period=scene["period"])
        body, number = letter.pdf, letter.number
        db.session.commit()
    offset = signed_range_offset(body)
    changed = body[:offset] + bytes([body[offset] ^ 0x01]) + body[offset + 1:]

    out = pdfsig(changed, tmp_path)
    assert "Signature is Valid" not in out and re.search(r"Invalid|Mismatch", out), out

    page = client.post("/verify", data={"pdf": (BytesIO(changed), "surat.pdf")},
                       content_type="multipart/form-data")
    assert page.status_code == 200
    assert "<strong>Tidak sah</strong>" in page.text
    assert "isi yang ditandatangani telah diubah" in page.text
    assert "tidak identik" in page.text
    original = client.post("/verify", data={"pdf": (BytesIO(body), "surat.pdf")},
                           content_type="multipart/form-data")
    assert "<strong>Sah</strong>" in original.text
    assert "<strong>terpercaya</strong>" in original.text
    assert "identik, byte demi byte," in original.text and number in original.text


def test_appending_after_the_signature_is_a_change_after_signing(app_ctx, regions):
    scene = factories.letter_scene()
    db.session.commit()
    body = services.issue_letter("recap", period=scene["period"]).pdf
    db.session.commit()
    from pyhanko.pdf_utils.generic import NameObject, TextStringObject
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(body), strict=False)
    info = writer.root  # an incremental update re-writing the catalogue
    info[NameObject("/Lang")] = TextStringObject("en")
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    report = verify_pdf(out.getvalue())
    (sig,) = report.signatures
    assert sig.valid and sig.intact and not sig.covers_whole_file
    assert sig.changed_after_signing and not report.identical and not report.sound


def test_letters_are_pdfa_2b_with_their_metadata_in_xmp(app_ctx, regions):
    scene = factories.letter_scene()
    db.session.commit()
    letter = services.issue_letter("handover_receipt", contribution_id=scene["confirmed"][0])
    db.session.commit()
    reader = PdfReader(BytesIO(letter.pdf))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert re.search(r'pdfaid:part="2"|<pdfaid:part>2<', xmp), xmp
    assert re.search(r'pdfaid:conformance="B"|<pdfaid:conformance>B<', xmp), xmp
    assert letter.number in xmp  # the title
    assert "DPPPAKB" in xmp or "Dinas" in xmp  # the author: the office
    assert "Berita Acara Serah Terima" in xmp  # the subject
    assert reader.trailer["/Root"]["/Lang"] == "id"
    assert reader.metadata.author and reader.metadata.subject
    assert "/OutputIntents" in reader.trailer["/Root"]


def test_the_visible_block_names_signer_time_and_certificate(app_ctx, regions):
    scene = factories.letter_scene()
    db.session.commit()
    letter = services.issue_letter("sponsor_statement", sponsor_id=scene["sponsor"],
                                   period=scene["period"])
    db.session.commit()
    text = " ".join(PdfReader(BytesIO(letter.pdf)).pages[0].extract_text().split())
    identity = signing.letter_signer().identity
    assert "Ditandatangani secara elektronik oleh " + identity.name in text
    assert re.search(r"pada \d{1,2} \w+ \d{4} \d\d\.\d\d\.\d\d WIB", text), text
    assert identity.serial in text.replace(" ", "")
    assert letter.short_code in text  # the short code (and QR code) stay


def _pki(tmp_path, *, not_before=None, not_after=None, eku_tsa=False):
    ca = certificates.make_ca("Pemerintah Kota Uji")
    signer = certificates.make_signer(ca, "DPPPAKB Kota Uji", "Pemerintah Kota Uji",
                                      not_before=not_before, not_after=not_after)
    p12 = tmp_path / "office.p12"
    p12.write_bytes(certificates.pkcs12_bytes(signer, ca.certificate, b"rahasia"))
    roots = tmp_path / "roots.pem"
    roots.write_bytes(ca.certificate.public_bytes(serialization.Encoding.PEM))
    return ca, p12, roots


def use_p12(monkeypatch, app, p12, roots, tsa_url=None):
    monkeypatch.setitem(app.config, "SIGNING_P12", str(p12))
    monkeypatch.setitem(app.config, "SIGNING_PASSWORD", "rahasia")
    monkeypatch.setitem(app.config, "TRUSTED_ROOTS", str(roots))
    monkeypatch.setitem(app.config, "TSA_URL", tsa_url)


def test_an_expired_certificate_is_reported_and_the_letter_valid_when_signed(
        app, app_ctx, regions, tmp_path, monkeypatch, runner):
    now = datetime.now(UTC)
    _, p12, roots = _pki(tmp_path, not_before=now - timedelta(days=30),
                         not_after=now + timedelta(days=1))
    use_p12(monkeypatch, app, p12, roots)
    scene = factories.letter_scene()
    db.session.commit()
    letter = services.issue_letter("recap", period=scene["period"])
    db.session.commit()
    fresh = verify_pdf(letter.pdf).signatures[0]
    assert fresh.trusted and not fresh.expired and fresh.chain[-1].startswith("CA Surat Asuh")
    # Asked about the day after tomorrow (nothing frozen, the moment is passed in).
    (later,) = verify_pdf(letter.pdf, at=now + timedelta(days=2)).signatures
    assert later.valid and later.intact and later.expired and not later.trusted
    assert later.valid_when_signed is True

    # A certificate that has lapsed signs nothing: no letter, no number.
    _, lapsed, roots = _pki(tmp_path, not_before=now - timedelta(days=30),
                            not_after=now - timedelta(days=1))
    use_p12(monkeypatch, app, lapsed, roots)
    last_seq = db.session.get(LetterSequence, ("19.71", now.year)).last_seq
    with pytest.raises(signing.SigningFailed) as failed:
        services.issue_letter("recap", period=scene["period"])
    assert "valid only" in failed.value.detail and failed.value.status == 503
    db.session.rollback()
    assert db.session.get(LetterSequence, ("19.71", now.year)).last_seq == last_seq
    assert db.session.scalar(select(func.count()).select_from(Letter)) == 1


def test_no_certificate_means_no_letter(app, app_ctx, regions, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNING_FOLDER", str(tmp_path / "none"))
    monkeypatch.setitem(app.config, "SIGNING_P12", None)
    scene = factories.letter_scene()
    db.session.commit()
    with pytest.raises(signing.SigningFailed) as failed:
        services.issue_letter("recap", period=scene["period"])
    assert "flask --app app install" in failed.value.detail
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Letter)) == 0


def test_install_creates_the_ca_and_signing_certificate_owner_only(
        app, runner, tmp_path, monkeypatch, client):
    folder = tmp_path / "signing"
    monkeypatch.setitem(app.config, "SIGNING_FOLDER", str(folder))
    monkeypatch.setitem(app.config, "SIGNING_P12", None)
    result = runner.invoke(args=["install"])
    assert result.exit_code == 0, result.output
    assert "installation CA" in result.output and "signer.p12" in result.output
    for private in ("signer.p12", "ca-key.pem"):
        assert stat.S_IMODE((folder / private).stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    again = runner.invoke(args=["install"])
    assert "installation CA" not in again.output  # made once
    with app.app_context():
        assert signing.letter_signer().identity.issuer.startswith("CA Surat Asuh")
    download = client.get("/verify/ca.pem")
    assert download.status_code == 200
    assert download.data == (folder / "ca.pem").read_bytes()
    assert "attachment" in download.headers["Content-Disposition"]


def test_the_verify_command_reports_like_the_page(app, app_ctx, regions, runner, tmp_path):
    scene = factories.letter_scene()
    db.session.commit()
    letter = services.issue_letter("recap", period=scene["period"])
    db.session.commit()
    path = tmp_path / "surat.pdf"
    path.write_bytes(letter.pdf)
    result = runner.invoke(args=["letters", "verify", str(path)])
    assert result.exit_code == 0, result.output
    assert f"Identik dengan surat {letter.number}" in result.output
    assert "Tanda tangan TandaTanganElektronik: SAH" in result.output
    assert "Diubah setelah ditandatangani: tidak" in result.output
    assert "(terpercaya)" in result.output
    path.write_bytes(letter.pdf + b"\n")
    changed = runner.invoke(args=["letters", "verify", str(path)])
    assert changed.exit_code == 1 and "TIDAK identik" in changed.output


class _LocalTSA(BaseHTTPRequestHandler):
    """RFC 3161 over HTTP, answered by pyHanko's DummyTimeStamper (its test TSA)."""

    stamper = None

    def do_POST(self):  # noqa: N802 (http.server's naming)
        from asn1crypto import tsp

        request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
        body = self.stamper.request_tsa_response(request).dump()
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@needs_pdfsig
def test_a_configured_tsa_adds_a_timestamp(app, app_ctx, regions, tmp_path, monkeypatch):
    from asn1crypto import keys, x509
    from cryptography import x509 as cx509
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    ca, p12, roots = _pki(tmp_path)
    tsa = certificates.make_signer(ca, "TSA Uji", "Pemerintah Kota Uji")
    # make_signer's certificate is for documents; a TSA's carries the time-stamping EKU.
    tsa_cert = (cx509.CertificateBuilder().subject_name(tsa.certificate.subject)
                .issuer_name(ca.certificate.subject).public_key(tsa.key.public_key())
                .serial_number(cx509.random_serial_number())
                .not_valid_before(tsa.certificate.not_valid_before_utc)
                .not_valid_after(tsa.certificate.not_valid_after_utc)
                .add_extension(cx509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
                               critical=True)
                .sign(ca.key, hashes.SHA256()))
    handler = type("Handler", (_LocalTSA,), {"stamper": DummyTimeStamper(
        tsa_cert=x509.Certificate.load(tsa_cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=keys.PrivateKeyInfo.load(tsa.key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())))})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        use_p12(monkeypatch, app, p12, roots,
                tsa_url=f"http://127.0.0.1:{server.server_address[1]}/tsa")
        scene = factories.letter_scene()
        db.session.commit()
        letter = services.issue_letter("recap", period=scene["period"])
        db.session.commit()
    finally:
        server.shutdown()
        server.server_close()
    (sig,) = verify_pdf(letter.pdf).signatures
    assert sig.timestamp is not None and sig.trusted
    assert abs(sig.timestamp - datetime.now(UTC)) < timedelta(minutes=5)
    out = pdfsig(letter.pdf, tmp_path)
    assert "Signature is Valid" in out, out  # this pdfsig does not list time-stamps


def test_the_issuing_form_says_when_a_letter_cannot_be_signed(app, client, login, regions,
                                                             tmp_path, monkeypatch):
    with app.app_context():
        scene = factories.letter_scene()
        db.session.commit()
    monkeypatch.setitem(app.config, "SIGNING_FOLDER", str(tmp_path / "none"))
    monkeypatch.setitem(app.config, "SIGNING_P12", None)
    login("officer")
    page = client.post("/letters/new", data={"kind": "recap", "period": scene["period"].code})
    assert page.status_code == 200
    assert "tidak dapat ditandatangani secara elektronik" in page.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Letter)) == 0


def test_signing_and_verifying_work_inside_a_running_event_loop(app_ctx, regions):
    """pyHanko's sync API calls asyncio.run; an async worker (or Playwright's sync API in
    the browser tests) already runs a loop in this thread."""
    import asyncio

    scene = factories.letter_scene()
    db.session.commit()

    def issue_and_verify():
        assert asyncio.get_running_loop()  # a loop runs in this thread
        letter = services.issue_letter("recap", period=scene["period"])
        return verify_pdf(letter.pdf)

    async def in_a_loop():
        return issue_and_verify()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        report = asyncio.run(in_a_loop())
    else:  # after the browser tests, Playwright's loop already runs in this thread
        report = issue_and_verify()
    db.session.commit()
    assert report.sound and report.identical and report.signatures[0].trusted
