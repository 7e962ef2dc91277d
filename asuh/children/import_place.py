"""Where an import row's child lives: the kelurahan, and whether the row is this city's at all.

Kelurahan are found by Kemendagri code, else by name (case- and space-insensitive) within
the file's kecamatan. A row's Prov and Kab/Kota columns, when the file has them, must name
this installation's province and regency/city: its kelurahan codes say which (``19.71`` for
Kota Pangkalpinang), ``CITY_NAME`` gives the name. A Palembang row in a Pangkalpinang file
is refused, not filed under a kelurahan of the same name.
"""

import re
from collections import defaultdict

from flask import current_app

from asuh.children.importfile import ChildRow
from asuh.extensions import db
from asuh.regions.models import KABUPATEN, Region
from asuh.regions.services import kelurahan_list

_PREFIX = re.compile(r"^(kelurahan|kel|desa|kecamatan|kec)[\s.]+", re.IGNORECASE)
_REGENCY_KIND = re.compile(r"^(kota|kabupaten|kab)\b[\s.]*", re.IGNORECASE)
_PROVINCE_PREFIX = re.compile(r"^(provinsi|prov)\b[\s.]*", re.IGNORECASE)
# Kemendagri province codes and names, to tell another province's name from a spelling of
# ours ("Kep. Bangka Belitung", "BABEL").
PROVINCE_NAMES = {
    "11": "Aceh", "12": "Sumatera Utara", "13": "Sumatera Barat", "14": "Riau", "15": "Jambi",
    "16": "Sumatera Selatan", "17": "Bengkulu", "18": "Lampung",
    "19": "Kepulauan Bangka Belitung", "21": "Kepulauan Riau", "31": "DKI Jakarta",
    "32": "Jawa Barat", "33": "Jawa Tengah", "34": "DI Yogyakarta", "35": "Jawa Timur",
    "36": "Banten", "51": "Bali", "52": "Nusa Tenggara Barat", "53": "Nusa Tenggara Timur",
    "61": "Kalimantan Barat", "62": "Kalimantan Tengah", "63": "Kalimantan Selatan",
    "64": "Kalimantan Timur", "65": "Kalimantan Utara", "71": "Sulawesi Utara",
    "72": "Sulawesi Tengah", "73": "Sulawesi Selatan", "74": "Sulawesi Tenggara",
    "75": "Gorontalo", "76": "Sulawesi Barat", "81": "Maluku", "82": "Maluku Utara",
    "91": "Papua", "92": "Papua Barat", "93": "Papua Selatan", "94": "Papua Tengah",
    "95": "Papua Pegunungan", "96": "Papua Barat Daya",
}


def name_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", _PREFIX.sub("", name.strip().lower()))


def _province_key(name: str) -> str:
    text = _PROVINCE_PREFIX.sub("", name.strip().lower())
    text = re.sub(r"\b(kep|kepulauan)\b\.?", "", text)
    return re.sub(r"[^a-z0-9]", "", text)


def _regency(name: str) -> tuple[str | None, str]:
    """("kota" | "kab" | None, name key): "Kab. Bekasi" and "Kota Bekasi" differ."""
    text = name.strip().lower()
    kind = None
    if match := _REGENCY_KIND.match(text):
        kind = "kota" if match.group(1) == "kota" else "kab"
        text = text[match.end():]
    return kind, re.sub(r"[^a-z0-9]", "", text)


def _code(text: str) -> str | None:
    digits = text.replace(".", "").replace(" ", "")
    return digits if digits.isdigit() else None


class Place:
    """The city's kelurahan, looked up by Kemendagri code or by (kecamatan and) name, and
    the installation's province and regency/city."""

    def __init__(self, scope: str | None = None):
        # Issue 15: only the kelurahan in the importer's kabupaten/kota (or province).
        self.scope = scope
        self.by_code = {r.code: r for r in kelurahan_list(scope=scope)}
        self.by_name = defaultdict(list)
        for region in self.by_code.values():
            self.by_name[name_key(region.name)].append(region)
        regencies = {code[:5] for code in self.by_code}  # "19.71"
        self.regency_code = regencies.pop() if len(regencies) == 1 else None
        city = db.session.get(Region, self.regency_code) if self.regency_code else None
        self.city = (city.name if city is not None and city.level == KABUPATEN
                     and not city.name.startswith("Kabupaten/Kota ")
                     else current_app.config.get("CITY_NAME", ""))
        self._judged: dict[tuple[str, str], str | None] = {}

    def outside(self, row: ChildRow) -> str | None:
        """Why the row's Prov or Kab/Kota is not this installation's, or None."""
        # A file repeats a handful of spellings over thousands of rows.
        place = (row.province, row.regency)
        if place not in self._judged:
            self._judged[place] = self._outside(row)
        return self._judged[place]

    def _outside(self, row: ChildRow) -> str | None:
        if self.regency_code is None:
            return None  # no regions yet, or several regencies: nothing to compare with
        ours = f"{self.city} ({self.regency_code})"
        province_code = self.regency_code[:2]
        if row.province:
            code = _code(row.province)
            if code is not None:
                wrong = code != province_code
            else:
                key = _province_key(row.province)
                wrong = key != _province_key(PROVINCE_NAMES.get(province_code, "")) and any(
                    key == _province_key(name) for name in PROVINCE_NAMES.values())
            if wrong:
                return f"Prov '{row.province}' bukan wilayah {ours}; baris ini milik daerah lain."
        if row.regency:
            code = _code(row.regency)
            if code is not None:
                wrong = code != self.regency_code.replace(".", "")
            else:
                kind, key = _regency(row.regency)
                city_kind, city_key = _regency(self.city)
                wrong = key != city_key or (None not in (kind, city_kind) and kind != city_kind)
            if wrong:
                return (f"Kab/Kota '{row.regency}' bukan wilayah {ours}; baris ini milik "
                        "daerah lain.")
        return None

    def resolve(self, row: ChildRow) -> tuple[str | None, str | None]:
        if row.kelurahan_code:
            if row.kelurahan_code not in self.by_code:
                if self.scope and db.session.get(Region, row.kelurahan_code) is not None:
                    return None, (f"Kode kelurahan {row.kelurahan_code} milik kabupaten/kota "
                                  f"lain, di luar wilayah kerja Anda ({self.city or self.scope}"
                                  "); baris ini diimpor oleh petugas daerah tersebut.")
                return None, f"Kode kelurahan {row.kelurahan_code} tidak ada di daftar wilayah."
            return row.kelurahan_code, None
        if not row.kelurahan_name:
            return None, "Kelurahan/desa kosong."
        found = self.by_name.get(name_key(row.kelurahan_name), [])
        if not found:
            return None, (f"Kelurahan '{row.kelurahan_name}' tidak ada di daftar wilayah "
                          f"{self.city}.")
        if row.kecamatan_name:
            within = [r for r in found
                      if r.parent and name_key(r.parent.name) == name_key(row.kecamatan_name)]
            if not within:
                return None, (f"Kelurahan '{row.kelurahan_name}' tidak ada di Kecamatan "
                              f"'{row.kecamatan_name}'.")
            found = within
        if len(found) > 1:
            names = ", ".join(sorted(r.parent.name for r in found if r.parent))
            return None, (f"Kelurahan '{row.kelurahan_name}' ada di beberapa kecamatan "
                          f"({names}); isi kolom kecamatan.")
        return found[0].code, None
