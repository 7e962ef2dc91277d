"""``/exports/<list>.csv`` and ``.xlsx``: each list's rows, with the filters on screen.

Every export is recorded in the audit trail, since the file carries personal data out of
the system. A list of more than ``export_job.EXPORT_JOB_ROWS`` rows is built by a
background job: the page goes to the job's progress bar and the file is downloaded there.
"""


from flask import Blueprint, redirect, request, url_for
from flask_login import current_user

from asuh import timeutil
from asuh.exports import export_job, services
from asuh.exports.catalogue import EXPORTS, Export
from asuh.exports.datasets import count_rows
from asuh.exports.writers import csv_response, xlsx_response
from asuh.permissions import requires

bp = Blueprint("exports", __name__, url_prefix="/exports")


def _export(spec: Export, fmt: str):
    user = current_user._get_current_object()
    dataset = services.describe(spec.build, user, request.args, spec.also)
    if count_rows(dataset) > export_job.job_rows():
        job = export_job.submit_export(spec.name, fmt, request.args, dataset=dataset,
                                       actor=user)
        return redirect(url_for("jobs.detail", job_id=job.id))
    services.record_export(user, spec.entity_type, fmt, dataset)
    filename = export_job.file_name(dataset, fmt, timeutil.today())
    if fmt == "csv":
        return csv_response(filename, dataset.header, dataset.rows)
    return xlsx_response(filename, dataset.sheet, dataset.header, dataset.rows)


def _add_routes(spec: Export) -> None:
    """``/exports/<name>.csv`` and ``.xlsx`` as endpoints ``exports.<name>_csv|_xlsx``."""
    for fmt in ("csv", "xlsx"):
        def view(fmt=fmt):
            return _export(spec, fmt)

        view.__name__ = f"{spec.name}_{fmt}"
        bp.add_url_rule(f"/{spec.name}.{fmt}", endpoint=view.__name__,
                        view_func=requires(spec.declared)(view))


for _spec in EXPORTS.values():
    _add_routes(_spec)
