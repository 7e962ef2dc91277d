"""Demo sponsors: civil servants of the city's offices and citizens, made through the services.

Identifiers are generated to pass the structural checks (validate_nip / validate_nik); they
are random, so any resemblance to a real person's number is chance.
"""

import random
from datetime import date, timedelta

from asuh import timeutil
from asuh.regions.services import kelurahan_list
from asuh.sponsors import services
from asuh.sponsors.models import ASN, CITIZEN, Sponsor

MEN = ("Budi", "Agus", "Hendra", "Rudi", "Andi", "Dedi", "Fajar", "Irfan", "Joko", "Rahmat",
       "Syahrial", "Yusuf", "Bambang", "Teguh", "Arief", "Hasan", "Rizky", "Eko")
WOMEN = ("Siti", "Dewi", "Rina", "Yuliana", "Fitri", "Nurul", "Ratna", "Maya", "Wulan",
         "Lestari", "Indah", "Sri", "Ayu", "Novita", "Herlina", "Desi", "Putri", "Aisyah")
# Family names people of either sex carry, then ones read as a man's or a woman's.
FAMILY = ("Harahap", "Siregar", "Nasution", "Lubis", "Tanjung", "Hakim")
FAMILY_MEN = ("Saputra", "Wijaya", "Pratama", "Hidayat", "Kurniawan", "Setiawan",
              "Firmansyah", "Gunawan", "Nugroho", "Purnomo", "Zulkarnain", "Syahputra")
FAMILY_WOMEN = ("Lestari", "Susanti", "Rahmawati", "Anggraini", "Rosita", "Handayani",
                "Wulandari", "Puspitasari", "Permatasari", "Safitri")
AGENCIES = ("Dinas Kesehatan", "BPKAD", "Dinas Pendidikan", "Sekretariat Daerah", "Bappeda",
            "Dinas Sosial", "DPPPAKB", "Dinas Pekerjaan Umum dan Penataan Ruang",
            "Inspektorat", "Dinas Kependudukan dan Pencatatan Sipil", "RSUD Depati Hamzah",
            "Dinas Perhubungan")
# Golongan by years since TMT CPNS (a graduate starts at III/a and rises about every
# four years); good enough for demo data, not a career rule.
RANKS = ("Penata Muda (III/a)", "Penata Muda Tingkat I (III/b)", "Penata (III/c)",
         "Penata Tingkat I (III/d)", "Pembina (IV/a)", "Pembina Tingkat I (IV/b)")
STREETS = ("Jl. Jenderal Sudirman", "Jl. Depati Amir", "Jl. Soekarno-Hatta", "Jl. Ahmad Yani",
           "Jl. Mentok", "Jl. Koba", "Jl. Masjid Jamik", "Jl. Kampung Bintang",
           "Jl. Diponegoro", "Jl. Semabung Lama", "Jl. Selindung Baru", "Jl. Girimaya")
WITHDRAWAL_REASONS = ("Pindah tugas ke luar daerah.",
                      "Alasan keluarga; akan mendaftar lagi tahun depan.")


def _birth_date(rng: random.Random, first_year: int, last_year: int) -> date:
    start = date(first_year, 1, 1)
    return start + timedelta(days=rng.randrange((date(last_year, 12, 31) - start).days))


def make_nip(rng: random.Random, sex: str, today: date | None = None) -> str:
    """A PNS NIP: birth date, TMT CPNS (age 22–35, not in the future), sex, serial."""
    today = today or timeutil.today()
    born = _birth_date(rng, 1968, 1998)
    appointed_year = min(born.year + rng.randint(22, 35), today.year - 1)
    return (f"{born:%Y%m%d}{appointed_year:04d}{rng.randint(1, 12):02d}"
            f"{'1' if sex == 'L' else '2'}{rng.randint(1, 999):03d}")


