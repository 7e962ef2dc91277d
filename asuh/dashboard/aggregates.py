"""All the aggregates the dashboard reads: rebuilt together and checked together.

- ``monthly_commodity_totals`` and ``monthly_delivery_counts`` belong to the
  contributions area (``asuh.contributions.totals``), which keeps them exact on every
  confirmation and void;
- ``child_growth_summaries`` belongs to this area (``growth.py``).

``flask --app app dashboard rebuild`` and ``… dashboard check`` call these.
"""

from asuh.audit import services as audit
from asuh.contributions import totals
from asuh.dashboard import cache, growth
from asuh.transactions import use_case


@use_case
def rebuild_all(*, actor=None) -> dict:
    """Recompute every aggregate from the raw rows; returns the rows written per table."""
    commodity_rows, delivery_rows = totals.rebuild_monthly_totals(actor=actor)
    # Also the version stamp that tells every process's cache to recompute (cache.py).
    audit.record("rebuild", cache.GROWTH_REBUILT, None, user=actor,
                 summary="Ringkasan pertumbuhan anak dihitung ulang dari data pengukuran")
    return {"monthly_commodity_totals": commodity_rows,
            "monthly_delivery_counts": delivery_rows,
            "child_growth_summaries": growth.rebuild()}


def check_all() -> list[str]:
    """Every difference between the aggregates and the raw rows; empty means exact."""
    return totals.check_monthly_totals() + growth.check()
