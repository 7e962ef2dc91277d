"""Every export: its dataset, what it is recorded as, and who may take it.

A route declares EXPORT_DATA or the list's own permission, whichever is narrower (the
access-matrix test reads one declaration per route), and the other is checked inside: an
export never shows what its list would not. The web routes and the export job read the
same table, so a job checks exactly what the route checked.
"""

from collections.abc import Callable
from dataclasses import dataclass

from asuh.exports import datasets
from asuh.permissions import Permission


@dataclass(frozen=True)
class Export:
    name: str
    build: Callable  # build(user, args) -> Dataset
    entity_type: str
    declared: Permission
    also: Permission


EXPORTS = {e.name: e for e in (
    Export("children", datasets.children_dataset, "child",
           Permission.EXPORT_DATA, Permission.VIEW_CHILDREN),
    Export("sponsors", datasets.sponsors_dataset, "sponsor",
           Permission.EXPORT_DATA, Permission.VIEW_SPONSORS),
    Export("matches", datasets.matches_dataset, "match",
           Permission.EXPORT_DATA, Permission.VIEW_MATCHES),
    Export("contributions", datasets.contributions_dataset, "contribution",
           Permission.EXPORT_DATA, Permission.VIEW_CONTRIBUTIONS),
    # Fewer roles may read the trail than may export: declare the narrower one.
    Export("audit", datasets.audit_dataset, "audit_record",
           Permission.VIEW_AUDIT, Permission.EXPORT_DATA),
)}
