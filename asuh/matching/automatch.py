"""Auto-match: propose sponsors for every unmatched child, then confirm in one step.

Nothing is written until the officer confirms. The proposal is a pure function over
loaded data (:func:`propose_assignments`); the preview keeps the proposed pairs on the
server (``previews.py``) and the confirmation re-checks every pair under row locks inside
one transaction (:func:`confirm_assignments`), skipping and reporting pairs that became
invalid in between — so a preview that went stale cannot over-match anyone.
"""

import heapq
from collections import Counter, defaultdict
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from asuh import timeutil
from asuh.audit import services as audit
from asuh.children.models import Child
from asuh.errors import NotFoundError, ValidationFailed
from asuh.extensions import db
from asuh.matching import previews, services
from asuh.matching.priority import distance_level, priority_order_by, sponsor_key
from asuh.matching.queries import eligible_sponsor_condition, unmatched_condition
from asuh.permissions import Permission, ensure_permitted
from asuh.regions.models import Region
from asuh.sponsors.models import Sponsor
from asuh.transactions import use_case

AUTO_NOTE = "Dipasangkan lewat pemasangan otomatis."
PREVIEW_ROWS = 200


@dataclass(frozen=True)
class ChildSlot:
    """What the proposal needs of a child (plus what the preview shows)."""

    id: int
    kelurahan_code: str
    kecamatan_code: str | None
    first_name: str = ""
    latest_category: str | None = None


@dataclass(frozen=True)
class SponsorSlot:
    id: int
    kelurahan_code: str
    kecamatan_code: str | None
    capacity: int
    active_matches: int
    name: str = ""


def propose_assignments(children, sponsors) -> list[tuple[int, int, int]]:
    """Assign children to free sponsor places: ``[(child_id, sponsor_id, distance_level)]``.

    ``children`` come in priority order (``priority.priority_key``) and are served in that
    order, each by the nearest sponsor with a free place — same kelurahan, else same
    kecamatan, else anywhere in the city — and among equally near sponsors the one with
    the lowest load ratio (active / capacity), then most free places, then lowest id, so
    the load spreads evenly. ``sponsors`` are the eligible ones (approved, not withdrawn);
    each takes at most ``capacity - active_matches`` more children. A child no sponsor
    can take is left out. Pure: reads its arguments, writes nothing.

    Each sponsor sits in three min-heaps (its kelurahan's, its kecamatan's, the city's)
    keyed by its load; taking a place pushes the sponsor's new key and leaves the old
    entries to be discarded when they surface. That makes the whole run
    O((children + sponsors) · log sponsors) rather than a scan of every pair.
    """
    used: dict[int, int] = {}
    info: dict[int, SponsorSlot] = {}
    by_kelurahan: dict[str, list] = defaultdict(list)
    by_kecamatan: dict[str, list] = defaultdict(list)
    city: list = []

    def heaps(slot: SponsorSlot) -> list[list]:
        found = [by_kelurahan[slot.kelurahan_code], city]
        if slot.kecamatan_code is not None:
            found.append(by_kecamatan[slot.kecamatan_code])
        return found

    for slot in sponsors:
        if slot.capacity - slot.active_matches <= 0 or slot.id in info:
            continue
        info[slot.id] = slot
        used[slot.id] = slot.active_matches
        entry = (sponsor_key(slot.active_matches, slot.capacity, slot.id), slot.active_matches)
        for heap in heaps(slot):
            heap.append(entry)
    for heap in (*by_kelurahan.values(), *by_kecamatan.values(), city):
        heapq.heapify(heap)

    def best(heap: list | None) -> int | None:
        # An entry is current while the sponsor's count is what it was when pushed.
        while heap:
            (_ratio, _free, sponsor_id), count = heap[0]
            if used[sponsor_id] == count and count < info[sponsor_id].capacity:
                return sponsor_id
            heapq.heappop(heap)
        return None

    proposals: list[tuple[int, int, int]] = []
    for child in children:
        if not city:
            break  # every place is taken
        sponsor_id = best(by_kelurahan.get(child.kelurahan_code))
        if sponsor_id is None and child.kecamatan_code is not None:
            sponsor_id = best(by_kecamatan.get(child.kecamatan_code))
        if sponsor_id is None:
            sponsor_id = best(city)
        if sponsor_id is None:
            break  # only stale entries were left: every place is taken
        slot = info[sponsor_id]
        proposals.append((child.id, sponsor_id, distance_level(
            child.kelurahan_code, child.kecamatan_code, slot.kelurahan_code,
            slot.kecamatan_code)))
        used[sponsor_id] += 1
        if used[sponsor_id] < slot.capacity:
            entry = (sponsor_key(used[sponsor_id], slot.capacity, sponsor_id), used[sponsor_id])
            for heap in heaps(slot):
                heapq.heappush(heap, entry)
    return proposals


# --- loading -------------------------------------------------------------------------


def load_children() -> list[ChildSlot]:
    """Every unmatched active child, in priority order (columns only: thousands of rows)."""
    rows = db.session.execute(
        select(Child.id, Child.kelurahan_code, Region.parent_code, Child.name,
               Child.latest_category)
        .join(Region, Region.code == Child.kelurahan_code)
        .where(unmatched_condition())
        .order_by(*priority_order_by()))
    return [ChildSlot(id=r[0], kelurahan_code=r[1], kecamatan_code=r[2],
                      first_name=(r[3] or "").split(" ")[0], latest_category=r[4])
            for r in rows]


