"""Cleaning and checking what people type about a sponsor.

Every check collects its message under the field it concerns, so a form (or an API
client) learns about all its mistakes at once rather than one per submission.
"""

import re
from datetime import date

from asuh.accounts.services import check_email
from asuh.errors import ValidationFailed
from asuh.identifiers import IdentifierError, validate_nik, validate_nip
from asuh.regions.services import get_kelurahan
from asuh.sponsors.models import ASN, CITIZEN, SPONSOR_KINDS

# A ceiling that catches typos ("100" for "1"), not a programme rule: an individual
# sponsor in the BAAS reports takes one to a few children.
MAX_CAPACITY = 20

# Mobile numbers: 08 + 8–11 more digits, i.e. 10–13 digits written nationally.
_PHONE_NATIONAL_MIN, _PHONE_NATIONAL_MAX = 9, 12
_PHONE_SEPARATORS = re.compile(r"[\s\-.()/]")


class FieldProblem(ValueError):
    """One field's input is wrong; the message (Indonesian) says how."""


class Collector:
    """Gathers field errors; ``raise_if_any`` turns them into one ValidationFailed."""

    def __init__(self):
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def check(self, field: str, func, *args, **kwargs):
        """Run ``func``; on a refusal note the message under ``field`` and return None."""
        try:
            return func(*args, **kwargs)
        except (FieldProblem, IdentifierError) as exc:
            self.add(field, str(exc))
        except ValidationFailed as failure:
            for messages in failure.errors.values():
                for message in messages:
                    self.add(field, message)
        return None

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)


def normalize_phone(raw: str | None) -> str:
    """Indonesian mobile number in its national form ``08…`` (digits only).

    ``0812-3456-7890``, ``+62 812 3456 7890``, ``62812…`` and ``812…`` all give
    ``081234567890``. The national form is the one Indonesians write, read aloud and
    recognise; ``whatsapp_number`` derives the international one when needed.
    """
    text = (raw or "").strip()
    digits = _PHONE_SEPARATORS.sub("", text)
    if not digits:
        raise FieldProblem("Nomor HP wajib diisi.")
    if digits.startswith("+"):
        digits = digits[1:]
        if not digits.startswith("62"):
            raise FieldProblem("Nomor HP harus nomor Indonesia (+62 atau 08…).")
    if not (digits.isascii() and digits.isdigit()):
        raise FieldProblem(
            "Nomor HP hanya boleh berisi angka (boleh dengan spasi, tanda hubung, atau + di depan)."
        )
    if digits.startswith("62"):
        national = digits[2:]
    elif digits.startswith("0"):
        national = digits[1:]
    else:
        national = digits
    if not national.startswith("8"):
        raise FieldProblem(
            "Nomor HP harus nomor seluler yang diawali 08 (atau +628); "
            "nomor telepon rumah/kantor tidak dapat menerima WhatsApp."
        )
    if not _PHONE_NATIONAL_MIN <= len(national) <= _PHONE_NATIONAL_MAX:
        raise FieldProblem(
            f"Nomor HP harus {_PHONE_NATIONAL_MIN + 1}–{_PHONE_NATIONAL_MAX + 1} digit "
            f"jika ditulis 08… (tertulis {len(national) + 1} digit)."
        )
    return "0" + national


def whatsapp_number(phone: str) -> str:
    """``081234567890`` → ``6281234567890`` (the form wa.me links take)."""
    return "62" + phone[1:] if phone.startswith("0") else phone


def clean_text(value, label: str, max_length: int, *, required: bool = True) -> str | None:
    text = " ".join(str(value or "").split())
    if not text:
        if required:
            raise FieldProblem(f"{label} wajib diisi.")
        return None
    if len(text) > max_length:
        raise FieldProblem(f"{label} terlalu panjang (maksimal {max_length} karakter).")
    return text


def clean_capacity(value) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        return 1
    if isinstance(value, bool):
        raise FieldProblem("Jumlah anak harus berupa angka.")
    try:
        number = int(str(value).strip())
    except ValueError as exc:
        raise FieldProblem("Jumlah anak harus berupa angka bulat.") from exc
    if not 1 <= number <= MAX_CAPACITY:
        raise FieldProblem(f"Jumlah anak yang bersedia diasuh harus 1–{MAX_CAPACITY}.")
    return number


def clean_contact(errors: Collector, *, phone, address, capacity) -> dict:
    """The fields a sponsor may change on their own profile."""
    return {
        "phone": errors.check("phone", normalize_phone, phone),
        "address": errors.check("address", clean_text, address, "Alamat", 300, required=False)
        or "",
        "capacity": errors.check("capacity", clean_capacity, capacity),
    }


def clean_identity(errors: Collector, *, kind, name, nip, nik, is_pppk, agency, rank,
                   kelurahan_code, today: date | None = None) -> dict:
    """Kind, name, identifier and workplace; the identifier is checked by its structure."""
    values: dict = {"name": errors.check("name", clean_text, name, "Nama", 120)}
    kind = kind.strip().lower() if isinstance(kind, str) else None
    if kind not in SPONSOR_KINDS:
        errors.add("kind", "Pilih jenis Bapak/Bunda Asuh: ASN atau Masyarakat.")
    values["kind"] = kind
    # The identifier of the other kind is dropped, not stored: a citizen has no NIP here.
    values.update(nip=None, nik=None, is_pppk=False, agency=None, rank=None)
    if kind == ASN:
        values["is_pppk"] = bool(is_pppk)
        info = errors.check("nip", validate_nip, nip or "", today=today, pppk=bool(is_pppk))
        values["nip"] = info.nip if info else None
        values["agency"] = errors.check("agency", clean_text, agency, "Instansi/OPD", 150)
        values["rank"] = errors.check("rank", clean_text, rank, "Pangkat/golongan", 60,
                                      required=False)
    elif kind == CITIZEN:
        info = errors.check("nik", validate_nik, nik or "", today=today)
        values["nik"] = info.nik if info else None
    region = errors.check("kelurahan_code", get_kelurahan, (kelurahan_code or "").strip())
    values["kelurahan_code"] = region.code if region else None
    return values


def clean_email(errors: Collector, email) -> str | None:
    if not str(email or "").strip():
        errors.add("email", "Email wajib diisi.")
        return None
    return errors.check("email", check_email, str(email).strip())
