"""Benchmark: importing a 10,000-row e-PPGBM file into the large city.

Not collected by pytest (no ``test_`` prefix); ``tests/bench.py`` calls ``bench_import``.

``write_import_file`` writes a semicolon CSV as e-PPGBM exports it (the columns of
``tests/test_importfile.py``), one row per new child: valid NIKs that encode the child's
birth date and sex, the city's real kelurahan and kecamatan names, plausible heights and
weights, and the file's own z-scores computed by our growth maths (so the cross-check
runs and agrees). The import goes through the real command, ``flask --app app children
import FILE`` (in-process, Click's runner: no interpreter start-up in the figure); the
baseline is ``read_child_rows`` on the same bytes, i.e. parsing the file alone.
"""

import random
import statistics
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from asuh import timeutil
from tests.bench_dashboard import make_app
from tests.test_importfile import EPPGBM_HEADER, csv_bytes, eppgbm_values

IMPORT_TARGET_S = 10.0


def _comma(value) -> str:
    return str(value).replace(".", ",")


def _nik(rng, birth: date, sex: str, used: set[str]) -> str:
    day = birth.day + (40 if sex == "P" else 0)
    while True:
        nik = (f"197101{day:02d}{birth.month:02d}{birth.year % 100:02d}"
               f"{rng.randint(1, 9999):04d}")
        if nik not in used:
            used.add(nik)
            return nik


def import_rows(path_or_url: str, count: int, *, today: date | None = None,
                seed: int = 7) -> list[list]:
    """``count`` data rows (header not included) for new children of the city."""
    from sqlalchemy import text

    from asuh.children.growth import MeasurementError, assess
    from asuh.extensions import db

    rng = random.Random(seed)
    today = today or timeutil.today()
    app = make_app(path_or_url)
    with app.app_context():
        places = db.session.execute(text(
            "SELECT k.name, c.name FROM regions k JOIN regions c ON c.code = k.parent_code "
            "WHERE k.level = 'kelurahan' ORDER BY k.code")).all()
        used = set(db.session.execute(text("SELECT nik FROM children")).scalars())
    rows = []
    while len(rows) < count:
        n = len(rows) + 1
        sex = rng.choice("LP")
        measured = today - timedelta(days=rng.randint(0, 60))
        birth = measured - timedelta(days=rng.randint(40, 58 * 30))
        months = (measured - birth).days / 30.44
        stunting = rng.gauss(-1.8, 1.0)
        height = (49.5 + (2.6 * months if months < 12 else 31 + 0.85 * (months - 12))
                  + stunting * 3)
        weight = 3.3 + (0.55 * months if months < 12 else 6.6 + 0.2 * (months - 12))
        height, weight = round(height, 1), round(weight + rng.uniform(-0.8, 0.8), 1)
        position = "lying" if months < 24 else "standing"
        try:
            growth = assess(sex, birth, measured, Decimal(str(height)), Decimal(str(weight)),
                            position, today=today)
        except MeasurementError:
            continue
        if growth.flags:
            continue  # a file of implausible values would only time the warnings
        kelurahan, kecamatan = rng.choice(places)
        rows.append(eppgbm_values(**{
            "NIK": _nik(rng, birth, sex, used), "Nama": f"Anak Impor {n}", "JK (L/P)": sex,
            "Tgl Lahir": birth.strftime("%d/%m/%Y"), "Nama Ortu": f"Ibu Impor {n}",
            "Kec": kecamatan.upper(), "Desa/Kel": kelurahan.upper(),
            "Posyandu": f"Posyandu {n % 117 + 1}", "Alamat": f"Jl. Impor No. {n}",
            "Usia Saat Ukur": "", "Tanggal Pengukuran": measured.strftime("%d/%m/%Y"),
            "Bulan Pengukuran": "", "Berat": _comma(weight), "Tinggi": _comma(height),
            "Cara Ukur": "Terlentang" if position == "lying" else "Berdiri",
            "BB/U": "", "ZS BB/U": _comma(round(growth.waz, 2)),
            "TB/U": "", "ZS TB/U": _comma(round(growth.haz, 2)),
            "BB/TB": "", "ZS BB/TB": _comma(round(growth.whz, 2)) if growth.whz else "",
        }))
    return rows


def write_import_file(path_or_url: str, target: Path, count: int) -> Path:
    target.write_bytes(csv_bytes([EPPGBM_HEADER, *import_rows(path_or_url, count)], sep=";"))
    return target


def bench_import(path_or_url: str, csv_path: Path, *, parse_repeat: int = 3) -> dict:
    """Seconds to parse the file alone (median) and to import it through the CLI (once)."""
    from sqlalchemy import text

    from asuh.children.importfile import read_child_rows
    from asuh.extensions import db

    data = csv_path.read_bytes()
    parse_times = []
    for _ in range(parse_repeat):
        started = time.perf_counter()
        rows = read_child_rows(csv_path.name, data)
        parse_times.append(time.perf_counter() - started)
    app = make_app(path_or_url)
    with app.app_context():
        before = db.session.execute(text("SELECT COUNT(*) FROM children")).scalar_one()
        db.session.remove()
    started = time.perf_counter()
    result = app.test_cli_runner().invoke(args=["children", "import", str(csv_path)])
    seconds = time.perf_counter() - started
    if result.exit_code != 0:
        raise RuntimeError(f"children import failed:\n{result.output[-2000:]}")
    with app.app_context():
        after = db.session.execute(text("SELECT COUNT(*) FROM children")).scalar_one()
        db.session.remove()
    if after - before != len(rows):
        raise RuntimeError(f"import created {after - before} children for {len(rows)} rows")
    return {"rows": len(rows), "parse_s": statistics.median(parse_times),
            "import_s": seconds, "summary": result.output.strip().splitlines()[-2]}
