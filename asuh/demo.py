"""``flask --app app demo seed``: a realistic demo province so every screen has data.

Two kabupaten/kota of Kepulauan Bangka Belitung (issue 15): Kota Pangkalpinang (19.71)
and Kabupaten Bangka (19.01), each with its own officer, kader and letterhead; a sponsor
with children in both; and a provincial officer who sees both cities and the province's
figures.
"""

import random
from datetime import date, timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from asuh import timeutil
from asuh.accounts import services as accounts
from asuh.accounts.models import User
from asuh.children import demo as children_demo
from asuh.children.models import Child
from asuh.contributions import catalogue
from asuh.contributions import demo as contributions_demo
from asuh.extensions import db
from asuh.install import install_defaults
from asuh.matching import demo as matching_demo
from asuh.matching import services as matching
from asuh.regions import services as regions
from asuh.regions.regionfile import parse_region_csv, province_region_file
from asuh.settings import services as settings
from asuh.sponsors import demo as sponsors_demo
from asuh.sponsors.models import Sponsor
from asuh.transactions import use_case

demo_cli = AppGroup("demo", help="Demo data.")

PANGKALPINANG, BANGKA, PROVINCE = "19.71", "19.01", "19"
DEMO_PASSWORD = "asuh-demo-2026"
DEMO_USERS = (
    ("admin@demo.asuh.id", "admin", "Admin Asuh"),
    ("petugas@demo.asuh.id", "officer", "Rina Petugas Dinas"),
    ("kader@demo.asuh.id", "field", "Sari Kader Posyandu"),
    ("sponsor@demo.asuh.id", "sponsor", "Budi Santoso"),
    ("auditor@demo.asuh.id", "auditor", "Inspektorat Kota"),
    ("petugas.bangka@demo.asuh.id", "officer", "Dedi Petugas Dinas Kab. Bangka"),
    ("kader.bangka@demo.asuh.id", "field", "Wati Kader Posyandu Sungailiat"),
    ("provinsi@demo.asuh.id", "officer", "Yanti Petugas Provinsi"),
)
# Each login's scope: the admin holds the whole installation, a sponsor none.
DEMO_SCOPES = {
    "petugas@demo.asuh.id": PANGKALPINANG, "kader@demo.asuh.id": PANGKALPINANG,
    "auditor@demo.asuh.id": PANGKALPINANG, "petugas.bangka@demo.asuh.id": BANGKA,
    "kader.bangka@demo.asuh.id": BANGKA, "provinsi@demo.asuh.id": PROVINCE,
}
# Each office's letterhead and signer; what a city leaves out comes from the province.
LETTERHEADS = {
    PROVINCE: {
        "city_name": "Pemerintah Provinsi Kepulauan Bangka Belitung",
        "city_place": "Pangkalpinang",
        "office_name": "Dinas Pengendalian Penduduk dan Keluarga Berencana",
        "office_short_name": "DP2KB Babel",
        "office_address": "Jl. Pulau Bangka, Kompleks Perkantoran Gubernur, Air Itam",
        "head_title": "Kepala DP2KB Provinsi Kepulauan Bangka Belitung",
        "head_name": "Drs. H. Rahmat Hidayat, M.Si.", "head_nip": "197004121995031002",
        "letter_number_pattern": "{seq:03d}/BAAS/DP2KB-BABEL/{month_roman}/{year}",
        # The provincial egg package (30 a month), given on top of each city's package.
        "province_package": {"eggs": 30},
    },
    PANGKALPINANG: {
        "city_name": "Pemerintah Kota Pangkalpinang", "city_place": "Pangkalpinang",
        "head_name": "dr. Hj. Fitriyani, M.Kes.", "head_nip": "197505172003122004",
        "letter_number_pattern": "{seq:03d}/BAAS/DPPPAKB/{month_roman}/{year}",
    },
    BANGKA: {
        "city_name": "Pemerintah Kabupaten Bangka", "city_place": "Sungailiat",
        "office_name": "Dinas Pengendalian Penduduk dan Keluarga Berencana",
        "office_short_name": "DPPKB Bangka",
        "office_address": "Jl. Ahmad Yani, Jalur Dua, Sungailiat",
        "head_title": "Kepala DPPKB Kabupaten Bangka",
        "head_name": "Hj. Sri Wahyuni, S.KM., M.M.", "head_nip": "197808222005012003",
        "letter_number_pattern": "{seq:03d}/BAAS/DPPKB-BANGKA/{month_roman}/{year}",
        "monthly_package": {"rice": 10, "eggs": 30},
    },
}


def is_empty() -> bool:
    return db.session.scalar(select(func.count(User.id))) == 0


