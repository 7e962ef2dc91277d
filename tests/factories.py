"""Test data made through the services, so every rule applies to it too."""

import itertools

from asuh.accounts import services as accounts

PASSWORD = "correct-horse-battery"
ROLES = ("admin", "officer", "field", "sponsor", "auditor")
_seq = itertools.count(1)


def user(role: str = "officer", email: str | None = None, name: str | None = None):
    n = next(_seq)
    return accounts.create_user(email or f"{role}{n}@example.id", PASSWORD, role,
                                name or f"{role.title()} {n}")


# --- sponsors ---------------------------------------------------------------------------
KELURAHAN = "19.71.01.1004"  # needs the `regions` fixture


def valid_nip(n: int) -> str:
    """A PNS NIP that passes validate_nip; the serial (001–999) makes it unique."""
    return f"198503152010011{n % 999 + 1:03d}"


def valid_nik(n: int) -> str:
    """A Pangkalpinang NIK (a woman born 15-03-1985) that passes validate_nik."""
    return f"197101550385{n % 9999 + 1:04d}"


def sponsor_fields(kind: str = "asn", **overrides) -> dict:
    n = next(_seq)
    fields = {"kind": kind, "name": f"Bapak Asuh {n}", "phone": f"0812{n:08d}",
              "email": f"asuh{n}@example.id", "address": f"Jl. Mentok No. {n}",
              "kelurahan_code": KELURAHAN, "capacity": 1}
    if kind == "asn":
        fields.update(nip=valid_nip(n), agency="Dinas Kesehatan", rank="Penata (III/c)")
    else:
        fields.update(nik=valid_nik(n))
    fields.update(overrides)
    return fields


def sponsor(kind: str = "asn", *, approved: bool = True, actor=None, **overrides):
    """Approved: registered by an officer. Not approved: self-registered with PASSWORD."""
    from asuh.sponsors import services as sponsors

    fields = sponsor_fields(kind, **overrides)
    if approved:
        return sponsors.register_by_officer(actor=actor, **fields)
    return sponsors.register_self(PASSWORD, **fields)


# --- children ---------------------------------------------------------------------------


def child_nik(birth_date, sex: str, serial: int, kecamatan: str = "01") -> str:
    """A Pangkalpinang NIK that encodes this birth date and sex (women's day + 40)."""
    day = birth_date.day + (40 if sex == "P" else 0)
    return f"1971{kecamatan}{day:02d}{birth_date:%m%y}{serial % 9999 + 1:04d}"


def child_values(**overrides) -> dict:
    """A 13-month-old boy in KELURAHAN whose NIK agrees with his birth date and sex."""
    from datetime import date, timedelta

    n = next(_seq)
    sex = overrides.get("sex", "L")
    birth_date = overrides.get("birth_date", date.today() - timedelta(days=400))
    values = {"nik": child_nik(birth_date, sex, n), "name": f"Anak Uji {n}", "sex": sex,
              "birth_date": birth_date, "guardian_name": f"Ibu {n}",
              "guardian_phone": None, "address": f"Jl. Melati No. {n}",
              "kelurahan_code": KELURAHAN, "posyandu": "Posyandu Melati 3"}
    values.update(overrides)
    return values


def child(*, actor=None, confirm_nik_warnings: bool = False, **overrides):
    from asuh.children import services as children

    return children.create_child(child_values(**overrides), actor=actor,
                                 confirm_nik_warnings=confirm_nik_warnings)


def measurement(the_child, *, actor=None, **overrides):
    """Today, 72.0 cm lying and 8.5 kg unless told otherwise (fits the default child)."""
    from datetime import date

    from asuh.children import measuring

    values = {"measured_on": date.today(), "height_cm": "72.0", "weight_kg": "8.5",
              "position": "lying"}
    values.update(overrides)
    return measuring.record_measurement(the_child, actor=actor, **values)
