"""Who a file row is: a child is recognised by its identity, never by its NIK alone.

Posyandu files are messy about NIKs: siblings are written under their mother's NIK, a
child not yet registered with Dukcapil has none (blank or zeros), and a mistyped NIK can
be another child's. So a row is the same child as a registered one (or as an earlier row)
only when the NIK agrees *and* the birth date and sex are equal *and* the names are
similar (:func:`similar_names`). Without a NIK the kelurahan must agree too, since nothing
else ties the row to the child.

The name rule: both names are normalised (lower case, letters only, the titles "An.",
"By.", "Ny." that posyandu put before a baby's name dropped, words sorted, so "SITI
AMINAH" = "Aminah, Siti"). They are similar when equal, when one's words are all in the
other ("Siti" / "Siti Aminah": cadres often write a first name only), or when difflib's
ratio of the two is at least 0.85, which takes one- or two-letter spelling variants
("Rizky Ramadhan" / "Rizki Ramadan", 0.89) and refuses different names of the same length
("Hasan" / "Husain", 0.73; "Aldi" / "Aldo", 0.75). Sex and birth date must agree as well,
so "Putra" / "Putri" (0.80) twins are two children either way.
"""

import re
from dataclasses import dataclass
from datetime import date
from difflib import SequenceMatcher

from sqlalchemy import select

from asuh.children.models import NIK_STATUSES, Child
from asuh.extensions import db
from asuh.identifiers import mask_identifier

SIMILAR_NAME_RATIO = 0.85
_CHUNK = 500  # bound on IN (...) lists: SQLite limits a statement's parameters
_TITLES = {"an", "by", "bayi", "ny", "nn", "nyonya", "anak"}
_NOT_LETTERS = re.compile(r"[^a-z]+")


def name_words(name: str) -> list[str]:
    words = _NOT_LETTERS.sub(" ", (name or "").lower()).split()
    return sorted(w for w in words if w not in _TITLES)


def similar_names(first: str, second: str) -> bool:
    if first and first == second:
        return True  # the usual case, without the normalising
    a, b = name_words(first), name_words(second)
    if not a or not b:
        return False
    if a == b or set(a) <= set(b) or set(b) <= set(a):
        return True
    return SequenceMatcher(None, " ".join(a), " ".join(b)).ratio() >= SIMILAR_NAME_RATIO


def same_child(known, values: dict) -> bool:
    """``known`` (a Child or the values of an earlier row) is the child ``values`` describe."""
    def get(name):
        return known.get(name) if isinstance(known, dict) else getattr(known, name)

    if get("birth_date") != values.get("birth_date") or get("sex") != values.get("sex"):
        return False
    if not values.get("nik") and get("kelurahan_code") != values.get("kelurahan_code"):
        return False
    return similar_names(get("name"), values.get("name"))


@dataclass
class Decision:
    """An officer's answer to a NIK conflict: the registered child with corrected data
    (``same``, with a reason) or another child whose NIK is not its own (``other``)."""

    kind: str  # "same" | "other"
    reason: str = ""


DECISIONS = {"same": "Anak yang sama, datanya diperbaiki",
             "other": "Anak lain: NIK ini bukan miliknya"}


def identity_of(child: Child) -> dict:
    """What the preview shows of a registered child beside the row that claims its NIK."""
    return {"registry_number": child.registry_number, "name": child.name,
            "nik": mask_identifier(child.nik), "nik_status": NIK_STATUSES[child.nik_status],
            "sex": child.sex, "birth_date": child.birth_date,
            "kelurahan": child.kelurahan.name if child.kelurahan else child.kelurahan_code,
            "guardian_name": child.guardian_name, "status": child.status_label,
            "is_matched": child.is_matched}


def _chunks(values: list, size: int = _CHUNK):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def children_by_nik(niks: list[str]) -> dict[str, list[Child]]:
    """Every registered child holding each NIK (siblings may share a parent's)."""
    found: dict[str, list[Child]] = {}
    for chunk in _chunks(niks):
        for child in db.session.scalars(select(Child).where(Child.nik.in_(chunk))
                                        .order_by(Child.id)):
            found.setdefault(child.nik, []).append(child)
    return found


def children_without_nik(birth_dates: list[date]) -> dict[tuple[date, str], list[Child]]:
    """Children registered without a NIK, by (birth date, sex): a row may be one of them,
    with or without the NIK it has since been given."""
    found: dict[tuple[date, str], list[Child]] = {}
    for chunk in _chunks(birth_dates):
        for child in db.session.scalars(
                select(Child).where(Child.nik_status == "missing",
                                    Child.birth_date.in_(chunk)).order_by(Child.id)):
            found.setdefault((child.birth_date, child.sex), []).append(child)
    return found
