"""The dashboard page for officers, admins and auditors."""


from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from asuh import timeutil
from asuh.dashboard import charts, followup, levels, rebuild_job, services
from asuh.dashboard.outcomes import OUTCOME_LABELS
from asuh.formatting import format_number
from asuh.permissions import Permission, requires

bp = Blueprint("dashboard", __name__)


@bp.app_template_filter("id_decimal")
def _id_decimal(value, places: int = 0) -> str:
    return format_number(value, places)


@bp.app_context_processor
def _visits_for_home():
    # templates/home_field.html (the kader's home) lists their kelurahan's visits with
    # this; the home page's code never imports the dashboard.
    return {"followup_visits_for": followup.visits_for,
            "followup_reason_labels": followup.REASON_LABELS}


@bp.route("/dashboard")
@requires(Permission.VIEW_DASHBOARD)
def index():
    filters, scope, kecamatan, regions = levels.scoped_filters(request.args, current_user,
                                                        strict=False)
    data = services.dashboard(filters, scope)
    followups = followup.followup_page(region=filters.region or scope,
                                       page=request.args.get("followup_page", 1, type=int))
    labels = data["period"]["month_labels"]
    return render_template(
        "dashboard/index.html", data=data, filters=filters, kecamatan=kecamatan,
        regions=regions if len(regions) > 1 else [], level_labels=levels.LEVEL_LABELS,
        followups=followups, reason_labels=followup.REASON_LABELS,
        outcome_labels=OUTCOME_LABELS, today=timeutil.today(),
        commodity_charts=[charts.monthly_bars(c["name"], labels, c["monthly_quantity"],
                                              c["unit"], cash=c["is_cash"])
                          for c in data["commodities"] + data["cash"]],
        coverage_chart=charts.coverage_bars(data["areas"]),
        outcome_chart=charts.outcome_bars(data["outcomes"]),
    )


@bp.route("/dashboard/rebuild", methods=["POST"])
@requires(Permission.REBUILD_AGGREGATES)
def rebuild():
    """Recompute the aggregates in the background; the job page shows how far it is."""
    job = rebuild_job.submit_rebuild(actor=current_user)
    return redirect(url_for("jobs.detail", job_id=job.id))
