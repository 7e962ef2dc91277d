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
from datetime import date, datetime

from sqlalchemy import select

from asuh import timeutil
from asuh.audit import services as audit
from asuh.children.models import Child
from asuh.errors import NotFoundError, ValidationFailed
from asuh.extensions import db
from asuh.matching import previews, scoping, services
from asuh.matching.priority import (
    SAME_CITY,
    SAME_KECAMATAN,
    SAME_KELURAHAN,
    SAME_PROVINCE,
    distance_level,
    priority_order_by,
    sponsor_key,
)
from asuh.matching.queries import eligible_sponsor_condition, unmatched_condition
from asuh.permissions import Permission, ensure_permitted
from asuh.regions.models import Region
from asuh.regions.scopes import kelurahan_codes_in, province_code_of, scope_of, within
from asuh.sponsors.models import Sponsor
from asuh.transactions import use_case

AUTO_NOTE = "Dipasangkan lewat pemasangan otomatis."
OUT_OF_SCOPE = "Anak ini di luar wilayah kerja Anda."
PREVIEW_ROWS = 200


@dataclass(frozen=True)
class ChildSlot:
    """What the proposal needs of a child (plus what the preview shows)."""

    id: int
    kelurahan_code: str
    kecamatan_code: str | None
    name: str = ""
    latest_category: str | None = None
    birth_date: date | None = None


@dataclass(frozen=True)
class SponsorSlot:
    id: int
    kelurahan_code: str
    kecamatan_code: str | None
    capacity: int
    active_matches: int
    name: str = ""
    approved_at: datetime | None = None


def _kelurahan(slot) -> str | None:
    return slot.kelurahan_code


def _kecamatan(slot) -> str | None:
    return slot.kecamatan_code


def _city(slot) -> str:
    return slot.kelurahan_code[:5]


def _province(_slot) -> str:
    return ""  # everyone here: propose_assignments works one province at a time


# The region tree from the bottom: (distance level, the group a child and sponsor share).
_LEVELS = ((SAME_KELURAHAN, _kelurahan), (SAME_KECAMATAN, _kecamatan), (SAME_CITY, _city),
           (SAME_PROVINCE, _province))


def propose_assignments(children, sponsors) -> list[tuple[int, int, int]]:
    """Assign children to free sponsor places: ``[(child_id, sponsor_id, distance_level)]``
    in the children's order. Pure: reads its arguments, writes nothing.

    ``children`` come in priority order (``priority.priority_key``); ``sponsors`` are the
    eligible ones (approved, not withdrawn), each taking at most
    ``capacity - active_matches`` more children. The assignment is global, not greedy:

    1. *Who*: the first P children in priority order get a place, P being the free places
       (every sponsor can reach every child in the city, so this is always possible); the
       rest wait.
    2. *Where*: bottom-up over the region tree. In each kelurahan its children take its
       sponsors' places; the children left over take the places left over in their
       kecamatan; the rest take what is left in the city. On a tree this is optimal at
       every level at once: the number of same-kelurahan pairs is the largest possible,
       and so is the number of pairs within a kecamatan. Hence no child loses its only
       nearby sponsor to a child who had none nearby (swapping the two would make one more
       nearby pair, which the maximum rules out), whatever the sponsor ids.
    3. *Ties*, documented and never by id: within a group, children are served in priority
       order (the higher priority child gets the nearer place); each takes the sponsor with
       the lowest load ratio, then most free places, then approved longest ago, then name
       (``priority.sponsor_key``); sponsors identical in all of these are taken in the order
       given (``load_sponsors`` sorts by approval time and name).

    Each stage is a heap per group: O((children + sponsors) · log sponsors) in all.

    Issue 15: a sponsor takes children of their own province only, so each province is
    assigned on its own (the steps above hold inside it: every sponsor of the province
    can reach every child of it), and the pairs come back in the children's order.
    """
    children_by_province: dict[str, list] = defaultdict(list)
    for position, child in enumerate(children):
        children_by_province[child.kelurahan_code[:2]].append((position, child))
    sponsors_by_province: dict[str, list] = defaultdict(list)
    for slot in sponsors:
        sponsors_by_province[slot.kelurahan_code[:2]].append(slot)
    assigned: list[tuple[int, int, int, int]] = []
    for province, numbered in children_by_province.items():
        assigned += _propose_in_province(numbered, sponsors_by_province.get(province, []))
    assigned.sort()
    return [(child_id, sponsor_id, level) for _, child_id, sponsor_id, level in assigned]