def make_nik(rng: random.Random, sex: str, kecamatan: int | None = None) -> str:
    """A Pangkalpinang NIK (19.71): women's birth day carries +40."""
    born = _birth_date(rng, 1965, 2002)
    day = born.day + (40 if sex == "P" else 0)
    kecamatan = kecamatan or rng.randint(1, 7)
    return f"1971{kecamatan:02d}{day:02d}{born:%m%y}{rng.randint(1, 9999):04d}"


def make_phone(rng: random.Random) -> str:
    prefix = rng.choice(("0811", "0812", "0813", "0821", "0822", "0852", "0853", "0877",
                         "0878", "0857", "0896"))
    return prefix + "".join(str(rng.randint(0, 9)) for _ in range(rng.choice((7, 8))))


def rank_for(nip: str, today: date | None = None) -> str:
    years = (today or timeutil.today()).year - int(nip[8:12])
    return RANKS[min(years // 4, len(RANKS) - 1)]


def _person(rng: random.Random, n: int) -> tuple[str, str, str]:
    sex = rng.choice("LP")
    first = rng.choice(MEN if sex == "L" else WOMEN)
    family = FAMILY + (FAMILY_MEN if sex == "L" else FAMILY_WOMEN)
    name = f"{first} {rng.choice(family)}"
    email = f"{name.lower().replace(' ', '.')}.{n}@contoh.asuh.id"
    return sex, name, email


def _fields(rng: random.Random, kind: str, kelurahan_codes: list[str], n: int,
            used: set[str]) -> dict:
    sex, name, email = _person(rng, n)
    fields = {"kind": kind, "name": name, "email": email, "phone": make_phone(rng),
              "address": f"{rng.choice(STREETS)} No. {rng.randint(1, 150)}, "
                         f"RT {rng.randint(1, 12):03d}/RW {rng.randint(1, 6):03d}",
              "kelurahan_code": rng.choice(kelurahan_codes),
              "capacity": rng.choices((1, 2, 3), weights=(7, 2, 1))[0]}
    while True:
        identifier = make_nip(rng, sex) if kind == ASN else make_nik(rng, sex)
        if identifier not in used:
            used.add(identifier)
            break
    if kind == ASN:
        fields.update(nip=identifier, agency=rng.choice(AGENCIES), is_pppk=False,
                      rank=rank_for(identifier) if rng.random() < 0.8 else None)
    else:
        fields["nik"] = identifier
    return fields


def seed(rng: random.Random, kelurahan_codes: list[str], count: int = 40) -> list[Sponsor]:
    """``count`` sponsors, ~60% ASN; most approved, a few pending, one withdrawn."""
    used: set[str] = set()
    sponsors = []
    for n in range(1, count + 1):
        kind = ASN if rng.random() < 0.6 else CITIZEN
        fields = _fields(rng, kind, kelurahan_codes, n, used)
        if n % 8 == 0:
            # A self-registration waiting for an officer; its password is never shown.
            sponsor = services.register_self(f"demo-{rng.getrandbits(64):016x}", **fields)
        else:
            sponsor = services.register_by_officer(actor=None, **fields)
        sponsors.append(sponsor)
    if count >= 10:
        services.withdraw_sponsor(sponsors[4], rng.choice(WITHDRAWAL_REASONS), actor=None)
    return sponsors


def seed_demo_sponsor_for(user) -> Sponsor:
    """The demo sponsor login's own record: an approved ASN, linked to ``user``."""
    codes = [r.code for r in kelurahan_list()]
    rng = random.Random(user.email)
    nip = make_nip(rng, "L")
    return services.register_by_officer(
        actor=None, kind=ASN, name=user.name, email=user.email, phone=make_phone(rng),
        nip=nip, agency="Dinas Kesehatan", rank=rank_for(nip),
        address="Jl. Jenderal Sudirman No. 7, RT 002/RW 001",
        kelurahan_code="19.71.01.1004" if "19.71.01.1004" in codes else codes[0], capacity=2,
    )
