"""The 38 provinces by Kemendagri code, for a province row a region file left out.

A literal table (the migration 0013 keeps its own frozen copy): names as in Kepmendagri
No. 300.2.2-2138 Tahun 2025; 31 is "Daerah Khusus Jakarta" since UU 2/2024.
"""

PROVINCE_NAMES: dict[str, str] = {
    "11": "Aceh", "12": "Sumatera Utara", "13": "Sumatera Barat", "14": "Riau",
    "15": "Jambi", "16": "Sumatera Selatan", "17": "Bengkulu", "18": "Lampung",
    "19": "Kepulauan Bangka Belitung", "21": "Kepulauan Riau",
    "31": "Daerah Khusus Jakarta", "32": "Jawa Barat", "33": "Jawa Tengah",
    "34": "Daerah Istimewa Yogyakarta", "35": "Jawa Timur", "36": "Banten",
    "51": "Bali", "52": "Nusa Tenggara Barat", "53": "Nusa Tenggara Timur",
    "61": "Kalimantan Barat", "62": "Kalimantan Tengah", "63": "Kalimantan Selatan",
    "64": "Kalimantan Timur", "65": "Kalimantan Utara",
    "71": "Sulawesi Utara", "72": "Sulawesi Tengah", "73": "Sulawesi Selatan",
    "74": "Sulawesi Tenggara", "75": "Gorontalo", "76": "Sulawesi Barat",
    "81": "Maluku", "82": "Maluku Utara",
    "91": "Papua", "92": "Papua Barat", "93": "Papua Selatan", "94": "Papua Tengah",
    "95": "Papua Pegunungan", "96": "Papua Barat Daya",
}


def province_name(code: str) -> str:
    return PROVINCE_NAMES.get(code, f"Provinsi {code}")


def placeholder_city_name(code: str) -> str:
    """A kabupaten/kota a file left out, until a file that has its row renames it."""
    return f"Kabupaten/Kota {code}"