def _propose_in_province(children, sponsors) -> list[tuple[int, int, int, int]]:
    """``propose_assignments`` for one province: ``children`` as (position, slot)."""
    free: dict[int, SponsorSlot] = {}
    for slot in sponsors:
        if slot.capacity - slot.active_matches > 0 and slot.id not in free:
            free[slot.id] = slot
    order = {sponsor_id: n for n, sponsor_id in enumerate(free)}
    used = {sponsor_id: slot.active_matches for sponsor_id, slot in free.items()}
    places = sum(slot.capacity - slot.active_matches for slot in free.values())
    seen: set[int] = set()
    waiting: list[tuple[int, ChildSlot]] = []
    for position, child in children:
        if len(waiting) >= places:
            break
        if child.id not in seen:
            seen.add(child.id)
            waiting.append((position, child))

    def entry(slot: SponsorSlot) -> tuple:
        return (*sponsor_key(used[slot.id], slot.capacity, slot.approved_at, slot.name),
                order[slot.id], slot.id)

    assigned: list[tuple[int, int, int, int]] = []  # (priority position, child, sponsor, level)
    for level, group_of in _LEVELS:
        heaps: dict[str, list] = defaultdict(list)
        for slot in free.values():
            group = group_of(slot)
            if group is not None and used[slot.id] < slot.capacity:
                heaps[group].append(entry(slot))
        for heap in heaps.values():
            heapq.heapify(heap)
        left: list[tuple[int, ChildSlot]] = []
        for position, child in waiting:  # priority order
            heap = heaps.get(group_of(child)) if group_of(child) is not None else None
            if not heap:
                left.append((position, child))
                continue
            slot = free[heapq.heappop(heap)[-1]]
            used[slot.id] += 1
            assigned.append((position, child.id, slot.id, distance_level(
                child.kelurahan_code, child.kecamatan_code, slot.kelurahan_code,
                slot.kecamatan_code) if level != SAME_KELURAHAN else SAME_KELURAHAN))
            if used[slot.id] < slot.capacity:
                heapq.heappush(heap, entry(slot))
        waiting = left
    return assigned


# --- loading -------------------------------------------------------------------------


def load_children(today: date | None = None, scope: str | None = None) -> list[ChildSlot]:
    """Every child waiting for a sponsor (``queries.unmatched_condition``) in ``scope``
    (the officer's kabupaten/kota or province), in priority order (columns only:
    thousands of rows)."""
    stmt = (select(Child.id, Child.kelurahan_code, Region.parent_code, Child.name,
                   Child.latest_category, Child.birth_date)
            .join(Region, Region.code == Child.kelurahan_code)
            .where(unmatched_condition(today))
            .order_by(*priority_order_by()))
    if scope is not None:
        stmt = stmt.where(Child.kelurahan_code.in_(kelurahan_codes_in(scope)))
    rows = db.session.execute(stmt)
    return [ChildSlot(id=r[0], kelurahan_code=r[1], kecamatan_code=r[2], name=r[3] or "",
                      latest_category=r[4], birth_date=r[5])
            for r in rows]


