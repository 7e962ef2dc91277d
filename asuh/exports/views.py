"""``/exports/<list>.csv`` and ``.xlsx``: each list's rows, with the filters on screen.

A route declares EXPORT_DATA or the list's own permission, whichever is narrower (the
access-matrix test reads one declaration per route), and checks the other inside: an
export never shows what its list would not. Every export is recorded in the audit trail,
since the file carries personal data out of the system.
"""


from flask import Blueprint, request
from flask_login import current_user

from asuh import timeutil
from asuh.exports import datasets, services
from asuh.exports.writers import csv_response, xlsx_response
from asuh.permissions import Permission, requires

bp = Blueprint("exports", __name__, url_prefix="/exports")


def _export(build, entity_type: str, fmt: str, also: Permission):
    dataset = services.start_export(build, current_user._get_current_object(), request.args,
                                    entity_type=entity_type, fmt=fmt, also=also)
    filename = f"{dataset.filename}-{timeutil.today():%Y-%m-%d}.{fmt}"
    if fmt == "csv":
        return csv_response(filename, dataset.header, dataset.rows)
    return xlsx_response(filename, dataset.sheet, dataset.header, dataset.rows)


def _add_routes(name: str, build, entity_type: str, declared: Permission,
                also: Permission) -> None:
    """``/exports/<name>.csv`` and ``.xlsx`` as endpoints ``exports.<name>_csv|_xlsx``."""
    for fmt in ("csv", "xlsx"):
        def view(fmt=fmt):
            return _export(build, entity_type, fmt, also)

        view.__name__ = f"{name}_{fmt}"
        bp.add_url_rule(f"/{name}.{fmt}", endpoint=view.__name__,
                        view_func=requires(declared)(view))


_add_routes("children", datasets.children_dataset, "child",
            Permission.EXPORT_DATA, Permission.VIEW_CHILDREN)
_add_routes("sponsors", datasets.sponsors_dataset, "sponsor",
            Permission.EXPORT_DATA, Permission.VIEW_SPONSORS)
_add_routes("matches", datasets.matches_dataset, "match",
            Permission.EXPORT_DATA, Permission.VIEW_MATCHES)
_add_routes("contributions", datasets.contributions_dataset, "contribution",
            Permission.EXPORT_DATA, Permission.VIEW_CONTRIBUTIONS)
# Fewer roles may read the trail than may export: declare the narrower one.
_add_routes("audit", datasets.audit_dataset, "audit_record",
            Permission.VIEW_AUDIT, Permission.EXPORT_DATA)
