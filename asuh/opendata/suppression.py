"""Small-cell suppression for published tables, with complementary suppression.

The rule (shown on the public page):

1. *Primary*: a published count of 1 to ``minimum - 1`` is not shown. A zero is shown (an
   empty group holds nobody to recognise).
2. *Complementary*: published figures are tied by sums — a row's parts add up to its
   total, the kelurahan to their kecamatan, the kecamatan to the city, the months to the
   period. From those sums and the figures shown, nobody may compute a hidden count of 1
   to ``minimum - 1`` exactly, whichever pages or CSV files they combine. First, a sum
   with exactly one hidden member gets a second (another part before the total; the most
   detailed, smallest non-zero one); then an exact check finds any small count still
   computable (a hidden cell bridging two groups of hidden cells) and hides one more
   figure tied to it, preferring one that alone makes it incomputable, until none is.
3. A complement whose value can be computed all the same (a later complement made it
   so) is shown after all: hiding it protects nothing.
4. Figures that are never published (each group's "not improved" count, a kelurahan's
   split by sponsorship) are unknowns like the hidden ones: a small one may not be
   computable either.

Which hidden values can be computed is decided exactly, not by rule of thumb ("two hidden
cells per row" misses a hidden cell that is a bridge between two rectangles of hidden
cells): a hidden value is determined by the published ones exactly when its unit vector
lies in the row space of the sums' coefficients restricted to the hidden cells, which the
reduced row echelon form shows as a row with a single non-zero entry. The arithmetic is
exact (``Fraction``).

What it does not promise: ranges. Knowing that two hidden counts add up to 9 says each is
0–9; that is the usual standard for small-area health figures (exact values, not bounds).

Pure functions over plain dicts: nothing here reads the database.
"""

from collections.abc import Hashable, Iterable, Mapping
from fractions import Fraction

Key = Hashable
Relation = tuple[Key, tuple[Key, ...]]  # (total, parts): total = sum(parts)


def determined(unknown: set, relations: Iterable[Relation]) -> set:
    """The unknowns whose value follows from the known cells and the sums."""
    pivots: dict[Key, dict[Key, Fraction | int]] = {}
    # Which pivot rows hold a free cell: eliminating a new pivot visits only those.
    holding: dict[Key, set] = {}

    def subtract(target_pivot, row, factor, source):
        for key, value in source.items():
            updated = row.get(key, 0) - factor * value
            if updated:
                if key not in row and target_pivot is not None:
                    holding.setdefault(key, set()).add(target_pivot)
                row[key] = updated
            elif key in row:
                del row[key]
                if target_pivot is not None:
                    holding.get(key, set()).discard(target_pivot)

    for total, parts in relations:
        row: dict[Key, Fraction | int] = {}
        for key, coefficient in ((total, 1), *((part, -1) for part in parts)):
            if key in unknown:
                row[key] = row.get(key, 0) + coefficient
        row = {k: v for k, v in row.items() if v}
        # Pivot rows are kept reduced (each holds its pivot and free cells only), so one
        # pass takes every pivot out of the new row.
        for var in [v for v in row if v in pivots]:
            factor = row.get(var)
            if factor:
                subtract(None, row, factor, pivots[var])
        if not row:
            continue
        pivot = min(row, key=repr)
        scale = row[pivot]
        # The sums' coefficients are 0 and ±1 and mostly stay so (a table of sums is
        # close to totally unimodular): plain ints while they do, Fractions after.
        row = ({k: v * scale for k, v in row.items()} if scale in (1, -1)
               else {k: Fraction(v) / scale for k, v in row.items()})
        for other_pivot in list(holding.pop(pivot, ())):
            other = pivots[other_pivot]
            subtract(other_pivot, other, other[pivot], row)
        pivots[pivot] = row
        for key in row:
            if key != pivot:
                holding.setdefault(key, set()).add(pivot)
    return {var for var, row in pivots.items() if len(row) == 1}


def _component(cell, unknown: set, index: dict, relations: list[Relation]) -> list[Relation]:
    """The sums reachable from ``cell`` through unknown cells: only they can decide it."""
    found, cells, stack = set(), {cell}, [cell]
    while stack:
        for number in index.get(stack.pop(), ()):
            if number in found:
                continue
            found.add(number)
            total, parts = relations[number]
            for key in (total, *parts):
                if key in unknown and key not in cells:
                    cells.add(key)
                    stack.append(key)
    return [relations[number] for number in sorted(found)]


