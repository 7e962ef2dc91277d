"""Who is matched first, and which sponsor is nearest: the orderings the officer relies on.

Each ordering exists twice — as a Python key (for the auto-match preview, which works on
loaded data) and as a SQL ``ORDER BY`` (for paged lists and the API) — and a test proves
the two agree, so a child's place in the list is the same wherever it is read.
"""

from datetime import date, datetime

from sqlalchemy import Float, case, cast

from asuh.children.models import Child
from asuh.sponsors.models import Sponsor

# Severely stunted children first, then stunted; children measured normal/tall and those
# not yet measured share the last group (nothing says which of them needs help more).
CATEGORY_RANK = {"severely_stunted": 0, "stunted": 1}
OTHER_RANK = 2

SAME_KELURAHAN, SAME_KECAMATAN, SAME_CITY, SAME_PROVINCE = 0, 1, 2, 3
DISTANCE_LABELS = {
    SAME_KELURAHAN: "Kelurahan yang sama",
    SAME_KECAMATAN: "Kecamatan yang sama",
    SAME_CITY: "Kecamatan lain",
    # Issue 15: a sponsor of another kabupaten/kota in the same province.
    SAME_PROVINCE: "Kabupaten/kota lain",
}


def category_rank(category: str | None) -> int:
    return CATEGORY_RANK.get(category or "", OTHER_RANK)


def priority_key(child, today: date) -> tuple:
    """Sort key of an unmatched child: the smallest key is matched first.

    1. height-for-age category: severely stunted, stunted, then everyone else;
    2. age in days, youngest first — the first 1,000 days matter most, and the younger
       the child the longer a sponsorship can still change its growth;
    3. time on the register (``created_at``), longest waiting first;
    4. ``id``, so the order is total and stable.

    ``child`` needs ``latest_category``, ``birth_date``, ``created_at`` and ``id``.
    :func:`priority_order_by` is the same order in SQL.
    """
    return (category_rank(child.latest_category), (today - child.birth_date).days,
            child.created_at, child.id)


def priority_order_by() -> tuple:
    """:func:`priority_key` as ``ORDER BY`` clauses on ``Child``.

    Youngest first is ``birth_date`` descending: for one ``today`` that is exactly age in
    days ascending, and it needs no date arithmetic that SQLite and PostgreSQL spell
    differently.
    """
    rank = case(*((Child.latest_category == name, value)
                  for name, value in CATEGORY_RANK.items()), else_=OTHER_RANK)
    return rank, Child.birth_date.desc(), Child.created_at.asc(), Child.id.asc()


def distance_level(child_kelurahan: str, child_kecamatan: str | None,
                   sponsor_kelurahan: str, sponsor_kecamatan: str | None) -> int:
    """0 same kelurahan, 1 same kecamatan, 2 elsewhere in the kabupaten/kota, 3 another
    kabupaten/kota of the province.

    Deliveries go to the family or its posyandu, so a sponsor living nearby delivers more
    reliably; the city has no street distances to offer, the region tree is what we know.
    """
    if child_kelurahan == sponsor_kelurahan:
        return SAME_KELURAHAN
    if child_kecamatan is not None and child_kecamatan == sponsor_kecamatan:
        return SAME_KECAMATAN
    if child_kelurahan[:5] == sponsor_kelurahan[:5]:
        return SAME_CITY
    return SAME_PROVINCE


def load_ratio(active_matches: int, capacity: int) -> float:
    """How full a sponsor is; a capacity lowered below the active matches counts as full."""
    return active_matches / capacity if capacity > 0 else 1.0


def sponsor_load_order_by() -> tuple:
    """:func:`sponsor_key` in SQL: least loaded, most places left, approved longest ago,
    name; the id only orders sponsors identical in all of these (it decides nothing an
    officer could tell apart)."""
    ratio = cast(Sponsor.active_matches, Float) / case(
        (Sponsor.capacity > 0, Sponsor.capacity), else_=1)
    return (ratio.asc(), (Sponsor.capacity - Sponsor.active_matches).desc(),
            Sponsor.approved_at.asc(), Sponsor.name.asc(), Sponsor.id.asc())


def sponsor_key(active_matches: int, capacity: int, approved_at: datetime | None = None,
                name: str = "") -> tuple:
    """Among equally near sponsors: lowest load ratio, then most free places, then approved
    longest ago (waiting longest for a child), then name. Never the id: which sponsor gets
    a child must not depend on the order records happened to be numbered in."""
    return (load_ratio(active_matches, capacity), -(capacity - active_matches),
            approved_at is None, approved_at or datetime.min, name)
