"""The registry's list: its filters, its query (pages, API and exports share it), and the
page's pager, which stops counting at a cap.

Issue 16: a province's list holds a million children. The page reads the ids of its 25
rows from one index that holds the list's order and every filter's column
(``ix_children_list``, migration 0017), then only those rows; the place filters go by
level (kabupaten/kota, kecamatan, kelurahan), so no page lists a province's kelurahan.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select

from asuh import timeutil
from asuh.children.models import CHILD_STATUSES, HEIGHT_CATEGORIES, Child
from asuh.children.rules import STUNTING_CATEGORIES, classified_condition
from asuh.children.visibility import sees_full_nik, visible_condition_by_code
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.regions.models import Region
from asuh.regions.scopes import kelurahan_codes_in

# Completed months, inclusive: the bands the TPPS reports use.
AGE_BANDS = {
    "0-5": (0, 5), "6-11": (6, 11), "12-23": (12, 23),
    "24-35": (24, 35), "36-47": (36, 47), "48-59": (48, 59),
}
AGE_BAND_LABELS = {key: f"{low}–{high} bulan" for key, (low, high) in AGE_BANDS.items()}
UNMEASURED = "unmeasured"
# Both stunting categories at once: the dashboard's "stunted children" links here.
STUNTING = "stunting"
# Children whose newest measurement is beyond WHO's plausibility limits.
REMEASURE = "remeasure"
CATEGORY_FILTERS = {**HEIGHT_CATEGORIES, STUNTING: "Pendek + sangat pendek",
                    UNMEASURED: "Belum diukur", REMEASURE: "Perlu diukur ulang"}
# Child.is_matched is kept by the matching area; this area only filters on it.
MATCHED_FILTERS = {"yes": "Sudah punya Bapak/Bunda Asuh", "no": "Belum punya Bapak/Bunda Asuh"}
ALL_STATUSES = "all"


@dataclass
class ChildFilters:
    category: str | None = None
    city_code: str | None = None  # a kabupaten/kota (a province's staff choose one)
    kecamatan_code: str | None = None
    kelurahan_code: str | None = None
    status: str = "active"
    age_band: str | None = None
    q: str = ""
    matched: str | None = None


def parse_filters(args, *, strict: bool) -> ChildFilters:
    """Filters from query parameters; unknown values are 422 (API) or ignored (pages)."""
    errors = {}

    def choice(name: str, allowed, default=None):
        value = (args.get(name) or "").strip() or default
        if value is not None and value not in allowed:
            errors[name] = [f"Nilai tidak dikenal; pilih salah satu dari: {', '.join(allowed)}."]
            return default
        return value

    filters = ChildFilters(
        category=choice("category", CATEGORY_FILTERS),
        city_code=(args.get("city_code") or "").strip() or None,
        kecamatan_code=(args.get("kecamatan_code") or "").strip() or None,
        kelurahan_code=(args.get("kelurahan_code") or "").strip() or None,
        status=choice("status", [*CHILD_STATUSES, ALL_STATUSES], "active"),
        age_band=choice("age_band", AGE_BANDS),
        q=" ".join((args.get("q") or "").split())[:120],
        matched=choice("matched", MATCHED_FILTERS),
    )
    if errors and strict:
        raise ValidationFailed(errors)
    return filters


def _months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for candidate in range(day.day, 27, -1):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    return date(year, month, min(day.day, 28))


def children_query(user, filters: ChildFilters, today: date | None = None):
    today = today or timeutil.today()
    stmt = select(Child)
    # Tested on the child's code, not by a join to regions: the join cost a province's
    # page 50 ~15 ms of region look-ups (issue 16).
    if (visible := visible_condition_by_code(user)) is not None:
        stmt = stmt.where(visible)
    if filters.status != ALL_STATUSES:
        stmt = stmt.where(Child.status == filters.status)
    # A child to be re-measured is listed under that, not under a category (as the
    # dashboard counts it: rules.classified_condition).
    if filters.category == UNMEASURED:
        stmt = stmt.where(Child.latest_category.is_(None), Child.needs_remeasure.is_(False))
    elif filters.category == REMEASURE:
        stmt = stmt.where(Child.needs_remeasure.is_(True))
    elif filters.category == STUNTING:
        stmt = stmt.where(classified_condition(),
                          Child.latest_category.in_(STUNTING_CATEGORIES))
    elif filters.category:
        stmt = stmt.where(classified_condition(), Child.latest_category == filters.category)
    if filters.kelurahan_code:
        stmt = stmt.where(Child.kelurahan_code == filters.kelurahan_code)
    if filters.city_code:
        stmt = stmt.where(Child.kelurahan_code.in_(kelurahan_codes_in(filters.city_code)))
    if filters.kecamatan_code:
        stmt = stmt.where(Child.kelurahan_code.in_(
            select(Region.code).where(Region.parent_code == filters.kecamatan_code)))
    if filters.age_band:
        low, high = AGE_BANDS[filters.age_band]
        # Completed months >= low and <= high, i.e. < high + 1.
        stmt = stmt.where(Child.birth_date <= _months_before(today, low),
                          Child.birth_date > _months_before(today, high + 1))
    if filters.matched:
        stmt = stmt.where(Child.is_matched.is_(filters.matched == "yes"))
    if filters.q:
        digits = filters.q.replace(" ", "")
        name_match = func.lower(Child.name).contains(filters.q.lower(), autoescape=True)
        if digits.isdigit() and sees_full_nik(user):
            # By the whole NIK only, and only for who reads NIKs whole: a match on any
            # part, or a "found" for a masked reader, would let them uncover the hidden
            # digits one query at a time (issue 12).
            stmt = stmt.where(or_(Child.nik == digits, name_match))
        else:
            stmt = stmt.where(name_match)
    return stmt.order_by(Child.name, Child.id)


# The list PAGE counts up to this many rows (an exact count reads every matching child: ~1 s
# for a province's million), then says "more than"; the API keeps its exact ``total``.
# 2,500 (100 pages; further pages count up to themselves): counting to 10,000 was most of a
# kabupaten/kota officer's page at 1,000,000 children (30-85 ms of 32.01's 66,000 stunted
# children read through the place index, issue 16).
COUNT_CAP = 2_500


def list_children(user, filters: ChildFilters, page: int = 1, per_page: int = 25,
                  today: date | None = None, *, count_cap: int | None = None):
    stmt = children_query(user, filters, today)
    if count_cap is None:
        return db.paginate(stmt, page=page, per_page=per_page, error_out=False)
    # The page's ids first, read from the list's index alone (``ix_children_list``: the
    # order and every filter's column), then those 25 children with their kelurahan: the
    # rows before the page are skipped in the index, never read and joined (issue 16).
    result = db.paginate(stmt.with_only_columns(Child.id), page=page, per_page=per_page,
                         error_out=False, count=False)
    ids = list(result.items)
    found = {child.id: child for child in db.session.scalars(
        select(Child).where(Child.id.in_(ids)))} if ids else {}
    result.items = [found[child_id] for child_id in ids]
    cap = max(count_cap, result.page * per_page)
    counted = db.session.scalar(select(func.count()).select_from(
        stmt.order_by(None).with_only_columns(Child.id).limit(cap + 1).subquery()))
    result.total, result.total_capped = counted, counted > cap
    return result
