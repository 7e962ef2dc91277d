"""Test data made through the services, so every rule applies to it too."""

import itertools

from asuh import timeutil
from asuh.accounts import services as accounts

PASSWORD = "correct-horse-battery"
ROLES = ("admin", "officer", "field", "sponsor", "auditor")
_seq = itertools.count(1)


def user(role: str = "officer", email: str | None = None, name: str | None = None,
         scope: str | None = None):
    n = next(_seq)
    return accounts.create_user(email or f"{role}{n}@example.id", PASSWORD, role,
                                name or f"{role.title()} {n}", scope=scope)


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
    from datetime import timedelta

    n = next(_seq)
    sex = overrides.get("sex", "L")
    birth_date = overrides.get("birth_date", timeutil.today() - timedelta(days=400))
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

    from asuh.children import measuring

    # Scenes jump between categories faster than children grow: they skip the history
    # question (asuh/children/history.py), which has its own tests; pass
    # check_history=True to meet it.
    values = {"measured_on": timeutil.today(), "height_cm": "72.0", "weight_kg": "8.5",
              "position": "lying", "check_history": False}
    values.update(overrides)
    return measuring.record_measurement(the_child, actor=actor, **values)


# --- matches ----------------------------------------------------------------------------


def match(the_sponsor=None, the_child=None, *, actor=None, start_on=None, **kwargs):
    """A match through the service (a new approved sponsor / child when not given);
    starts today unless told otherwise."""

    from asuh.matching import services as matching

    the_sponsor = the_sponsor if the_sponsor is not None else sponsor(actor=actor)
    the_child = the_child if the_child is not None else child(actor=actor)
    return matching.create_match(the_sponsor, the_child, start_on=start_on or timeutil.today(),
                                 actor=actor, **kwargs)


# --- contributions ----------------------------------------------------------------------
RICE_2_KARUNG = {"commodity": "rice", "quantity": "2", "unit": "karung 5 kg",
                 "value_idr": 150000}


def catalogue():
    """The default commodity catalogue (a no-op when it is already installed)."""
    from asuh.contributions.catalogue import install_default_catalogue

    return install_default_catalogue()


def contribution(the_match=None, *, actor=None, delivered_on=None, items=None, note=None,
                 status: str = "pending", verifier=None, reason: str = "Tidak sesuai",
                 submission_key=None):
    """A delivery through the services (2 karung 5 kg of rice unless told otherwise),
    dated on the match's first day; ``status`` confirmed/rejected/voided verifies it."""
    from asuh.contributions import services, verification

    catalogue()
    the_match = the_match if the_match is not None else match(actor=actor)
    made, _ = services.log_contribution(
        the_match, delivered_on=delivered_on or the_match.start_on,
        items=items or [dict(RICE_2_KARUNG)], note=note, actor=actor,
        submission_key=submission_key)
    if status in ("confirmed", "voided"):
        verification.confirm_contribution(made, actor=verifier or actor)
    if status == "rejected":
        verification.reject_contribution(made, reason, actor=verifier or actor)
    if status == "voided":
        verification.void_contribution(made, reason, actor=verifier or actor)
    return made


def image_bytes(fmt: str = "JPEG", size=(64, 48), color="red", exif=None) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    options = {"exif": exif} if exif is not None else {}
    Image.new("RGB", size, color).save(out, fmt, **options)
    return out.getvalue()


def contribution_scene(users, *, start_days_ago: int = 60) -> dict:
    """Catalogue, the field user assigned to KELURAHAN, and two active matches started
    ``start_days_ago``: ``mine`` (the ``users['sponsor']`` login's, child in KELURAHAN)
    and ``other`` (another sponsor's, child in Opas Indah). Returns their ids."""
    from datetime import timedelta

    from asuh.accounts.models import User
    from asuh.extensions import db
    from asuh.regions.services import assign_kelurahan

    admin = db.session.get(User, users["admin"][0])
    catalogue()
    assign_kelurahan(db.session.get(User, users["field"][0]), [KELURAHAN], actor=admin)
    start = timeutil.today() - timedelta(days=start_days_ago)
    mine = sponsor(email=users["sponsor"][1], actor=admin)
    my_match = match(mine, child(kelurahan_code=KELURAHAN), start_on=start, actor=admin)
    other_match = match(None, child(kelurahan_code=OTHER_KELURAHAN), start_on=start,
                        actor=admin)
    db.session.commit()
    return {"match": my_match.id, "other_match": other_match.id, "sponsor": mine.id,
            "other_sponsor": other_match.sponsor_id, "child": my_match.child_id,
            "start": start}


OTHER_KELURAHAN = "19.71.02.1001"


# --- letters ----------------------------------------------------------------------------
EGGS_TRAY = {"commodity": "eggs", "quantity": "1", "unit": "tray", "value_idr": 60000}
CASH = {"commodity": "cash", "quantity": "50000", "unit": "Rp"}