def load_sponsors(scope: str | None = None) -> list[SponsorSlot]:
    """Eligible sponsors of the province ``scope`` lies in (all for None), approved
    longest ago first, then by name (the last tie-break of ``propose_assignments``; the id
    only orders exact namesakes approved the same moment)."""
    stmt = (select(Sponsor.id, Sponsor.kelurahan_code, Region.parent_code, Sponsor.capacity,
                   Sponsor.active_matches, Sponsor.name, Sponsor.approved_at)
            .join(Region, Region.code == Sponsor.kelurahan_code)
            .where(eligible_sponsor_condition())
            .order_by(Sponsor.approved_at, Sponsor.name, Sponsor.id))
    if scope is not None:
        stmt = stmt.where(Region.province_code == province_code_of(scope))
    rows = db.session.execute(stmt)
    return [SponsorSlot(*r) for r in rows]


@dataclass
class Proposal:
    pairs: list[tuple[int, int, int]]
    children_waiting: int
    sponsors_free: int
    places_free: int
    by_distance: Counter = field(default_factory=Counter)
    rows: list[dict] = field(default_factory=list)  # the first pairs, for display
    # Pairs whose commitment would run past the child's 60 months (a warning, not a stop).
    past_balita: int = 0

    @property
    def children_left(self) -> int:
        return self.children_waiting - len(self.pairs)

    @property
    def cross_kecamatan(self) -> int:
        """Pairs whose child and sponsor live in different kecamatan."""
        return self.by_distance[SAME_CITY] + self.by_distance[SAME_PROVINCE]

    @property
    def cross_city(self) -> int:
        """Pairs whose sponsor lives in another kabupaten/kota of the province."""
        return self.by_distance[SAME_PROVINCE]


def build_proposal(*, shown: int = PREVIEW_ROWS, today: date | None = None,
                   actor=None) -> Proposal:
    """Load, propose, and describe the first ``shown`` pairs, for the children in the
    ``actor``'s scope. Reads only."""
    today = today or timeutil.today()
    scope = scope_of(actor)
    children = load_children(today, scope)
    sponsors = load_sponsors(scope)
    pairs = propose_assignments(children, sponsors)
    child_by_id = {c.id: c for c in children}
    ends = planned_ends(today, children)
    sponsor_by_id = {s.id: s for s in sponsors}
    names = dict(db.session.execute(select(Region.code, Region.name)).all())
    rows = []
    for child_id, sponsor_id, level in pairs[:shown]:
        child, sponsor = child_by_id[child_id], sponsor_by_id[sponsor_id]
        # Full names and both places: an officer tells "Muhammad" from "Muhammad" and
        # sees at once which pairs cross a kecamatan before ticking them.
        rows.append({"child_id": child_id, "child_name": child.name,
                     "category": child.latest_category,
                     "kelurahan": names.get(child.kelurahan_code, child.kelurahan_code),
                     "kecamatan": names.get(child.kecamatan_code, ""),
                     "sponsor_id": sponsor_id, "sponsor_name": sponsor.name,
                     "sponsor_kelurahan": names.get(sponsor.kelurahan_code,
                                                    sponsor.kelurahan_code),
                     "sponsor_kecamatan": names.get(sponsor.kecamatan_code, ""),
                     "cross_kecamatan": level >= SAME_CITY,
                     "key": pair_key(child_id, sponsor_id),
                     "distance": level,
                     "past_balita": services.past_balita(child.birth_date,
                                                         ends[services.child_city(child)])})
    return Proposal(pairs=pairs, children_waiting=len(children), sponsors_free=len(sponsors),
                    places_free=sum(s.capacity - s.active_matches for s in sponsors),
                    by_distance=Counter(level for _, _, level in pairs), rows=rows,
                    past_balita=sum(services.past_balita(
                        child_by_id[c].birth_date,
                        ends[services.child_city(child_by_id[c])]) for c, _, _ in pairs))


def planned_ends(start_on: date, children) -> dict[str, date]:
    """``{kabupaten/kota: planned end}`` for matches of ``children`` starting ``start_on``:
    each child's city sets its own commitment (issue 15); read once per city, not per
    child (a batch holds thousands)."""
    return {city: services.default_end(start_on, city)
            for city in {services.child_city(child) for child in children}}


# --- confirming ----------------------------------------------------------------------


