"""The public figures, cached by the version of what they are made from.

A page's figures change only when something the dashboard counts changes, and every such
change writes the audit trail in its transaction (children, measurements, matches,
sponsors, deliveries, the aggregates' rebuilds, the regions, the settings holding the
minimum group size). ``dashboard.cache`` turns the newest audit record of those kinds
into a version stamp read from the database, so every process agrees on it: the figures
are recomputed on the first request after a change, in each process, and never served
stale. The same stamp, with the day and the area, is the page's ETag: a client or proxy
holding the current version gets 304 without the figures being touched.
"""

import csv
import hashlib
import io
from datetime import date

from asuh import timeutil
from asuh.dashboard import cache
from asuh.errors import NotFoundError
from asuh.opendata import areas, figures
from asuh.settings import services as settings

SOURCES = ("child", "measurement", "match", "sponsor", "contribution", "monthly_totals",
           "region", "settings", cache.GROWTH_REBUILT)
# Changes whenever what a page shows for the same data changes (new figures, new CSV
# columns): part of the ETag, so a client's copy of an older layout is not reused.
LAYOUT_VERSION = "2"  # 2: regions above the kecamatan (issue 15)
SUPPRESSED_NOTE = "disembunyikan"


def version(area_code: str, kind: str, today: date | None = None) -> str:
    """The ETag of one page or CSV: changes with the data, the day and the area."""
    today = today or timeutil.today()
    stamp = cache.stamp(SOURCES)
    raw = repr((LAYOUT_VERSION, stamp, today.isoformat(), area_code, kind))
    # Hashed: the stamp starts with the database URL, which is nobody's business.
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def _figures(today: date) -> dict:
    minimum = int(settings.get("public_min_group_size"))
    return cache.cached(("opendata", today, minimum), SOURCES,
                        lambda: figures.city_figures(today, minimum))


def area_for(data: dict, code: str | None):
    """The area a page is about: the whole (no code), a province, a kabupaten/kota or a
    kecamatan named by its code (else NotFoundError, saying what may be asked)."""
    area = data["areas"]["codes"].get((code or "").strip())
    if area is None:
        raise NotFoundError(
            f"Wilayah {code} tidak dikenal. Data terbuka tersedia untuk seluruh wilayah, "
            "tiap kabupaten/kota dan tiap kecamatan: pilih wilayah di halaman Data "
            "terbuka (/statistik) atau pakai kodenya, mis. ?wilayah=19.71.")
    return area


def place(area, name: str, city_name: str) -> str:
    """How the page names its area."""
    level = area[0]
    if level == areas.CITY:
        return city_name
    if level == areas.INSTALLATION:
        return "Seluruh wilayah"
    return {areas.PROVINCE: f"Provinsi {name}",
            areas.KECAMATAN_LEVEL: f"Kecamatan {name}"}.get(level, name)


def _choices(data: dict) -> list[dict]:
    """The page's region picker: the whole, each province and kabupaten/kota, each
    kecamatan under its kabupaten/kota (``group``)."""
    tree, root = data["areas"], data["areas"]["root"]
    names = tree["names"]
    whole = "Seluruh kota" if root[0] == areas.CITY else (
        f"Seluruh Provinsi {names[root]}" if root[0] == areas.PROVINCE else "Seluruh wilayah")
    choices = [{"code": "", "label": whole, "group": None}]

    def walk(area, group):
        for member in tree["members"].get(area, ()):
            if member[0] == areas.KELURAHAN_LEVEL:
                continue
            if member[0] == areas.KECAMATAN_LEVEL:
                choices.append({"code": member[1], "label": f"Kecamatan {names[member]}",
                                "group": group})
            else:
                label = (f"Provinsi {names[member]}" if member[0] == areas.PROVINCE
                         else names[member])
                choices.append({"code": member[1], "label": label, "group": None})
                walk(member, label)

    walk(root, None)
    return choices


def public_page(code: str | None, today: date | None = None) -> dict:
    """The page (and CSV) of the area ``code`` names (None: the whole)."""
    today = today or timeutil.today()
    data = _figures(today)
    area = area_for(data, code)
    view = figures.page(data, area)
    tree = data["areas"]
    city_name = settings.get("city_name")
    view["code"] = area[1] if area != tree["root"] else ""
    view["place"] = place(area, tree["names"][area], city_name)
    view["member_level"] = areas.MEMBER_LEVEL.get(area[0])
    view["trail"] = [{"code": a[1] if a != tree["root"] else "",
                      "label": place(a, tree["names"][a], city_name)}
                     for a in areas.ancestors(tree, area)]
    view["choices"] = _choices(data)
    return view


CSV_COLUMNS = ("tingkat_wilayah", "kode_wilayah", "nama_wilayah", "indikator", "kelompok",
               "periode", "nilai", "satuan", "keterangan")


def _csv_rows(view: dict, city_name: str):
    def area_rows(row: dict, period: str):
        place = (row["level"], row["code"], row["name"] or city_name)
        yield (*place, "anak_stunting", "", "", row["stunted"], "anak")
        yield (*place, "anak_stunting_diasuh", "", "", row["matched"], "anak")
        yield (*place, "anak_stunting_belum_diasuh", "", "", row["unmatched"], "anak")
        for kind, count in row["sponsors"].items():
            group = {"total": "semua", "citizen": "masyarakat"}.get(kind, kind)
            yield (*place, "bapak_bunda_asuh_aktif", group, "", count, "orang")
        yield (*place, "penyaluran_terkonfirmasi", "", period, row["deliveries"], "penyaluran")
        yield (*place, "nilai_penyaluran", "", period, row["value_idr"], "rupiah")
        groups = {"all": "semua", "sponsored": "diasuh", "unsponsored": "tidak_diasuh"}
        for group, label in groups.items():
            if group != "all" and row["level"] == figures.KELURAHAN:
                continue
            figures_of = row["groups"][group]
            yield (*place, "anak_dipantau_pertumbuhan", label, period,
                   figures_of["followed"], "anak")
            yield (*place, "anak_membaik", label, period, figures_of["improved"], "anak")

    months = view["months"]
    period = (f"{months[0]['month']:%Y-%m}/{months[-1]['month']:%Y-%m}" if months else "")
    yield from area_rows(view["area"], period)
    area = view["area"]
    place = (area["level"], area["code"], area["name"] or city_name)
    for month in months:
        label = f"{month['month']:%Y-%m}"
        yield (*place, "penyaluran_terkonfirmasi", "", label, month["deliveries"], "penyaluran")
        yield (*place, "nilai_penyaluran", "", label, month["value_idr"], "rupiah")
    for row in view["rows"]:
        yield from area_rows(row, period)


def public_csv(view: dict, city_name: str) -> str:
    """The page's figures, one per line (long format, as open-data portals load them);
    a suppressed figure has an empty value and the note ``disembunyikan``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for *head, value, unit in _csv_rows(view, city_name):
        writer.writerow((*head, "" if value is None else value, unit,
                         SUPPRESSED_NOTE if value is None else ""))
    return out.getvalue()