def _neighbours(relations: list[Relation]) -> dict[Key, set]:
    near: dict[Key, set] = {}
    for total, parts in relations:
        members = {total, *parts}
        for key in members:
            near.setdefault(key, set()).update(members - {key})
    return near


def protect(values: Mapping[Key, int], relations: Iterable[Relation], *, shown: set,
            minimum: int, detail: Mapping[Key, int] | None = None) -> set:
    """The cells of ``shown`` not to publish, so that no count of 1 to ``minimum - 1``
    (shown or not) can be computed from the published ones.

    ``values`` holds every cell (published or not); ``detail`` ranks cells for complements
    (higher is preferred: a kelurahan over its kecamatan).
    """
    relations = list(relations)
    detail = detail or {}
    hidden = set(values) - set(shown)
    small = {key for key, value in values.items() if 0 < value < minimum}
    suppressed = {key for key in shown if key in small}
    near = _neighbours(relations)
    index: dict[Key, list[int]] = {}
    for number, (total, parts) in enumerate(relations):
        for key in {total, *parts}:
            index.setdefault(key, []).append(number)
    order = {key: index for index, key in enumerate(values)}

    def preference(key):
        return (values[key] == 0, -detail.get(key, 0), values[key], order[key])

    while True:
        _two_per_sum(relations, values, shown, hidden, small, suppressed, preference)
        at_risk = sorted(determined(hidden | suppressed, relations) & small,
                         key=order.__getitem__)
        if not at_risk:
            # A complement that turned out computable anyway hides nothing: show it
            # (the published figures then say exactly what they said without it).
            return suppressed - (determined(hidden | suppressed, relations) - small)
        cell = at_risk[0]

        def helps(candidate, cell=cell):
            unknown = hidden | suppressed | {candidate}
            return cell not in determined(unknown, _component(cell, unknown, index, relations))

        complement = _complement(cell, near, shown, suppressed, preference, helps)
        if complement is None:  # pragma: no cover - an all-hidden table determines nothing
            raise RuntimeError(f"no complement can protect {cell!r}")
        suppressed.add(complement)


def _two_per_sum(relations, values, shown, hidden, small, suppressed, preference) -> None:
    """The usual first pass, to a fixed point: a sum with exactly one unknown member that
    must stay unknown (a small count, or a figure hidden to protect one) gets a second:
    another part first (the most detailed, smallest non-zero), the total last. It settles
    most tables; the exact check in :func:`protect` finds what it leaves (a hidden cell
    that is a bridge between two groups of hidden cells)."""
    changed = True
    while changed:
        changed = False
        for total, parts in relations:
            members = (total, *parts)
            unknown = [key for key in members if key in hidden or key in suppressed]
            if len(unknown) != 1:
                continue
            cell = unknown[0]
            if cell not in small and cell not in suppressed:
                continue  # a figure never published, large enough to be computed
            candidates = [key for key in members
                          if key != cell and key in shown and key not in suppressed]
            if not candidates:
                continue
            pick = min(candidates, key=lambda key: (key == total, preference(key)))
            suppressed.add(pick)
            changed = True


# How many candidates are tried per ring before taking the preferred one untried: each
# try is one elimination, and a large city has hundreds of cells around a kecamatan.
TRIES_PER_RING = 12


def _complement(cell, near, shown, suppressed, preference, helps):
    """The published cell to hide next, searched ring by ring outwards from ``cell``
    through the sums: the preferred one (most detailed, smallest non-zero) that alone
    makes ``cell`` incomputable; if no cell does alone, the preferred one of the nearest
    ring (the next round adds another)."""
    seen, frontier, fallback = {cell}, {cell}, None
    while frontier:
        ring = set().union(*(near.get(key, set()) for key in frontier)) - seen
        candidates = sorted((key for key in ring if key in shown and key not in suppressed),
                            key=preference)
        if candidates and fallback is None:
            fallback = candidates[0]
        for candidate in candidates[:TRIES_PER_RING]:
            if helps(candidate):
                return candidate
        seen |= ring
        frontier = ring
    return fallback
