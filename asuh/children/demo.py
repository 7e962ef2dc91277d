"""Demo children: realistic toddlers of Kota Pangkalpinang, mostly stunted, with growth.

Everything goes through the services, so demo data obey the same rules as real data.
"""

import random
from datetime import date, timedelta

from asuh.children import measuring, services
from asuh.children.growth import MAX_AGE_DAYS
from asuh.children.models import Child
from asuh.children.who_reference import height_for_age_curves
from asuh.errors import ValidationFailed

BOYS = ("Muhammad Rizky", "Ahmad Fauzan", "Dimas Saputra", "Rafa Alfarizi", "Arkan Pratama",
        "Bima Anugrah", "Fajar Ramadhan", "Gilang Prasetyo", "Hafiz Maulana", "Ilham Akbar",
        "Kevin Wijaya", "Naufal Hakim", "Raka Aditya", "Satria Nugraha", "Yusuf Alamsyah",
        "Zidan Firmansyah", "Aditya Putra", "Daffa Ardiansyah", "Reza Kurniawan", "Alif Hidayat")
GIRLS = ("Siti Aisyah", "Nur Azizah", "Aulia Rahmawati", "Zahra Putri", "Alya Safitri",
         "Nayla Khairunnisa", "Keisha Maharani", "Salsabila Ramadhani", "Citra Lestari",
         "Dewi Anggraini", "Fitri Handayani", "Intan Permatasari", "Kirana Ayu", "Laila Sari",
         "Naura Azzahra", "Putri Amelia", "Rahma Wulandari", "Syifa Nabila", "Tiara Agustina",
         "Vania Oktaviani")
MOTHERS = ("Sri Wahyuni", "Rina Marlina", "Yuliana", "Nurhayati", "Dewi Sartika", "Siti Rohani",
           "Maryam", "Fatimah", "Lilis Suryani", "Ernawati", "Nurul Hidayah", "Rosmiati",
           "Hasanah", "Suryati", "Lina Herlina", "Eka Purnamasari", "Juliani", "Ratna Sari",
           "Yanti", "Mega Utami")
STREETS = ("Jl. Mentok", "Jl. Soekarno Hatta", "Jl. Depati Amir", "Jl. Kampung Melayu",
           "Jl. Air Itam", "Jl. Semabung Lama", "Jl. Pahlawan 12", "Jl. Selindung Baru",
           "Jl. Kacang Pedang", "Jl. Ahmad Yani", "Gg. Mawar", "Gg. Kenanga")
POSYANDU = ("Melati", "Mawar", "Anggrek", "Kenanga", "Dahlia", "Cempaka", "Flamboyan", "Teratai")

# Most children in the programme are stunted, a few severely, a few already normal.
PROFILES = (("stunted", -2.5, 0.3, 0.55), ("severely_stunted", -3.2, 0.25, 0.3),
            ("normal", -1.0, 0.6, 0.15))


def _height_at(sex: str, days: int, z: float) -> float:
    """Length/height at ``z`` SD for the age, from WHO's median, -2 and -3 SD curves."""
    curves = height_for_age_curves(sex, min_days=days, max_days=days, step=1)
    median = curves["median"][0][1]
    minus2 = curves["minus_2sd"][0][1]
    minus3 = curves["minus_3sd"][0][1]
    if z <= -2:
        return minus2 + (z + 2) * (minus2 - minus3)
    return median + z * (median - minus2) / 2


def _nik(rng: random.Random, kelurahan_code: str, birth: date, sex: str) -> str:
    # The kecamatan of first registration is usually the child's own.
    province, city, kecamatan = kelurahan_code.split(".")[:3]
    day = birth.day + (40 if sex == "P" else 0)
    return f"{province}{city}{kecamatan}{day:02d}{birth:%m%y}{rng.randint(1, 9999):04d}"


def _profile(rng: random.Random) -> tuple[float, float]:
    pick = rng.random()
    for _name, centre, spread, share in PROFILES:
        if pick < share:
            return centre, spread
        pick -= share
    return PROFILES[0][1], PROFILES[0][2]


def _child_values(rng: random.Random, kelurahan_codes: list[str], today: date) -> dict:
    sex = rng.choice("LP")
    birth = today - timedelta(days=rng.randint(3 * 31, 58 * 30))
    kelurahan = rng.choice(kelurahan_codes)
    return {
        "nik": _nik(rng, kelurahan, birth, sex),
        "name": rng.choice(BOYS if sex == "L" else GIRLS),
        "sex": sex, "birth_date": birth,
        "guardian_name": rng.choice(MOTHERS),
        "guardian_phone": f"08{rng.choice('1235')}{rng.randint(10**8, 10**9 - 1)}",
        "address": f"{rng.choice(STREETS)} No. {rng.randint(1, 120)}, "
                   f"RT {rng.randint(1, 12):03d}/RW {rng.randint(1, 6):03d}",
        "kelurahan_code": kelurahan,
        "posyandu": f"Posyandu {rng.choice(POSYANDU)} {rng.randint(1, 9)}",
    }


def _measure(rng: random.Random, child: Child, today: date, actor) -> None:
    centre, spread = _profile(rng)
    z = centre + rng.uniform(-spread, spread)
    visits = rng.randint(2, 4)
    day = today - timedelta(days=rng.randint(0, 10))
    dates = [day]
    for _ in range(visits - 1):
        # A month or two apart; the youngest (3 months) still fit two visits a month apart.
        gap = timedelta(days=rng.randint(28, 62))
        if (day - gap - child.birth_date).days < 14:
            gap = timedelta(days=28)
        if (day - gap - child.birth_date).days < 14:
            break
        day -= gap
        dates.append(day)
    # One build per child (a BMI of 14-16.5, stunted toddlers are often thin), give or
    # take a little from visit to visit, so the weights fit WHO's growth velocity.
    bmi = rng.uniform(14.0, 16.5)
    for measured_on in reversed(dates):
        days = (measured_on - child.birth_date).days
        if days > MAX_AGE_DAYS:
            continue
        position = measuring.standard_position(child.birth_date, measured_on)
        height = round(_height_at(child.sex, days, z), 1)
        weight = round((bmi + rng.uniform(-0.3, 0.3)) * (height / 100) ** 2, 2)
        measuring.record_measurement(child, measured_on=measured_on, height_cm=height,
                                     weight_kg=weight, position=position,
                                     measured_by=f"Kader {child.posyandu}", actor=actor,
                                     today=today)
        # Sponsored children slowly catch up, as the programme hopes.
        z += rng.uniform(-0.05, 0.15)


def seed(rng: random.Random, kelurahan_codes: list[str], today: date, count: int = 60,
         actor=None) -> list[Child]:
    """Register ``count`` demo children with 2-4 measurements each; the caller commits."""
    if not kelurahan_codes:
        raise ValueError("seed needs at least one kelurahan code")
    children = []
    attempts = 0
    while len(children) < count:
        attempts += 1
        if attempts > count * 20:
            raise RuntimeError("demo children keep being refused; are the kelurahan loaded?")
        values = _child_values(rng, kelurahan_codes, today)
        try:
            child = services.create_child(values, actor=actor, today=today)
        except ValidationFailed:
            continue  # a NIK serial already taken: draw another child
        _measure(rng, child, today, actor)
        children.append(child)
    return children