def last_month(today=None):
    """``(first, last)`` day of the month before ``today``'s."""
    from datetime import timedelta

    end = (today or timeutil.today()).replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def letter_scene(sponsor_email: str | None = None, *, actor=None,
                 child_name: str | None = None) -> dict:
    """A sponsor (ASN; linked to ``sponsor_email``'s login when given) with one child
    matched since before last month, measured before it (short) and at its end (taller),
    and last month's deliveries: two confirmed (rice + eggs; eggs + cash), one pending,
    one voided. Returns ids and ``period`` (last month as a Period)."""
    from datetime import timedelta

    from asuh.letters.periods import Period

    catalogue()
    start, end = last_month()
    the_sponsor = sponsor(actor=actor, **({"email": sponsor_email} if sponsor_email else {}))
    the_child = child(actor=actor, **({"name": child_name} if child_name else {}))
    measurement(the_child, actor=actor, measured_on=start - timedelta(days=20),
                height_cm="66.0", weight_kg="7.6")
    measurement(the_child, actor=actor, measured_on=end - timedelta(days=2),
                height_cm="75.5", weight_kg="8.9")
    the_match = match(the_sponsor, the_child, actor=actor, start_on=start - timedelta(days=30))
    confirmed = [
        contribution(the_match, actor=actor, delivered_on=start + timedelta(days=2),
                     items=[dict(RICE_2_KARUNG), dict(EGGS_TRAY)], status="confirmed"),
        contribution(the_match, actor=actor, delivered_on=end - timedelta(days=1),
                     items=[dict(EGGS_TRAY), dict(CASH)], status="confirmed"),
    ]
    pending = contribution(the_match, actor=actor, delivered_on=start + timedelta(days=5))
    voided = contribution(the_match, actor=actor, delivered_on=start + timedelta(days=6),
                          status="voided")
    return {"sponsor": the_sponsor.id, "child": the_child.id, "match": the_match.id,
            "confirmed": [c.id for c in confirmed], "pending": pending.id,
            "voided": voided.id, "period": Period(start, end)}


# --- dashboard --------------------------------------------------------------------------
KEL_A, KEL_B, KEL_C = "19.71.01.1004", "19.71.01.1006", "19.71.02.1001"  # K1, K1, K2
MILK_2_LITRES = {"commodity": "milk", "quantity": "2", "unit": "kotak 1 L", "value_idr": 36000}
_TARGET_Z = {"severely_stunted": -3.5, "stunted": -2.5, "normal": -0.5}


def month_day(months_back: int, day: int, today=None):
    """``day`` of the month ``months_back`` before today's (never after today)."""
    from datetime import date

    today = today or timeutil.today()
    year, index = divmod(today.year * 12 + today.month - 1 - months_back, 12)
    on = date(year, index + 1, day)
    return min(on, today)


def height_for(birth_date, measured_on, category: str, sex: str = "L") -> str:
    """A length/height (cm, as text) that WHO's tables place in ``category``."""
    from decimal import Decimal

    from asuh.children.growth import MeasurementError, assess
    from asuh.children.measuring import standard_position

    position = standard_position(birth_date, measured_on)
    best = None
    for tenth in range(450, 1200, 5):
        height = Decimal(tenth) / 10
        try:
            result = assess(sex, birth_date, measured_on, height, Decimal("10"), position,
                            today=max(timeutil.today(), measured_on))
        except MeasurementError:
            continue
        if result.category == category and result.haz is not None:
            gap = abs(result.haz - _TARGET_Z[category])
            if best is None or gap < best[0]:
                best = (gap, height)
    assert best is not None, (category, measured_on)
    return str(best[1])


def measure(the_child, months_back: int, day: int, category: str, weight: str, *, actor=None):
    """A measurement ``months_back`` months ago whose height falls in ``category``."""
    from asuh.children.measuring import standard_position

    on = month_day(months_back, day)
    return measurement(the_child, actor=actor, measured_on=on,
                       height_cm=height_for(the_child.birth_date, on, category),
                       weight_kg=weight, position=standard_position(the_child.birth_date, on))


