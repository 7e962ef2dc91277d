"""Example letters for the documentation (``flask letters samples --out docs/letters``).

A throwaway SQLite database gets a small demo-like city through the ordinary services
(regions, catalogue, a sponsor with two children and weekly deliveries over a quarter,
a handful of other sponsors), then one letter of each kind is issued exactly as in
production: signed, by a throwaway installation CA whose certificate is written beside
them (``sample-ca.pem``) so a reader can check the signatures. The PDFs are kept and each
page is rendered to PNG with ``pdftoppm`` (poppler-utils) so a person can look at the
layout. The app's own database and certificates are not touched.
"""

import shutil
import subprocess
import tempfile
from datetime import date, timedelta
from pathlib import Path

from asuh import timeutil
from asuh.extensions import db
from asuh.transactions import use_case

SPONSOR_NAME = "Dra. Siti Aminah, M.Si."
CHILDREN = (("Aisyah Putri Ramadhani", "P", -2.6, 0.12), ("Rafa Alfarizi", "L", -3.2, 0.05))
OTHER_SPONSORS = (
    ("Ir. Bambang Sutrisno", "19.71.02.1001", True), ("Hj. Nurlela", "19.71.03.1005", False),
    ("Andi Wijaya, S.E.", "19.71.04.1001", True), ("Yuliani Putri", "19.71.05.1004", True),
    ("H. Rusli Effendi", "19.71.06.1002", False), ("Maria Goretti", "19.71.07.1001", True),
)
WEEKLY = ({"commodity": "eggs", "quantity": "1", "unit": "tray", "value_idr": 60000},
          {"commodity": "rice", "quantity": "1", "unit": "karung 5 kg", "value_idr": 75000},
          {"commodity": "milk", "quantity": "6", "unit": "kotak 200 ml", "value_idr": 36000},
          {"commodity": "honey", "quantity": "1", "unit": "botol 250 ml", "value_idr": 55000})


def previous_quarter(today: date) -> tuple[date, date]:
    first_this = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    end = first_this - timedelta(days=1)
    return date(end.year, end.month - 2, 1), end


def previous_month(today: date) -> tuple[date, date]:
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def _measure(child, day: date, z: float, actor, today: date) -> None:
    from asuh.children import measuring
    from asuh.children.demo import _height_at

    days = (day - child.birth_date).days
    height = round(_height_at(child.sex, days, z), 1)
    measuring.record_measurement(
        child, measured_on=day, height_cm=height, weight_kg=round(15.2 * (height / 100) ** 2, 2),
        position=measuring.standard_position(child.birth_date, day), actor=actor, today=today,
        measured_by="Kader Posyandu Melati 3")


def _child(name: str, sex: str, birth: date, kelurahan: str, serial: int, actor, today):
    from asuh.children import services as children

    day = birth.day + (40 if sex == "P" else 0)
    kecamatan = kelurahan.split(".")[2]
    return children.create_child({
        "nik": f"1971{kecamatan}{day:02d}{birth:%m%y}{serial:04d}", "name": name, "sex": sex,
        "birth_date": birth, "guardian_name": f"Ibu {name.split()[-1]}",
        "guardian_phone": None, "address": f"Jl. Depati Amir No. {serial}, RT 003/RW 001",
        "kelurahan_code": kelurahan, "posyandu": "Posyandu Melati 3"}, actor=actor, today=today)


