"""Benchmark: auto-match proposal for a city of 5,000 children and 3,000 sponsors.

Run with ``.venv/bin/python -m tests.bench_matching`` (``make bench`` will call
``bench_automatch()``). Builds plain objects, no database: it times the algorithm alone.
"""

import random
import time

from asuh.matching.automatch import ChildSlot, SponsorSlot, propose_assignments

KECAMATAN = 7          # Kota Pangkalpinang
KELURAHAN_EACH = 6     # 42 kelurahan in all, as the city has


def build_city(children: int = 5000, sponsors: int = 3000, seed: int = 2026):
    """``(children in priority order, sponsors)`` spread over the city's kelurahan."""
    rng = random.Random(seed)
    places = [(f"19.71.0{k}.10{v:02d}", f"19.71.0{k}")
              for k in range(1, KECAMATAN + 1) for v in range(1, KELURAHAN_EACH + 1)]
    child_slots = []
    for n in range(1, children + 1):
        kelurahan, kecamatan = rng.choice(places)
        child_slots.append(ChildSlot(id=n, kelurahan_code=kelurahan, kecamatan_code=kecamatan))
    sponsor_slots = []
    for n in range(1, sponsors + 1):
        # Most sponsors in the wealthier central kecamatan, as ASN offices cluster there.
        kelurahan, kecamatan = rng.choice(places[:18] if rng.random() < 0.6 else places)
        capacity = rng.choice((1, 1, 1, 2, 2, 3, 5))
        sponsor_slots.append(SponsorSlot(id=n, kelurahan_code=kelurahan,
                                         kecamatan_code=kecamatan, capacity=capacity,
                                         active_matches=rng.randint(0, capacity - 1)))
    return child_slots, sponsor_slots


def bench_automatch(children: int = 5000, sponsors: int = 3000, repeat: int = 5) -> float:
    """Time ``propose_assignments`` (best of ``repeat`` runs); prints and returns seconds."""
    child_slots, sponsor_slots = build_city(children, sponsors)
    best = float("inf")
    pairs = []
    for _ in range(repeat):
        start = time.perf_counter()
        pairs = propose_assignments(child_slots, sponsor_slots)
        best = min(best, time.perf_counter() - start)
    print(f"propose_assignments: {children} children, {sponsors} sponsors -> "
          f"{len(pairs)} pairs in {best * 1000:.1f} ms (best of {repeat})")
    return best


if __name__ == "__main__":
    bench_automatch()
