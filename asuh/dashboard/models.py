"""The dashboard's own aggregate, and the indexes its read paths need on other tables.

``ChildGrowthSummary`` holds one row per child with live measurements, rewritten from the
raw measurements whenever they change (the children area's ``measurements_changed``
signal, see ``growth.py``). It answers two questions that would otherwise mean scanning
every measurement on every dashboard request:

- *outcomes*: ``grid`` packs, for each month from ``first_month`` on, three characters:
  the category code of the month's first measurement, of its last, and how many there
  were (capped at 9); ``000`` for a month without one. The first and last measurement of
  any whole-month period are then string functions over one row per child.
- *follow-up*: whether the latest weight is not above the weight about two months before.
"""

from datetime import date
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, Text
from sqlalchemy.orm import Mapped, mapped_column

from asuh.checks import positive
from asuh.children.models import Child
from asuh.contributions.models import Contribution
from asuh.extensions import db
from asuh.matching.models import Match
from asuh.sponsors.models import Sponsor

# Category codes in the grid: ordered from worst to best, so "better" is "greater".
CATEGORY_CODES = {"severely_stunted": "1", "stunted": "2", "normal": "3", "tall": "4"}
UNKNOWN_CODE = "5"  # a category the grid does not know (none is left out: see growth._grid)
CODE_CATEGORIES = {code: name for name, code in CATEGORY_CODES.items()}


class ChildGrowthSummary(db.Model):
    __tablename__ = "child_growth_summaries"
    __table_args__ = (positive("latest_weight_kg"), positive("compared_weight_kg"))

    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), primary_key=True)
    # Months counted as year * 12 + month - 1, so consecutive months differ by one.
    first_month: Mapped[int]
    grid: Mapped[str] = mapped_column(Text)
    latest_on: Mapped[date]
    latest_weight_kg: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    compared_on: Mapped[date | None]
    compared_weight_kg: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    weight_stalled: Mapped[bool] = mapped_column(default=False, index=True)


# Covering indexes for the dashboard's counts: each figure reads one index, not the rows.
# Declared here rather than in the owning areas' models because only the dashboard reads
# them this way; migration 0004 creates them.
Index("ix_children_dashboard", Child.status, Child.kelurahan_code, Child.latest_category,
      Child.is_matched)
Index("ix_sponsors_dashboard", Sponsor.kelurahan_code, Sponsor.kind, Sponsor.active_matches,
      Sponsor.approved_at, Sponsor.withdrawn_at)
Index("ix_matches_dashboard", Match.ended_on, Match.start_on, Match.child_id)
Index("ix_contributions_dashboard", Contribution.status, Contribution.delivered_on,
      Contribution.child_id)