@use_case
def seed_scene(today: date) -> dict:
    """The demo-like data; returns the ids the sample letters are about."""
    from asuh.accounts import services as accounts
    from asuh.contributions import services as contributions
    from asuh.contributions import verification
    from asuh.contributions.catalogue import install_default_catalogue
    from asuh.install import install_defaults
    from asuh.matching import services as matching
    from asuh.regions.services import assign_kelurahan
    from asuh.settings import services as settings
    from asuh.sponsors import services as sponsors

    install_defaults()
    install_default_catalogue()
    officer = accounts.create_user("petugas@contoh.id", "sampel-sampel-1", "officer",
                                   "Rina Petugas Dinas")
    field = accounts.create_user("kader@contoh.id", "sampel-sampel-1", "field",
                                 "Sari Kader Posyandu")
    # Work areas, settings and deliveries logged on a sponsor's behalf are an admin's acts.
    admin = accounts.create_user("admin@contoh.id", "sampel-sampel-1", "admin", "Admin Asuh")
    assign_kelurahan(field, ["19.71.01.1004"], actor=admin)
    settings.update({"head_name": "dr. Hj. Fitriyani, M.Kes.",
                     "head_nip": "197305122000032004",
                     "head_title": "Kepala DPPPAKB Kota Pangkalpinang"}, actor=admin)
    start, end = previous_quarter(today)
    match_start = start - timedelta(days=45)
    main = sponsors.register_by_officer(
        actor=officer, kind="asn", name=SPONSOR_NAME, nip="198503152010012003",
        agency="Dinas Kesehatan Kota Pangkalpinang", rank="Pembina (IV/a)",
        phone="081234567890", email="siti.aminah@contoh.id",
        address="Jl. Jenderal Sudirman No. 7", kelurahan_code="19.71.01.1004", capacity=2)
    matches = []
    for n, (name, sex, z, gain) in enumerate(CHILDREN, start=1):
        child = _child(name, sex, start - timedelta(days=520 + 90 * n), "19.71.01.1004", n,
                       officer, today)
        _measure(child, match_start, z, field, today)
        _measure(child, start + timedelta(days=40), z + gain, field, today)
        _measure(child, end - timedelta(days=3), z + 2 * gain + (0.5 if n == 1 else 0),
                 field, today)
        matches.append(matching.create_match(main, child, start_on=match_start,
                                              actor=officer, today=today))
    receipt_id = None
    day = start + timedelta(days=2)
    while day <= end:
        for n, match in enumerate(matches):
            week = day.toordinal() // 7 + n
            items = [WEEKLY[week % 4], WEEKLY[(week + 1) % 4]]
            if day.day <= 7 and n == 0:
                items.append({"commodity": "cash", "quantity": "50000", "unit": "Rp"})
            made, _ = contributions.log_contribution(match, delivered_on=day, items=items,
                                                     actor=admin, today=today)
            verification.confirm_contribution(made, actor=field)
            receipt_id = receipt_id or made.id
        day += timedelta(days=7)
    month_start, month_end = previous_month(today)
    for n, (name, kelurahan, delivers) in enumerate(OTHER_SPONSORS, start=10):
        other = sponsors.register_by_officer(
            actor=officer, kind="citizen", name=name, nik=f"1971015503850{n:03d}",
            phone=f"0813000000{n:02d}", email=f"sponsor{n}@contoh.id",
            address=f"Jl. Merdeka No. {n}", kelurahan_code=kelurahan)
        child = _child(f"Anak Contoh {n}", "L", month_start - timedelta(days=400 + n * 20),
                       kelurahan, n, officer, today)
        # Outside the kader's kelurahan: the officer records it.
        _measure(child, month_start - timedelta(days=30), -2.4, officer, today)
        match = matching.create_match(other, child, start_on=month_start - timedelta(days=60),
                                      actor=officer, today=today)
        if delivers:
            made, _ = contributions.log_contribution(
                match, delivered_on=month_start + timedelta(days=n), actor=admin, today=today,
                items=[{"commodity": "rice", "quantity": "2", "unit": "karung 5 kg",
                        "value_idr": 150000},
                       {"commodity": "eggs", "quantity": "1", "unit": "tray", "value_idr": 60000}])
            # Outside the kader's kelurahan: the officer confirms.
            verification.confirm_contribution(made, actor=officer)
    return {"officer": officer.id, "sponsor": main.id, "contribution": receipt_id,
            "quarter": (start, end), "month": (month_start, month_end)}


def pdf_to_pngs(pdf_path: Path, out_dir: Path, name: str, dpi: int = 100) -> list[Path]:
    """``name.png`` for page 1, ``name-2.png``… for the next pages."""
    if shutil.which("pdftoppm") is None:
        raise RuntimeError("pdftoppm is missing: install poppler-utils (make system-deps)")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf_path),
                        str(Path(tmp) / "page")], check=True)
        pages = sorted(Path(tmp).glob("page-*.png"), key=lambda p: int(p.stem.split("-")[1]))
        written = []
        for number, page in enumerate(pages, start=1):
            target = out_dir / (f"{name}.png" if number == 1 else f"{name}-{number}.png")
            shutil.move(page, target)
            written.append(target)
    return written


def write_samples(out_dir: Path, today: date | None = None) -> list[Path]:
    """Issue one letter of each kind in a throwaway database; each page as PNG to
    ``out_dir`` (``<kind>.png``, ``<kind>-2.png``…)."""
    from flask import current_app

    from asuh import create_app
    from asuh.accounts.models import User
    from asuh.letters import certificates, services
    from asuh.letters.models import HANDOVER_RECEIPT, RECAP, SPONSOR_STATEMENT
    from asuh.letters.periods import Period
    from asuh.letters.signing import install_signing_certificate

    today = today or timeutil.today()
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in [*out_dir.glob("*.png"), *out_dir.glob("*.pdf")]:
        old.unlink()
    written = []
    with tempfile.TemporaryDirectory(prefix="asuh-samples-") as tmp:
        app = create_app({
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'samples.db'}",
            "UPLOAD_FOLDER": str(Path(tmp) / "uploads"),
            "PUBLIC_URL": current_app.config["PUBLIC_URL"],
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "SIGNING_FOLDER": str(Path(tmp) / "signing"),
            "SIGNING_P12": None,
        })
        with app.app_context():
            db.create_all()
            install_signing_certificate()
            ca = out_dir / "sample-ca.pem"
            shutil.copyfile(Path(tmp) / "signing" / certificates.CA_FILE, ca)
            written.append(ca)
            scene = seed_scene(today)
            officer = db.session.get(User, scene["officer"])
            letters = {
                SPONSOR_STATEMENT: services.issue_letter(
                    SPONSOR_STATEMENT, sponsor_id=scene["sponsor"],
                    period=Period(*scene["quarter"]), actor=officer, today=today),
                HANDOVER_RECEIPT: services.issue_letter(
                    HANDOVER_RECEIPT, contribution_id=scene["contribution"], actor=officer,
                    today=today),
                RECAP: services.issue_letter(RECAP, period=Period(*scene["month"]),
                                             actor=officer, today=today),
            }
            for kind, letter in letters.items():
                # The signed PDF as issued, byte for byte, and pictures of its pages.
                pdf_path = out_dir / f"{kind}.pdf"
                pdf_path.write_bytes(letter.pdf)
                written += [pdf_path, *pdf_to_pngs(pdf_path, out_dir, kind)]
            db.engine.dispose()
    return written
