"""Indonesian personal identifiers: NIK (national ID) and NIP (civil-servant number).

Validation explains in Indonesian *what* is wrong, so an officer can fix the entry.
Identifiers must never reach a URL or a log line; show them with :func:`mask_identifier`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from asuh import timeutil

__all__ = [
    "MIN_APPOINTMENT_AGE_YEARS",
    "PROVINCE_CODES",
    "IdentifierError",
    "NikInfo",
    "NipInfo",
    "mask_identifier",
    "nik_consistency_warnings",
    "normalize_identifier",
    "validate_nik",
    "validate_nip",
]

# Kemendagri province codes. DOMAIN.md says "11–94", but the real set has gaps (no 20,
# 22–30, 37–50, …) and the 2022 Papua split added four codes above 94: 93 Papua Selatan,
# 94 Papua Tengah, 95 Papua Pegunungan, 96 Papua Barat Daya (UU 14, 15, 16 and 29 of
# 2022). A NIK keeps the code of the place of first registration, so people registered
# before the split still carry 91 (Papua) or 92 (Papua Barat); both old and new codes
# must pass. 65 (Kalimantan Utara, 2012) is the only other code newer than e-KTP.
PROVINCE_CODES: frozenset[str] = frozenset(
    [str(c) for c in range(11, 20)]  # Aceh … Kepulauan Bangka Belitung
    + ["21"]  # Kepulauan Riau
    + [str(c) for c in range(31, 37)]  # DKI Jakarta … Banten
    + [str(c) for c in range(51, 54)]  # Bali, NTB, NTT
    + [str(c) for c in range(61, 66)]  # Kalimantan
    + [str(c) for c in range(71, 77)]  # Sulawesi, Gorontalo
    + ["81", "82"]  # Maluku, Maluku Utara
    + [str(c) for c in range(91, 97)]  # Papua and the 2022 splits
)

# PP 11/2017 (Manajemen PNS) art. 23 sets 18 as the lowest age to apply for CPNS, as the
# rules before it did; TMT CPNS comes after the application, so an earlier appointment
# month means a mistyped NIP. Checked by month, since the NIP carries no appointment day.
MIN_APPOINTMENT_AGE_YEARS = 18

# Women's NIKs carry the birth day plus 40.
_FEMALE_DAY_OFFSET = 40

_MASK_CHAR = "•"


class IdentifierError(ValueError):
    """An identifier is malformed; the message (Indonesian) says what is wrong."""


@dataclass(frozen=True)
class NikInfo:
    """What a structurally valid NIK encodes."""

    nik: str
    province_code: str  # "19"
    regency_code: str  # "19.71", Kemendagri notation
    kecamatan_code: str  # "19.71.01": where first registered, not necessarily home
    sex: str  # "L" or "P"
    birth_dates: tuple[date, ...]  # 19yy and/or 20yy candidates, oldest first
    serial: str  # "0001"…"9999", kept as text for its leading zeros


@dataclass(frozen=True)
class NipInfo:
    """What a structurally valid NIP encodes; PPPK numbers only give the birth date."""

    nip: str
    birth_date: date
    appointed_month: date | None  # TMT CPNS, always day 1; None for PPPK
    sex: str | None  # "L" or "P"; None for PPPK
    serial: str | None  # "001"…"999"; None for PPPK
    is_pppk: bool = False


def normalize_identifier(value: str | None) -> str:
    """A NIK or NIP as stored: ``"19850315 201001 1 002"`` → ``"198503152010011002"``.

    The one normalisation every form, the API and the services apply, so an entry one
    page accepts is never refused by another. People copy identifiers with spaces (NIPs
    are printed in groups) and dots (``3201.0101.…`` in some registers); both are layout,
    not digits. Anything else (a hyphen, a letter O) stays, for validation to name it.
    """
    if value is None:
        return ""
    return "".join(str(value).split()).replace(".", "")



def _require_digits(value: str, label: str, length: int) -> None:
    if not value:
        raise IdentifierError(f"{label} wajib diisi.")
    if not (value.isascii() and value.isdigit()):
        bad = next(ch for ch in value if not (ch.isascii() and ch.isdigit()))
        raise IdentifierError(
            f"{label} harus {length} digit angka (ada karakter bukan angka: '{bad}')."
        )
    if len(value) != length:
        raise IdentifierError(f"{label} harus {length} digit angka (tertulis {len(value)} digit).")


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def validate_nik(nik: str, *, today: date | None = None) -> NikInfo:
    """Check a NIK's structure (``PP KK CC DDMMYY SSSS``) and decode it.

    Raises :class:`IdentifierError` naming the first problem found.
    """
    today = today or timeutil.today()
    value = normalize_identifier(nik)
    _require_digits(value, "NIK", 16)

    province, regency, kecamatan = value[0:2], value[2:4], value[4:6]
    dd, mm, yy, serial = value[6:8], value[8:10], value[10:12], value[12:16]

    if province not in PROVINCE_CODES:
        raise IdentifierError(f"Kode provinsi {province} pada NIK tidak dikenal.")
    if regency == "00":
        raise IdentifierError("Kode kabupaten/kota pada NIK tidak boleh 00.")
    if kecamatan == "00":
        raise IdentifierError("Kode kecamatan pada NIK tidak boleh 00.")

    day_code = int(dd)
    if 1 <= day_code <= 31:
        sex, day = "L", day_code
    elif 41 <= day_code <= 71:
        sex, day = "P", day_code - _FEMALE_DAY_OFFSET
    else:
        raise IdentifierError(
            f"Tanggal lahir pada NIK ({dd}) tidak valid: harus 01–31, "
            "atau 41–71 untuk perempuan (tanggal ditambah 40)."
        )
    month = int(mm)
    if not 1 <= month <= 12:
        raise IdentifierError(f"Bulan lahir pada NIK ({mm}) tidak valid: harus 01–12.")

    # The two-digit year could be 19yy or 20yy; keep every reading that is a real date.
    existing = [d for d in (_safe_date(c + int(yy), month, day) for c in (1900, 2000)) if d]
    if not existing:
        if _safe_date(2000, month, day) is None:  # 2000 is a leap year: no year would do
            raise IdentifierError(f"Tanggal lahir pada NIK ({day:02d}-{mm}) tidak ada.")
        raise IdentifierError(
            f"Tanggal lahir pada NIK ({day:02d}-{mm}-{yy}) tidak ada: "
            f"19{yy} dan 20{yy} bukan tahun kabisat."
        )
    birth_dates = tuple(d for d in existing if d <= today)
    if not birth_dates:
        raise IdentifierError(
            f"Tanggal lahir pada NIK ({day:02d}-{mm}-{yy}) berada di masa depan."
        )

    if serial == "0000":
        raise IdentifierError("Nomor urut pada NIK tidak boleh 0000.")

    return NikInfo(
        nik=value,
        province_code=province,
        regency_code=f"{province}.{regency}",
        kecamatan_code=f"{province}.{regency}.{kecamatan}",
        sex=sex,
        birth_dates=birth_dates,
        serial=serial,
    )


_SEX_WORDS = {"L": "laki-laki", "P": "perempuan"}


def nik_consistency_warnings(
    nik_info: NikInfo, birth_date: date | None, sex: str | None
) -> list[str]:
    """Warnings (Indonesian) where a child's NIK disagrees with its recorded data.

    Registry data are messy, so these are for an officer to confirm, not errors.
    ``None`` for ``birth_date`` or ``sex`` skips that comparison.
    """
    warnings: list[str] = []
    nik = nik_info.nik
    if birth_date is not None:
        day = int(nik[6:8])
        if day > _FEMALE_DAY_OFFSET:
            day -= _FEMALE_DAY_OFFSET
        encoded = (day, int(nik[8:10]), int(nik[10:12]))
        actual = (birth_date.day, birth_date.month, birth_date.year % 100)
        if encoded != actual:
            warnings.append(
                f"Tanggal lahir pada NIK ({day:02d}-{nik[8:10]}-{nik[10:12]}) berbeda dengan "
                f"tanggal lahir anak ({birth_date:%d-%m-%Y}). Periksa NIK atau tanggal lahir."
            )
    if sex is not None:
        recorded = sex.strip().upper()[:1]
        if recorded not in _SEX_WORDS:
            raise ValueError(f"sex must be 'L' or 'P', got {sex!r}")
        if recorded != nik_info.sex:
            warnings.append(
                f"Jenis kelamin pada NIK ({_SEX_WORDS[nik_info.sex]}) berbeda dengan jenis "
                f"kelamin anak ({_SEX_WORDS[recorded]}). Pada NIK perempuan, tanggal lahir "
                "ditambah 40."
            )
    return warnings


def validate_nip(nip: str, *, today: date | None = None, pppk: bool = False) -> NipInfo:
    """Check a civil servant's NIP (``YYYYMMDD YYYYMM G SSS``) and decode it.

    ``pppk=True`` is for PPPK contract staff, whose 18-digit numbers follow a layout we
    could not confirm: only the length and the leading birth date are checked.
    """
    today = today or timeutil.today()
    value = normalize_identifier(nip)
    label = "Nomor PPPK" if pppk else "NIP"
    _require_digits(value, label, 18)

    birth_date = _safe_date(int(value[0:4]), int(value[4:6]), int(value[6:8]))
    if birth_date is None or birth_date.year < 1900:
        raise IdentifierError(f"Tanggal lahir pada {label} ({value[0:8]}) tidak ada.")
    if birth_date > today:
        raise IdentifierError(f"Tanggal lahir pada {label} ({value[0:8]}) berada di masa depan.")
    if pppk:
        return NipInfo(
            nip=value, birth_date=birth_date, appointed_month=None, sex=None, serial=None,
            is_pppk=True,
        )

    year, month = int(value[8:12]), int(value[12:14])
    if not 1 <= month <= 12:
        raise IdentifierError(f"Bulan TMT CPNS pada NIP ({value[8:14]}) tidak valid.")
    appointed = date(year, month, 1)
    shown = f"{month:02d}-{year}"
    if (year, month) <= (birth_date.year, birth_date.month):
        raise IdentifierError(
            f"TMT CPNS pada NIP ({shown}) tidak sesudah bulan lahir ({birth_date:%m-%Y})."
        )
    if (year, month) < (birth_date.year + MIN_APPOINTMENT_AGE_YEARS, birth_date.month):
        raise IdentifierError(
            f"TMT CPNS pada NIP ({shown}) tidak masuk akal: umur saat diangkat CPNS "
            f"minimal {MIN_APPOINTMENT_AGE_YEARS} tahun."
        )
    if appointed > today:
        raise IdentifierError(f"TMT CPNS pada NIP ({shown}) berada di masa depan.")

    sex_digit = value[14]
    if sex_digit not in ("1", "2"):
        raise IdentifierError(
            f"Digit jenis kelamin pada NIP ({sex_digit}) harus 1 (laki-laki) atau 2 (perempuan)."
        )
    serial = value[15:18]
    if serial == "000":
        raise IdentifierError("Nomor urut pada NIP tidak boleh 000.")

    return NipInfo(
        nip=value,
        birth_date=birth_date,
        appointed_month=appointed,
        sex="L" if sex_digit == "1" else "P",
        serial=serial,
        is_pppk=False,
    )


def mask_identifier(value: str | None) -> str:
    """``1971010101010003`` → ``1971••••••••0003``: first and last 4 kept.

    Values of 8 characters or fewer are masked whole, since keeping 4 + 4 would show
    all of them. ``None`` or blank gives ``""``.
    """
    cleaned = normalize_identifier(value)
    if len(cleaned) <= 8:
        return _MASK_CHAR * len(cleaned)
    return cleaned[:4] + _MASK_CHAR * (len(cleaned) - 8) + cleaned[-4:]