def _cross_city_match(sponsor: Sponsor, today: date, actor) -> None:
    """The demo sponsor (an ASN of the province) also sponsors a child in Kabupaten
    Bangka: one sponsor, children in two cities, a statement from each office."""
    child = db.session.scalar(select(Child).where(
        Child.status == "active", Child.is_matched.is_(False),
        Child.kelurahan_code.startswith(BANGKA + ".")).order_by(Child.id))
    if child is not None:
        matching.create_match(sponsor, child, start_on=max(today - timedelta(days=60),
                                                           child.birth_date),
                              actor=actor, today=today)


@use_case
def seed_demo(today: date | None = None) -> list[tuple[str, str]]:
    """Create the demo province; returns the demo logins as (email, role).

    A fixed random seed makes every demo the same, so screenshots and walkthroughs can
    refer to the same names.
    """
    today = today or timeutil.today()
    rng = random.Random(2026)
    install_defaults()
    regions.import_regions(parse_region_csv(province_region_file().read_bytes()))
    logins = {email: accounts.create_user(email, DEMO_PASSWORD, role, name,
                                          scope=DEMO_SCOPES.get(email))
              for email, role, name in DEMO_USERS}
    admin, province_officer = logins["admin@demo.asuh.id"], logins["provinsi@demo.asuh.id"]
    for code, values in LETTERHEADS.items():
        settings.update_region(code, values, actor=admin)
    # A kabupaten's own catalogue addition (issue 15): offered only for Bangka's children.
    teri = catalogue.add_commodity(code="ikan_teri", name="Ikan teri Bangka",
                                   canonical_unit="gram", city_code=BANGKA, actor=admin)
    catalogue.add_unit(teri, name="bungkus 250 g", factor="250", actor=admin)
    pangkalpinang = [r.code for r in regions.kelurahan_list()
                     if r.code.startswith(PANGKALPINANG + ".")]
    bangka = [r.code for r in regions.kelurahan_list() if r.code.startswith(BANGKA + ".")]
    # The kader of each city works in the first two kelurahan of its first kecamatan
    # (Bukit Intan in Pangkalpinang, Sungailiat in Bangka).
    field_area = [r.code for r in regions.kelurahan_list("19.71.01")][:2]
    bangka_area = [r.code for r in regions.kelurahan_list("19.01.01")][:2]
    regions.assign_kelurahan(logins["kader@demo.asuh.id"], field_area, actor=admin)
    regions.assign_kelurahan(logins["kader.bangka@demo.asuh.id"], bangka_area, actor=admin)
    own = sponsors_demo.seed_demo_sponsor_for(logins["sponsor@demo.asuh.id"])
    # Most sponsors live in the kota, some in the kabupaten.
    sponsors_demo.seed(rng, pangkalpinang * 3 + bangka, count=50)
    officers = {PANGKALPINANG: logins["petugas@demo.asuh.id"],
                BANGKA: logins["petugas.bangka@demo.asuh.id"]}
    children_demo.seed(rng, field_area + pangkalpinang, today, count=60,
                       actor=officers[PANGKALPINANG])
    children_demo.seed(rng, bangka_area + bangka, today, count=30, actor=officers[BANGKA])
    _cross_city_match(own, today, province_officer)
    matching_demo.seed(rng, today, demo_sponsor_user=logins["sponsor@demo.asuh.id"],
                       actor=province_officer)
    contributions_demo.seed(rng, today, verifier=officers[PANGKALPINANG],
                            verifier_for=lambda m: officers.get(
                                m.child.kelurahan_code[:5], province_officer))
    return [(email, role) for email, role, _ in DEMO_USERS]


def print_logins() -> None:
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for email, role, _ in DEMO_USERS:
        scope = DEMO_SCOPES.get(email)
        where = {PANGKALPINANG: "Kota Pangkalpinang", BANGKA: "Kabupaten Bangka",
                 PROVINCE: "Provinsi Kep. Bangka Belitung"}.get(scope, "")
        click.echo(f"  {role:<8} {email:<30} {where}".rstrip())


@demo_cli.command("seed")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has users.")
def seed(if_empty: bool) -> None:
    """Load the demo province (two kabupaten/kota) into the database."""
    # The demo accounts share a password printed in the README: never on a live system.
    if current_app.config["ASUH_ENV"] == "production":
        raise click.ClickException("Demo data is refused under ASUH_ENV=production: its "
                                   "accounts use the public demo password.")
    if not is_empty():
        if if_empty:
            click.echo("Database already has data; demo not seeded.")
            print_logins()
            return
        raise click.ClickException("The database is not empty; demo seed needs an empty one.")
    seed_demo()
    click.echo("Demo province seeded: Kota Pangkalpinang and Kabupaten Bangka.")
    print_logins()