def pair_key(child_id: int, sponsor_id: int) -> str:
    """A pair as the preview's checkbox sends it: ``"12:7"``."""
    return f"{child_id}:{sponsor_id}"


def parse_pair_keys(values) -> set[tuple[int, int]]:
    """The ticked checkboxes; anything not of our own making is dropped (only pairs of
    the kept proposal can be confirmed anyway)."""
    ticked = set()
    for value in values:
        child, _, sponsor = str(value).partition(":")
        if child.isdigit() and sponsor.isdigit():
            ticked.add((int(child), int(sponsor)))
    return ticked


@dataclass
class Outcome:
    created: list = field(default_factory=list)  # Match rows
    skipped: list[tuple[int, int, str]] = field(default_factory=list)  # (child, sponsor, why)


@use_case
def confirm_assignments(pairs, *, actor, today: date | None = None,
                        left_out: int = 0) -> Outcome:
    """Create the proposed matches that are still valid, in one transaction.

    Every sponsor and child named is locked first (sponsors, then children, each in id
    order, as ``services.create_match`` does), then each pair is checked against the
    fresh rows and the places taken earlier in this same batch. Pairs that became invalid
    since the preview (child matched or no longer active, sponsor full or withdrawn) are
    skipped and reported. Matches start ``today`` and run the commitment period.
    ``left_out``: pairs of the proposal the officer unticked (for the audit record).
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
    ends = planned_ends(today, [c for c in children.values() if c is not None])
    outcome = Outcome()
    rows = []
    for child_id, sponsor_id, _level in clean:
        child, sponsor = children.get(child_id), sponsors.get(sponsor_id)
        problem = (services.child_problem(child, today) or services.sponsor_problem(sponsor)
                   or scoping.province_problem(sponsor, child)
                   or (OUT_OF_SCOPE if child is not None and actor is not None
                       and not within(scope_of(actor), child.kelurahan_code) else None))
        if problem:
            outcome.skipped.append((child_id, sponsor_id, problem))
            continue
        rows.append((services.new_match(sponsor, child, start_on=today,
                                        planned_end_on=ends[services.child_city(child)],
                                        note=AUTO_NOTE,
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
        unticked = f", {left_out} tidak dicentang" if left_out else ""
        audit.record("automatch", "match", None, user=actor,
                     summary=f"Pemasangan otomatis: {len(outcome.created)} pasangan dibuat, "
                             f"{len(outcome.skipped)} dilewati{unticked}",
                     changes={"created": [None, len(outcome.created)],
                              "skipped": [None, len(outcome.skipped)],
                              **({"left_out": [None, left_out]} if left_out else {})})
    return outcome


@use_case
def confirm_proposal(token: str, *, actor, ticked: set[tuple[int, int]] | None = None,
                     today: date | None = None) -> Outcome:
    """Confirm the proposal kept under ``token`` for ``actor``; the proposal is used once.

    ``ticked``: the ``(child, sponsor)`` pairs the officer left ticked among those the
    preview showed; the pairs beyond the shown rows are confirmed as proposed. None
    confirms every pair. Each confirmed pair is re-checked (``confirm_assignments``).
    ``NotFoundError`` when it is missing, stale, already used or another officer's.
    """
    ensure_permitted(actor, Permission.MANAGE_MATCHES)
    kept = previews.load_proposal(token, actor)
    if kept is None:
        raise NotFoundError(token)
    pairs, shown = kept
    left_out = 0
    if ticked is not None:
        chosen = [p for p in pairs[:shown] if (p[0], p[1]) in ticked]
        left_out = shown - len(chosen)
        pairs = chosen + pairs[shown:]
    if not pairs:
        raise ValidationFailed({"pairs": ["Tidak ada pasangan yang dicentang."]})
    outcome = confirm_assignments(pairs, actor=actor, today=today, left_out=left_out)
    # A file, not a row: if the commit after this fails the officer simply asks again.
    previews.discard(token)
    return outcome
