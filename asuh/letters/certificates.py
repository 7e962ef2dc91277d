"""The installation's own signing certificate, for an office that has no BSrE one yet.

``flask --app app install`` calls :func:`ensure_installation_pki` when no PKCS#12 file is
configured (``ASUH_SIGNING_P12``). It makes, under ``instance/signing/``:

- ``ca.pem``: a CA certificate for this installation (public; the ``/verify`` page offers
  it, so an auditor can add it to their PDF reader's trusted certificates);
- ``ca-key.pem``: that CA's private key, kept to issue the next signing certificate;
- ``signer.p12``: the office's signing key and certificate (issued by that CA) with the
  CA certificate, in the same PKCS#12 form a BSrE certificate comes in, so one code path
  (``signing.Pkcs12Signer``) signs with either.

Private keys are written readable by their owner only (0600, in a 0700 folder). The
PKCS#12 file has no password: it is protected by those file permissions, as the
``secret_key`` file next to it is; a configured ``ASUH_SIGNING_P12`` usually has one.
"""

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_FILE = "ca.pem"
CA_KEY_FILE = "ca-key.pem"
SIGNER_FILE = "signer.p12"
CA_YEARS = 20
# Long enough that letters are not signed with a lapsing certificate in a running
# installation; the verifier says "valid when signed" for older letters anyway.
SIGNER_YEARS = 5


@dataclass(frozen=True)
class Issued:
    """A certificate with its private key (cryptography objects)."""

    certificate: x509.Certificate
    key: rsa.RSAPrivateKey


# Certificates start a day early: a signer whose clock (or a reader's) runs behind the
# machine that made the certificate must still find it valid; the installation's date may
# also be a day behind UTC's near midnight.
BACKDATE = timedelta(days=1)


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
    ])


def make_ca(organisation: str, *, not_before: datetime | None = None,
            years: int = CA_YEARS) -> Issued:
    """A self-signed CA that may issue end-entity certificates only (path length 0)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    start = not_before or datetime.now(UTC) - BACKDATE
    name = _name(f"CA Surat Asuh {organisation}", organisation)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(start + timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True,
            crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256()))
    return Issued(certificate, key)


def make_signer(ca: Issued, common_name: str, organisation: str, *,
                not_before: datetime | None = None,
                not_after: datetime | None = None) -> Issued:
    """A document-signing certificate issued by ``ca`` (non-repudiation, as PAdES asks)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    start = not_before or datetime.now(UTC) - BACKDATE
    end = not_after or start + timedelta(days=365 * SIGNER_YEARS)
    certificate = (
        x509.CertificateBuilder().subject_name(_name(common_name, organisation))
        .issuer_name(ca.certificate.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False,
            crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                       critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            ca.key.public_key()), critical=False)
        .sign(ca.key, hashes.SHA256()))
    return Issued(certificate, key)


def pkcs12_bytes(signer: Issued, ca: x509.Certificate, password: bytes | None = None) -> bytes:
    encryption = (serialization.BestAvailableEncryption(password) if password
                  else serialization.NoEncryption())
    return pkcs12.serialize_key_and_certificates(
        b"asuh-letters", signer.key, signer.certificate, [ca], encryption)


def _write_private(path: Path, data: bytes) -> None:
    # Created 0600 from the start: never readable by others, not even for a moment.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    path.chmod(0o600)


def ensure_installation_pki(folder: Path, office_name: str,
                            organisation: str | None = None) -> Path | None:
    """Create the installation CA and signing certificate in ``folder`` unless there.

    Returns the new PKCS#12 file's path, or None when one already existed.
    """
    signer_path = folder / SIGNER_FILE
    if signer_path.exists():
        return None
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    organisation = organisation or office_name
    ca = make_ca(organisation)
    signer = make_signer(ca, office_name, organisation)
    _write_private(folder / CA_KEY_FILE, ca.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    (folder / CA_FILE).write_bytes(ca.certificate.public_bytes(serialization.Encoding.PEM))
    _write_private(signer_path, pkcs12_bytes(signer, ca.certificate))
    return signer_path
