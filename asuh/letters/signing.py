"""Signing issued letters: PAdES baseline B-B (B-T with a time-stamp authority).

Every letter's rendered PDF/A goes through :func:`render_signed` before it is stored, so
the stored bytes (and their SHA-256) are the signed bytes. Which certificate signs:

1. ``ASUH_SIGNING_P12`` / ``ASUH_SIGNING_PASSWORD`` (config ``SIGNING_P12`` /
   ``SIGNING_PASSWORD``): in production the office's BSrE certificate;
2. otherwise ``instance/signing/signer.p12``, which ``flask --app app install`` creates
   with an installation CA (``certificates.py``).

No certificate, a wrong password or a failing TSA raises :class:`SigningFailed`; the
issuing transaction then rolls back, so no letter is stored and no number used.

A signer is anything with :class:`LetterSigner`'s two members: ``identity`` (for the
visible signature block, known before rendering) and ``sign(pdf) -> pdf``. A PKCS#11
token (``pyhanko.sign.pkcs11.PKCS11Signer``) can stand behind the same interface later.
"""

import asyncio
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Protocol

from flask import current_app

from asuh import timeutil
from asuh.errors import ValidationFailed
from asuh.formatting import format_date_id
from asuh.letters import certificates, pdf

logger = logging.getLogger(__name__)

# The signature field's name; the verifier looks for the letter's signature there.
FIELD_NAME = "TandaTanganElektronik"


class SigningFailed(ValidationFailed):
    """The letter could not be signed; nothing is issued.

    A ValidationFailed (503), so the issuing form and the API say so instead of a bare
    server error; ``detail`` (logged) says why, for the administrator.
    """

    def __init__(self, detail: str):
        super().__init__({"signature": [
            "Surat tidak dapat ditandatangani secara elektronik, sehingga tidak diterbitkan. "
            "Hubungi admin (sertifikat penanda tangan)."]}, status=503)
        self.detail = detail
        logger.error("letter signing failed: %s", detail)


@dataclass(frozen=True)
class SignerIdentity:
    """What the visible signature block says about the certificate."""

    name: str
    organisation: str
    issuer: str
    serial: str
    fingerprint: str  # SHA-256 of the certificate, hex, grouped for reading
    valid_until: datetime


class LetterSigner(Protocol):
    identity: SignerIdentity

    def sign(self, body: bytes) -> bytes:
        """The PDF ``body`` with a PAdES signature appended as an incremental update."""


def _identity(cert) -> SignerIdentity:
    """From an asn1crypto certificate (pyHanko's type)."""
    subject = cert.subject.native
    digest = cert.sha256.hex().upper()
    return SignerIdentity(
        name=subject.get("common_name", ""), organisation=subject.get("organization_name", ""),
        issuer=cert.issuer.native.get("common_name", ""), serial=f"{cert.serial_number:X}",
        fingerprint=" ".join(digest[i:i + 4] for i in range(0, 32, 4)) + " …",
        valid_until=cert.not_valid_after)


class Pkcs12Signer:
    """A key and certificate from a PKCS#12 file, signing in this process with pyHanko."""

    def __init__(self, data: bytes, password: str | None = None, tsa_url: str | None = None,
                 *, location: str | None = None):
        from pyhanko.sign import signers

        try:
            loaded = signers.SimpleSigner.load_pkcs12_data(
                data, other_certs=(), passphrase=password.encode() if password else None)
        except Exception as error:  # pyHanko raises several types for a bad file/password
            raise SigningFailed(f"the PKCS#12 file cannot be read: {error}") from error
        if loaded is None:
            raise SigningFailed("the PKCS#12 file cannot be read (wrong password?)")
        self._signer = _cached_key_signer(loaded)
        self.identity = _identity(self._signer.signing_cert)
        # Room for the CMS signature in the PDF, given up front: otherwise pyHanko signs
        # once more with a dummy to measure it. The certificates dominate; a time-stamp
        # token brings the TSA's own certificates and its signature.
        certs = {cert.dump() for cert in (loaded.signing_cert, *loaded.cert_registry)}
        reserved = sum(map(len, certs)) + 4096 + (12288 if tsa_url else 0)
        self.bytes_reserved = reserved + reserved % 2  # pyHanko wants an even count
        self.tsa_url = tsa_url
        self.location = location

    def sign(self, body: bytes) -> bytes:
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers

        cert = self._signer.signing_cert
        now = datetime.now(UTC)
        if not cert.not_valid_before <= now <= cert.not_valid_after:
            # A letter signed with a lapsed certificate is worth no more than an unsigned one.
            raise SigningFailed(f"the signing certificate is valid only from "
                                f"{cert.not_valid_before:%Y-%m-%d %H:%M} to "
                                f"{cert.not_valid_after:%Y-%m-%d %H:%M} UTC")
        timestamper = None
        if self.tsa_url:
            from pyhanko.sign.timestamps import HTTPTimeStamper

            timestamper = HTTPTimeStamper(self.tsa_url, timeout=10)
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME, md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES, name=self.identity.name,
            reason="Surat diterbitkan oleh " + self.identity.organisation,
            location=self.location)
        def sign() -> bytes:
            writer = IncrementalPdfFileWriter(BytesIO(body), strict=False)
            return signers.PdfSigner(meta, self._signer, timestamper=timestamper).sign_pdf(
                writer, bytes_reserved=self.bytes_reserved).getvalue()

        try:
            return outside_event_loop(sign)
        except Exception as error:
            raise SigningFailed(f"signing failed: {error}") from error


