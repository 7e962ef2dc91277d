"""The matching area's rules that other areas call instead of rewriting them in SQL.

A match runs from ``start_on`` until ``ended_on`` (both days included); while
``ended_on`` is empty it is running now. ``planned_end_on`` is only the commitment: a
match past it still runs until an officer ends it.
"""

from datetime import date

from sqlalchemy import or_

from asuh.matching.models import Match


def running():
    """WHERE clause: matches not ended (active today)."""
    return Match.ended_on.is_(None)


def active_during(start: date, end: date):
    """WHERE clause: matches active on at least one day from ``start`` to ``end``."""
    return (Match.start_on <= end) & or_(running(), Match.ended_on >= start)