def dashboard_scene(actor) -> dict:
    """A small city for the dashboard, through the services (ids by name):

    children (born ~900 days ago) in KEL_A/KEL_B (kecamatan 19.71.01) and KEL_C
    (19.71.02), measured over the last months so that outcomes, stalled weights,
    deliveries and sponsor kinds all have cases, including the edge cases (graduated,
    voided measurement, one measurement only, ended match, withdrawn sponsor, pending,
    rejected and voided deliveries, cash).
    """
    from datetime import timedelta

    from asuh.children import measuring
    from asuh.children import services as children
    from asuh.matching import services as matching
    from asuh.sponsors import services as sponsors

    catalogue()
    born = timeutil.today() - timedelta(days=900)

    def kid(kel):
        return child(actor=actor, kelurahan_code=kel, birth_date=born)

    c = {name: kid(kel) for name, kel in (
        ("improves", KEL_A), ("stalls", KEL_A), ("worsens", KEL_B), ("normal", KEL_C),
        ("once", KEL_C), ("graduated", KEL_A), ("no_delivery", KEL_B), ("voided", KEL_A),
        ("unmeasured", KEL_C), ("withdrawn_sponsor", KEL_B))}
    measure(c["improves"], 4, 3, "severely_stunted", "9.0", actor=actor)
    measure(c["improves"], 2, 3, "stunted", "9.6", actor=actor)
    measure(c["improves"], 0, 1, "normal", "10.2", actor=actor)
    measure(c["stalls"], 3, 5, "stunted", "9.0", actor=actor)
    measure(c["stalls"], 1, 5, "stunted", "9.0", actor=actor)
    measure(c["worsens"], 3, 7, "stunted", "9.4", actor=actor)
    measure(c["worsens"], 0, 1, "severely_stunted", "9.9", actor=actor)
    measure(c["normal"], 2, 9, "normal", "11.0", actor=actor)
    measure(c["once"], 8, 4, "severely_stunted", "8.1", actor=actor)
    measure(c["once"], 1, 4, "stunted", "9.1", actor=actor)
    measure(c["graduated"], 4, 6, "stunted", "9.2", actor=actor)
    measure(c["graduated"], 1, 6, "normal", "10.4", actor=actor)
    measure(c["no_delivery"], 5, 2, "stunted", "8.8", actor=actor)
    measure(c["no_delivery"], 2, 2, "stunted", "9.5", actor=actor)
    measure(c["voided"], 3, 8, "severely_stunted", "8.7", actor=actor)
    wrong = measure(c["voided"], 1, 8, "normal", "9.8", actor=actor)
    measuring.void_measurement(wrong, c["voided"], "Salah ketik", actor=actor)
    measure(c["withdrawn_sponsor"], 2, 11, "stunted", "9.3", actor=actor)
    measure(c["withdrawn_sponsor"], 0, 1, "stunted", "9.9", actor=actor)
    children.change_status(c["graduated"], "graduated", "Tidak stunting lagi", actor=actor)

    s = {"asn_a": sponsor("asn", actor=actor, kelurahan_code=KEL_A),
         "citizen_c": sponsor("citizen", actor=actor, kelurahan_code=KEL_C),
         "asn_b": sponsor("asn", actor=actor, kelurahan_code=KEL_B),
         "citizen_a": sponsor("citizen", actor=actor, kelurahan_code=KEL_A),
         "withdrawn": sponsor("asn", actor=actor, kelurahan_code=KEL_B),
         "waiting": sponsor("citizen", approved=False, kelurahan_code=KEL_C)}
    m = {
        "improves": match(s["asn_a"], c["improves"], actor=actor, start_on=month_day(5, 1)),
        "normal": match(s["citizen_c"], c["normal"], actor=actor, start_on=month_day(2, 1)),
        "worsens": match(s["asn_b"], c["worsens"], actor=actor, start_on=month_day(4, 1)),
        "no_delivery": match(s["citizen_a"], c["no_delivery"], actor=actor,
                             start_on=month_day(3, 1)),
        "withdrawn": match(s["withdrawn"], c["withdrawn_sponsor"], actor=actor,
                           start_on=month_day(3, 15)),
    }
    rice, eggs = RICE_2_KARUNG, EGGS_TRAY
    d = [
        contribution(m["improves"], actor=actor, delivered_on=month_day(4, 10),
                     items=[dict(rice), dict(eggs)], status="confirmed"),
        contribution(m["improves"], actor=actor, delivered_on=month_day(2, 10),
                     items=[dict(rice), dict(CASH)], status="confirmed"),
        contribution(m["improves"], actor=actor, delivered_on=month_day(0, 1),
                     items=[dict(eggs)], status="confirmed"),
        contribution(m["improves"], actor=actor, delivered_on=month_day(0, 1)),
        contribution(m["improves"], actor=actor, delivered_on=month_day(1, 12),
                     status="rejected"),
        contribution(m["normal"], actor=actor, delivered_on=month_day(1, 10),
                     items=[dict(MILK_2_LITRES)], status="confirmed"),
        contribution(m["normal"], actor=actor, delivered_on=month_day(0, 1),
                     items=[dict(rice)], status="voided"),
        contribution(m["worsens"], actor=actor, delivered_on=month_day(3, 2),
                     items=[dict(rice), dict(MILK_2_LITRES)], status="confirmed"),
        contribution(m["no_delivery"], actor=actor, delivered_on=month_day(3, 2),
                     items=[dict(eggs)], status="confirmed"),
        contribution(m["no_delivery"], actor=actor, delivered_on=month_day(0, 1)),
        contribution(m["withdrawn"], actor=actor, delivered_on=month_day(1, 20),
                     items=[dict(CASH)], status="confirmed"),
    ]
    matching.end_match(m["worsens"], reason="period_over", ended_on=month_day(2, 1),
                       actor=actor)
    sponsors.withdraw_sponsor(s["withdrawn"], "Pindah tugas", actor=actor)
    return {"children": {k: v.id for k, v in c.items()},
            "sponsors": {k: v.id for k, v in s.items()},
            "matches": {k: v.id for k, v in m.items()},
            "contributions": [x.id for x in d]}
