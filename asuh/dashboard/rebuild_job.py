"""Recomputing the dashboard's aggregates as a background job: ``dashboard.rebuild``.

The same recomputation as ``flask --app app dashboard rebuild`` (``aggregates.rebuild_all``,
which the command still runs at once, in one transaction), cut into units a worker can
report on: the monthly delivery totals (one unit: they are small), then the children's
growth summaries a chunk of children at a time. Each unit rewrites whole aggregates for
what it covers, so a stop between units leaves every child's summary exact, only some
recomputed again; a job taken up again continues after the last chunk it recorded.
The last unit writes the audit record that tells every process's cache to recompute.
"""

from sqlalchemy import func, select

from asuh.audit import services as audit
from asuh.children.models import Child
from asuh.contributions import totals
from asuh.dashboard import cache, growth
from asuh.extensions import db
from asuh.formatting import format_number
from asuh.jobs import services as jobs
from asuh.jobs.models import QUEUED, RUNNING, Job
from asuh.permissions import Permission, ensure_permitted
from asuh.transactions import end_read, use_case

KIND = "dashboard.rebuild"
LABEL = "Hitung ulang ringkasan dasbor"
CHUNK = 2000  # children per unit of the growth summaries


@use_case
def submit_rebuild(*, actor) -> Job:
    """Queue a rebuild; one already waiting or running is returned instead of a second."""
    ensure_permitted(actor, Permission.REBUILD_AGGREGATES)
    pending = db.session.scalar(select(Job).where(Job.kind == KIND,
                                                  Job.status.in_((QUEUED, RUNNING)))
                                .order_by(Job.id).limit(1))
    return pending or jobs.submit(KIND, {}, actor=actor)


def run(ctx) -> dict:
    actor = ctx.requested_by()
    state = {"totals": None, "after_id": 0, "children": 0, **ctx.report.get("state", {})}
    children = db.session.scalar(select(func.count(Child.id)))
    end_read()
    ctx.set_total(1 + -(-children // CHUNK))
    if state["totals"] is None:
        _totals(ctx, actor, state)
    ctx.advance(1 + -(-state["children"] // CHUNK))  # with what an earlier attempt did
    while _growth(ctx, state, actor):
        ctx.advance()
    return {"lines": _lines(state, done=True), "state": state}


@use_case
def _totals(ctx, actor, state: dict) -> None:
    state["totals"] = list(totals.rebuild_monthly_totals(actor=actor))
    ctx.checkpoint({"state": dict(state), "lines": _lines(state)})


@use_case
def _growth(ctx, state: dict, actor) -> bool:
    """The next chunk of children; False (after the cache's stamp) when none is left."""
    ids = list(db.session.scalars(select(Child.id).where(Child.id > state["after_id"])
                                  .order_by(Child.id).limit(CHUNK)))
    if not ids:
        audit.record("rebuild", cache.GROWTH_REBUILT, None, user=actor,
                     summary="Ringkasan pertumbuhan anak dihitung ulang dari data pengukuran")
        return False
    growth.refresh(ids)
    state["after_id"] = ids[-1]
    state["children"] += len(ids)
    ctx.checkpoint({"state": dict(state), "lines": _lines(state)})
    return True


def _lines(state: dict, done: bool = False) -> list[str]:
    lines = []
    if state["totals"] is not None:
        commodity, deliveries = state["totals"]
        lines.append(f"Rekap bulanan penyaluran dihitung ulang: {format_number(commodity)} "
                     f"baris barang, {format_number(deliveries)} baris penyaluran.")
    lines.append(f"Ringkasan pertumbuhan {format_number(state['children'])} anak dihitung "
                 f"ulang{'.' if done else ' sejauh ini.'}")
    return lines
