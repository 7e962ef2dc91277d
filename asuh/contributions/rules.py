"""The contributions area's rules that other areas call instead of rewriting them in SQL.

A delivery counts (in the monthly totals, the letters, the dashboard, a sponsor's
progress) only once an officer or kader confirmed the family received it.
"""

from datetime import date

from asuh.contributions.models import CONFIRMED, PENDING, Contribution


def confirmed_delivery():
    """WHERE clause: the deliveries that count."""
    return Contribution.status == CONFIRMED


def is_confirmed(contribution: Contribution) -> bool:
    """The same rule for one loaded delivery."""
    return contribution.status == CONFIRMED


def confirmed_between(start: date, end: date):
    """WHERE clause: deliveries that count, handed over from ``start`` to ``end``
    (both days included)."""
    return confirmed_delivery() & Contribution.delivered_on.between(start, end)


def awaiting_between(start: date, end: date):
    """WHERE clause: deliveries logged but not yet confirmed (they do not count yet, but a
    sponsor's progress shows them apart: "5 kg menunggu konfirmasi")."""
    return (Contribution.status == PENDING) & Contribution.delivered_on.between(start, end)
