"""Checking a PDF someone holds: its signature, its certificate, and whether we issued it.

Used by the ``/verify`` pages (upload) and ``flask --app app letters verify FILE.pdf``.
For each signature in the file, pyHanko answers:

- valid: the signature matches the signed bytes and the signer's key;
- changed after signing: bytes inside the signed range differ (the signature no longer
  matches), or the file was extended after the signature (an incremental update);
- trusted: the certificate chains to a trusted root — this installation's CA
  (``instance/signing/ca.pem``) or the roots configured in ``ASUH_TRUSTED_ROOTS``
  (a PEM bundle, e.g. BSrE's root and intermediates);
- expired or revoked now, and if so whether the certificate was good when the letter
  was signed (at the time our register says it was issued, the time-stamp, or else the
  time the signer states).

Revocation is checked offline, from what the file and the configured roots carry: Asuh
fetches nothing from the internet to verify a letter.
"""

import hashlib
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from asuh.extensions import db
from asuh.letters import certificates, signing
from asuh.letters.models import Letter


@dataclass
class SignatureCheck:
    field_name: str
    valid: bool                   # cryptographically sound over what it signs
    intact: bool                  # the signed bytes are unchanged
    covers_whole_file: bool       # nothing was appended after signing
    signer: str
    chain: list[str]              # subject names, signer first, root last
    trusted: bool                 # valid now, chaining to a trusted root
    signed_at: datetime | None    # as stated by the signer (UTC)
    timestamp: datetime | None    # from a time-stamp authority (B-T), if any
    expired: bool = False
    revoked: bool = False
    revoked_at: datetime | None = None
    valid_when_signed: bool | None = None  # asked only when expired or revoked
    trust_problem: str | None = None

    @property
    def changed_after_signing(self) -> bool:
        return not self.intact or not self.covers_whole_file

    def wib(self, moment: datetime | None) -> str:
        return signing.local_label(moment) if moment is not None else ""


@dataclass
class VerifyReport:
    sha256: str
    size: int
    is_pdf: bool = True
    signatures: list[SignatureCheck] = field(default_factory=list)
    letter: Letter | None = None  # the issued letter with exactly these bytes
    problem: str | None = None

    @property
    def identical(self) -> bool:
        return self.letter is not None

    @property
    def signed(self) -> bool:
        return bool(self.signatures)

    @property
    def sound(self) -> bool:
        """Signed, every signature valid and unchanged since signing."""
        return self.signed and all(s.valid and not s.changed_after_signing
                                   for s in self.signatures)


def issued_with(digest: str) -> Letter | None:
    """The issued letter whose stored bytes have this SHA-256, if any."""
    return db.session.scalar(select(Letter).options(joinedload(Letter.superseded_by))
                             .where(Letter.sha256 == digest).limit(1))


def _load_pem_bundle(data: bytes) -> list:
    from asn1crypto import pem, x509

    if not pem.detect(data):
        return [x509.Certificate.load(data)]
    return [x509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True)]


def trust_roots(app=None) -> list:
    """The installation CA (when made) and the configured roots, as asn1crypto certs."""
    app = app or current_app
    roots = []
    ca = signing.signing_folder(app) / certificates.CA_FILE
    if ca.is_file():
        roots += _load_pem_bundle(ca.read_bytes())
    configured = app.config.get("TRUSTED_ROOTS") or os.environ.get("ASUH_TRUSTED_ROOTS")
    if configured:
        roots += _load_pem_bundle(Path(configured).read_bytes())
    return roots


def trust_roots_pem(app=None) -> bytes:
    """What ``/verify`` offers for download: every trusted root, PEM."""
    from asn1crypto import pem

    return b"".join(pem.armor("CERTIFICATE", cert.dump()) for cert in trust_roots(app))


def _name(cert) -> str:
    """``DPPPAKB Kota Pangkalpinang, Pemerintah Kota Pangkalpinang, ID``."""
    parts = [value for value in cert.subject.native.values() if isinstance(value, str)]
    return ", ".join(reversed(parts)) or cert.subject.human_friendly


def _utc(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC) if moment is not None else None


def _check(embedded, roots, issued_at: datetime | None, at: datetime) -> SignatureCheck:
    from pyhanko.sign.ades.report import AdESIndeterminate
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    def context(moment=None):
        return ValidationContext(trust_roots=roots, allow_fetching=False,
                                 revocation_mode="soft-fail", moment=moment)

    def validate(moment):
        return signing.outside_event_loop(
            lambda: validate_pdf_signature(embedded, context(moment)))

    status = validate(at)
    path = status.validation_path
    chain = ([_name(c) for c in reversed(list(path.iter_certs(include_root=True)))]
             if path is not None else [_name(status.signing_cert)])
    timestamp = (status.timestamp_validity.timestamp
                 if status.timestamp_validity is not None else None)
    check = SignatureCheck(
        field_name=embedded.field_name, valid=bool(status.valid), intact=bool(status.intact),
        covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        signer=_name(status.signing_cert), chain=chain, trusted=bool(status.trusted),
        signed_at=_utc(status.signer_reported_dt), timestamp=_utc(timestamp),
        revoked=bool(status.revoked),
        trust_problem=status.trust_problem_indic.name if status.trust_problem_indic else None)
    if status.revocation_details is not None:
        check.revoked_at = _utc(status.revocation_details.revocation_date)
    not_after = status.signing_cert.not_valid_after
    check.expired = not_after < at or status.trust_problem_indic in (
        AdESIndeterminate.EXPIRED, AdESIndeterminate.OUT_OF_BOUNDS_NO_POE,
        AdESIndeterminate.OUT_OF_BOUNDS_NOT_REVOKED)
    if (check.expired or check.revoked) and check.valid and check.intact:
        # The best evidence of when it was signed: our register's issuing time (the file
        # is byte-identical to what we issued), a TSA's time-stamp, else the signer's word.
        when = issued_at or timestamp or status.signer_reported_dt
        if when is not None:
            then = validate(when)
            revoked_before = check.revoked_at is not None and check.revoked_at <= _utc(when)
            check.valid_when_signed = bool(then.trusted) and not revoked_before
    return check


def verify_pdf(data: bytes, app=None, *, at: datetime | None = None) -> VerifyReport:
    """Everything the verify page and command say about ``data`` (a PDF's bytes), as
    of ``at`` (default: now; tests ask about a later day instead of waiting for it)."""
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader

    app = app or current_app
    digest = hashlib.sha256(data).hexdigest()
    report = VerifyReport(sha256=digest, size=len(data), letter=issued_with(digest))
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        embedded = list(reader.embedded_regular_signatures)
    except (PdfReadError, ValueError, KeyError, TypeError) as error:
        report.is_pdf = False
        report.problem = f"Berkas tidak dapat dibaca sebagai PDF ({type(error).__name__})."
        return report
    roots = trust_roots(app)
    issued_at = (report.letter.issued_at.replace(tzinfo=UTC)
                 if report.letter is not None else None)
    for sig in embedded:
        try:
            report.signatures.append(_check(sig, roots, issued_at, at or datetime.now(UTC)))
        except Exception as error:  # a malformed signature is reported, not a 500
            report.problem = f"Tanda tangan {sig.field_name} tidak dapat diperiksa: {error}"
    return report