def load_sponsors() -> list[SponsorSlot]:
    rows = db.session.execute(
        select(Sponsor.id, Sponsor.kelurahan_code, Region.parent_code, Sponsor.capacity,
               Sponsor.active_matches, Sponsor.name)
        .join(Region, Region.code == Sponsor.kelurahan_code)
        .where(eligible_sponsor_condition())
        .order_by(Sponsor.id))
    return [SponsorSlot(*r) for r in rows]


@dataclass
class Proposal:
    pairs: list[tuple[int, int, int]]
    children_waiting: int
    sponsors_free: int
    places_free: int
    by_distance: Counter = field(default_factory=Counter)
    rows: list[dict] = field(default_factory=list)  # the first pairs, for display

    @property
    def children_left(self) -> int:
        return self.children_waiting - len(self.pairs)


def build_proposal(*, shown: int = PREVIEW_ROWS) -> Proposal:
    """Load, propose, and describe the first ``shown`` pairs. Reads only."""
    children = load_children()
    sponsors = load_sponsors()
    pairs = propose_assignments(children, sponsors)
    child_by_id = {c.id: c for c in children}
    sponsor_by_id = {s.id: s for s in sponsors}
    names = dict(db.session.execute(select(Region.code, Region.name)).all())
    rows = []
    for child_id, sponsor_id, level in pairs[:shown]:
        child, sponsor = child_by_id[child_id], sponsor_by_id[sponsor_id]
        rows.append({"child_id": child_id, "first_name": child.first_name,
                     "category": child.latest_category,
                     "kelurahan": names.get(child.kelurahan_code, child.kelurahan_code),
                     "sponsor_id": sponsor_id, "sponsor_name": sponsor.name,
                     "sponsor_kelurahan": names.get(sponsor.kelurahan_code,
                                                    sponsor.kelurahan_code),
                     "distance": level})
    return Proposal(pairs=pairs, children_waiting=len(children), sponsors_free=len(sponsors),
                    places_free=sum(s.capacity - s.active_matches for s in sponsors),
                    by_distance=Counter(level for _, _, level in pairs), rows=rows)


# --- confirming ----------------------------------------------------------------------


@dataclass
class Outcome:
    created: list = field(default_factory=list)  # Match rows
    skipped: list[tuple[int, int, str]] = field(default_factory=list)  # (child, sponsor, why)


@use_case
def confirm_assignments(pairs, *, actor, today: date | None = None) -> Outcome:
    """Create the proposed matches that are still valid, in one transaction.

    Every sponsor and child named is locked first (sponsors, then children, each in id
    order, as ``services.create_match`` does), then each pair is checked against the
    fresh rows and the places taken earlier in this same batch. Pairs that became invalid
    since the preview (child matched or no longer active, sponsor full or withdrawn) are
    skipped and reported. Matches start ``today`` and run the commitment period.
    """
    ensure_permitted(actor, Permission.MANAGE_MATCHES)
    today = today or timeutil.today()
    clean = []
    for pair in pairs:
        if (not isinstance(pair, list | tuple) or len(pair) != 3
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in pair)):
            raise ValidationFailed({"pairs": ["Usulan pemasangan rusak; buat usulan baru."]})
        clean.append(tuple(pair))
    sponsors = services.lock(Sponsor, {s for _, s, _ in clean})
    children = services.lock(Child, {c for c, _, _ in clean})
    planned_end = services.default_end(today)
    outcome = Outcome()
    rows = []
    for child_id, sponsor_id, _level in clean:
        child, sponsor = children.get(child_id), sponsors.get(sponsor_id)
        problem = services.child_problem(child) or services.sponsor_problem(sponsor)
        if problem:
            outcome.skipped.append((child_id, sponsor_id, problem))
            continue
        rows.append((services.new_match(sponsor, child, start_on=today,
                                        planned_end_on=planned_end, note=AUTO_NOTE,
                                        actor=actor), sponsor, child))
    # One flush for the whole batch, then the audit records chained in memory: flushing
    # pair by pair (and before each audit head lookup) made 5,000 pairs take 30 s.
    services.flush_new_matches()
    for n, (match, sponsor, child) in enumerate(rows):
        with db.session.no_autoflush if n else nullcontext():
            services.audit_created(match, sponsor, child, actor=actor,
                                   summary_suffix=" (pemasangan otomatis)")
        if n == 0:
            db.session.flush()  # the audit chain head now surely exists in the database
        outcome.created.append(match)
    if outcome.created or outcome.skipped:
        audit.record("automatch", "match", None, user=actor,
                     summary=f"Pemasangan otomatis: {len(outcome.created)} pasangan dibuat, "
                             f"{len(outcome.skipped)} dilewati",
                     changes={"created": [None, len(outcome.created)],
                              "skipped": [None, len(outcome.skipped)]})
    return outcome


@use_case
def confirm_proposal(token: str, *, actor, today: date | None = None) -> Outcome:
    """Confirm the proposal kept under ``token`` for ``actor``; the proposal is used once.

    ``NotFoundError`` when it is missing, stale, already used or another officer's.
    """
    ensure_permitted(actor, Permission.MANAGE_MATCHES)
    pairs = previews.load(token, actor)
    if pairs is None:
        raise NotFoundError(token)
    outcome = confirm_assignments(pairs, actor=actor, today=today)
    # A file, not a row: if the commit after this fails the officer simply asks again.
    previews.discard(token)
    return outcome