def outside_event_loop(job):
    """``job()``, in a helper thread when this thread runs an asyncio event loop.

    pyHanko's synchronous API calls ``asyncio.run``, which refuses to start inside a
    running loop (an async server worker; Playwright's sync API in the browser tests).
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return job()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(job).result()


def _cached_key_signer(loaded):
    """pyHanko's SimpleSigner, keeping its private key loaded between signatures.

    SimpleSigner parses the key from DER for every signature (~30 ms for RSA-2048, as
    cryptography checks the key each time: half the cost of signing a letter). RSA
    PKCS#1 v1.5 and ECDSA, what BSrE and the installation CA issue, sign with the
    loaded key; any other mechanism goes through pyHanko's own code.
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ec import ECDSA
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from pyhanko.sign.general import get_pyca_cryptography_hash
    from pyhanko.sign.signers import SimpleSigner

    class CachedKeySigner(SimpleSigner):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._key = serialization.load_der_private_key(self.signing_key.dump(), None)

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
            name = mechanism["algorithm"].native
            digest = get_pyca_cryptography_hash(digest_algorithm)
            if name in ("rsassa_pkcs1v15", "sha256_rsa", "sha384_rsa", "sha512_rsa"):
                return self._key.sign(data, PKCS1v15(), digest)
            if name == "ecdsa" or name.endswith("_ecdsa"):
                return self._key.sign(data, ECDSA(digest))
            return super().sign_raw(data, digest_algorithm)

    return CachedKeySigner(signing_cert=loaded.signing_cert, signing_key=loaded.signing_key,
                           cert_registry=loaded.cert_registry,
                           signature_mechanism=loaded.signature_mechanism)


def signing_folder(app=None) -> Path:
    app = app or current_app
    return Path(app.config.get("SIGNING_FOLDER") or Path(app.instance_path) / "signing")


def _setting(name: str, app) -> str | None:
    # Read here rather than in asuh/config.py: a test app sets the config key (None: not
    # configured, whatever the environment says), a deployment the ASUH_ variable.
    if name in app.config:
        return app.config[name] or None
    return os.environ.get(f"ASUH_{name}") or None


def configured_p12(app=None) -> Path | None:
    app = app or current_app
    value = _setting("SIGNING_P12", app)
    return Path(value) if value else None


_cache: dict[tuple, LetterSigner] = {}
# The signer of the last letter_signer() call: forked bulk workers inherit it.
_active: LetterSigner | None = None


def letter_signer(app=None) -> LetterSigner:
    """The signer the app is configured with (read once per file version)."""
    global _active
    app = app or current_app
    path = configured_p12(app) or signing_folder(app) / certificates.SIGNER_FILE
    password = _setting("SIGNING_PASSWORD", app) if configured_p12(app) else None
    tsa_url = _setting("TSA_URL", app)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as error:
        raise SigningFailed(
            f"no signing certificate at {path}: set ASUH_SIGNING_P12 or run "
            "`flask --app app install`") from error
    key = (str(path), stamp, password, tsa_url)
    if key not in _cache:
        _cache.clear()
        _cache[key] = Pkcs12Signer(path.read_bytes(), password, tsa_url,
                                   location=app.config.get("CITY_PLACE"))
    _active = _cache[key]
    return _active


def use_signer(signer: LetterSigner) -> None:
    """Make ``signer`` the one :func:`render_signed` uses (before forking workers)."""
    global _active
    _active = signer


def render_signed(html: str) -> bytes:
    """The final HTML of a letter → signed PDF/A bytes, with the active signer.

    A module-level function so a process pool can run it: workers are forked after
    :func:`letter_signer` or :func:`use_signer` and so inherit the signer.
    """
    if _active is None:
        raise SigningFailed("no signer chosen (letter_signer() first)")
    return _active.sign(pdf.render_pdf(html))


def local_label(moment: datetime) -> str:
    """``23 November 2026 10.05.12 WIB`` in the installation's zone; a naive moment is UTC
    (as the database keeps)."""
    local = timeutil.to_local(moment)
    return f"{format_date_id(local)} {local:%H.%M.%S} {timeutil.zone_label()}"


def signature_block(identity: SignerIdentity, signed_at: datetime) -> dict:
    """Plain data for the letter's visible signature block (``letters/base_letter.html``)."""
    return {"name": identity.name, "organisation": identity.organisation,
            "time": local_label(signed_at), "issuer": identity.issuer,
            "serial": identity.serial, "fingerprint": identity.fingerprint,
            "valid_until": format_date_id(identity.valid_until)}


def install_signing_certificate(app=None) -> str | None:
    """For ``flask --app app install``: the installation CA and signing certificate,
    made when no PKCS#12 file is configured and none was made before. Says what it did."""
    app = app or current_app
    if configured_p12(app):
        return None
    folder = signing_folder(app)
    # X.509 names hold 64 characters: the short office name with the city, not the full one.
    name = " ".join(filter(None, (app.config.get("OFFICE_SHORT_NAME"),
                                  app.config.get("CITY_NAME")))) or "Asuh"
    made = certificates.ensure_installation_pki(
        folder, name, organisation=f"Pemerintah {app.config.get('CITY_NAME') or 'Daerah'}")
    if made is None:
        return None
    return (f"Created an installation CA ({folder / certificates.CA_FILE}) and a signing "
            f"certificate for {name} ({made}, readable by its owner only). Letters are "
            "signed with it until ASUH_SIGNING_P12 names the office's own (BSrE) "
            "certificate; auditors can download the CA certificate from /verify.")
