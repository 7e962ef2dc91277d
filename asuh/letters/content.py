"""Pieces every letter's content shares: masked identifiers, totals
per commodity with cash apart, the letterhead from the settings, categories over a period.

Letter templates get plain dicts and strings from here, never ORM objects: what a letter
prints is decided before rendering, so the same data also fills the public summary.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from asuh.children.models import HEIGHT_CATEGORIES, Measurement
from asuh.contributions import catalogue
from asuh.contributions.models import Commodity
from asuh.formatting import format_quantity
from asuh.letters import pdf

MASK = "\u2022"
STUNTED = ("stunted", "severely_stunted")


def mask_last4(value: str | None) -> str:
    """``197103152000032003`` → ``••••••••••••••2003``: only the last 4 digits show.

    Letters travel (printed, photographed, forwarded), so they show less than the screens'
    ``mask_identifier``, which keeps the first 4 as well. Four or fewer: masked whole.
    """
    cleaned = "".join(str(value or "").split())
    if len(cleaned) <= 4:
        return MASK * len(cleaned)
    return MASK * (len(cleaned) - 4) + cleaned[-4:]


def letterhead(settings: dict) -> dict:
    """The kop surat from the admin's settings (an uploaded logo, else the shipped one)."""
    return pdf.letterhead(settings)


def head_of_office(settings: dict) -> dict:
    # Officials sign with their full NIP: it identifies the office holder, not a citizen.
    return {"title": settings["head_title"], "name": settings["head_name"],
            "nip": settings["head_nip"]}


def canonical_unit_label(commodity: Commodity) -> str:
    if catalogue.is_as_entered(commodity):
        # "other" adds up whatever units were typed, so its total is only a count.
        return "satuan campuran"
    return commodity.canonical_unit


@dataclass
class Totals:
    """Confirmed items summed per commodity in canonical units; cash kept apart."""

    goods: list[dict]
    goods_value_idr: int
    cash_value_idr: int

    @property
    def total_value_idr(self) -> int:
        return self.goods_value_idr + self.cash_value_idr

    def summary(self) -> dict:
        return {"goods": [{k: line[k] for k in ("code", "name", "quantity", "unit",
                                                  "value_idr")} for line in self.goods],
                "goods_value_idr": self.goods_value_idr,
                "cash_value_idr": self.cash_value_idr,
                "total_value_idr": self.total_value_idr}


def commodity_totals(items) -> Totals:
    """``items``: (commodity, canonical quantity, value in Rupiah) of confirmed items."""
    per: dict[int, list] = defaultdict(lambda: [None, Decimal(0), 0])
    cash = 0
    for commodity, quantity, value in items:
        if commodity.is_cash:
            cash += value
            continue
        line = per[commodity.id]
        line[0] = commodity
        line[1] += Decimal(quantity)
        line[2] += value
    ordered = sorted(per.values(), key=lambda line: (line[0].sort_order, line[0].name))
    goods = [{"code": c.code, "name": c.name, "quantity": format_quantity(q),
              "unit": canonical_unit_label(c), "value_idr": v} for c, q, v in ordered]
    return Totals(goods, sum(line["value_idr"] for line in goods), cash)


def category_label(measurement: Measurement | None) -> dict:
    if measurement is None:
        return {"label": "Belum diukur", "on": None, "stunted": False}
    return {"label": HEIGHT_CATEGORIES.get(measurement.category or "", "Tidak terukur"),
            "on": measurement.measured_on, "stunted": measurement.category in STUNTED}


def categories_over(measurements: list[Measurement], start: date, end: date) -> tuple:
    """Height-for-age at the start and the end of a period, from one child's live
    measurements sorted by day: the latest on or before ``start`` (else the first within
    the period), and the latest on or before ``end``."""
    before = [m for m in measurements if m.measured_on <= start]
    within = [m for m in measurements if start < m.measured_on <= end]
    at_start = before[-1] if before else (within[0] if within else None)
    upto_end = [m for m in measurements if m.measured_on <= end]
    at_end = upto_end[-1] if upto_end else None
    return category_label(at_start), category_label(at_end)
