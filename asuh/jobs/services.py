"""Submitting, cancelling and reading jobs; the steps a worker takes on a job's row.

Every change to a job's row is a short unit of work of its own, so a job's progress is
visible while it runs and nothing a handler did is undone by a later failure: a handler
commits its own units (a batch of letters), the runner only records where it stands.
"""

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.orm import undefer

from asuh.accounts.models import User
from asuh.accounts.rescope import moved_since
from asuh.audit import services as audit
from asuh.errors import NotFoundError, NotPermitted, ValidationFailed
from asuh.extensions import db
from asuh.jobs import registry
from asuh.jobs.models import CANCELLED, DONE, FAILED, QUEUED, RUNNING, Job
from asuh.permissions import Role
from asuh.timeutil import utcnow
from asuh.transactions import use_case

ENQUEUE_KEY = "asuh_jobs_to_enqueue"
MAX_ERROR = 1000


@dataclass
class JobResult:
    """What a handler hands back: a report for the page, and optionally a file."""

    report: dict | None = None
    file: bytes | None = None
    name: str | None = None
    mimetype: str | None = None


class JobCancelled(Exception):
    """Raised inside a handler (by ``JobContext.advance``) when an officer cancelled.

    A handler may catch it, and raise it again with ``result`` saying what was done
    before the stop (an import's stored rows); the runner records that result."""

    def __init__(self, result: "JobResult | None" = None):
        super().__init__()
        self.result = result


# --- what people do -------------------------------------------------------------------


@use_case
def submit(kind: str, params: dict, *, actor) -> Job:
    """Queue a job. The caller (the owning area's use case) has decided who may.

    The row is written in the caller's transaction; the queue (Redis) hears of it only
    after that commits (``backend.py``), so no worker ever looks for a row not yet there.
    """
    if registry.handler(kind) is None:
        raise ValidationFailed({"kind": [f"Jenis pekerjaan tidak dikenal: {kind}."]})
    job = Job(kind=kind, params=params, status=QUEUED,
              requested_by_id=actor.id if actor is not None else None)
    db.session.add(job)
    db.session.flush()
    audit.record("submit", "job", job.id, user=actor,
                 summary=f"Pekerjaan #{job.id} diajukan: {registry.label(kind)}",
                 changes={"kind": [None, kind], "params": [None, params]})
    db.session.info.setdefault(ENQUEUE_KEY, []).append(job.id)
    return job


def _admin_reaches(user, job: Job) -> bool:
    """An installation admin sees every job; a kabupaten/kota admin those asked for by
    accounts of their city (issue 15: a job's results are its requester's, in scope)."""
    if user.role != Role.ADMIN:
        return False
    scope = getattr(user, "scope_code", None)
    if scope is None:
        return True
    return job.requested_by_id is not None and db.session.scalar(
        select(User.scope_code).where(User.id == job.requested_by_id)) == scope


def _from_before_a_move(job: Job) -> bool:
    """Asked for before its requester moved to another scope (issue 15): the result holds
    the old scope's data, so neither they nor their new city's admin may take it."""
    return job.requested_by_id is not None and moved_since(job.requested_by_id,
                                                           job.created_at)


def can_see(user, job: Job) -> bool:
    if _from_before_a_move(job):
        return user.role == Role.ADMIN and getattr(user, "scope_code", None) is None
    return _admin_reaches(user, job) or (job.requested_by_id is not None
                                         and job.requested_by_id == user.id)


def load_for(user, job_id: int) -> Job:
    """The job, if ``user`` asked for it (or is an admin)."""
    job = db.session.get(Job, job_id)
    if job is None:
        raise NotFoundError("Pekerjaan tidak ditemukan.")
    if not can_see(user, job):
        # Another kabupaten/kota's job, or one's own from before a move: not found.
        if user.role == Role.ADMIN or job.requested_by_id == user.id:
            raise NotFoundError("Pekerjaan tidak ditemukan.")
        raise NotPermitted("Pekerjaan ini diajukan oleh pengguna lain.")
    return job


def list_for(user, *, page: int = 1, per_page: int = 25):
    stmt = select(Job).order_by(Job.id.desc())
    if user.role != Role.ADMIN:
        stmt = stmt.where(Job.requested_by_id == user.id)
    elif (scope := getattr(user, "scope_code", None)) is not None:
        stmt = stmt.where(or_(Job.requested_by_id == user.id, Job.requested_by_id.in_(
            select(User.id).where(User.scope_code == scope))))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


@use_case
def cancel(job_id: int, *, actor) -> bool:
    """Cancel: a queued job at once; a running one stops after its current unit of work
    (which stays done: each unit is whole). False if it had already finished."""
    job = load_for(actor, job_id)
    if job.finished:
        return False
    if job.cancel_requested_at is None:
        job.cancel_requested_at = utcnow()
    if job.status == QUEUED:
        job.status = CANCELLED
        job.finished_at = utcnow()
    audit.record("cancel", "job", job.id, user=actor,
                 summary=f"Pekerjaan #{job.id} dibatalkan ({registry.label(job.kind)})")
    return True


@use_case
def take_result(job_id: int, *, actor) -> tuple[bytes, str, str]:
    """The job's result file ``(bytes, name, mimetype)``, once the download is on record."""
    job = load_for(actor, job_id)
    job = db.session.get(Job, job.id, options=[undefer(Job.result_file)])
    if job.status != DONE or job.result_file is None:
        raise NotFoundError("Pekerjaan ini tidak menghasilkan berkas.")
    audit.record("download", "job", job.id, user=actor,
                 summary=f"Hasil pekerjaan #{job.id} diunduh ({job.result_name})")
    return job.result_file, job.result_name, job.result_mimetype


def status_of(job: Job) -> dict:
    """The small JSON the job page polls."""
    return {"id": job.id, "status": job.status, "label": job.status_label,
            "done": job.progress_done, "total": job.progress_total, "percent": job.percent,
            "finished": job.finished, "error": job.error,
            "has_file": job.status == DONE and job.result_name is not None,
            "report": job.result_report}


# --- what a worker does ---------------------------------------------------------------


@use_case
def claim(job_id: int) -> bool:
    """Take a queued job for this worker; False if another worker (or a cancel) was
    first. One conditional UPDATE, so two workers never both run it."""
    now = utcnow()
    taken = db.session.execute(
        update(Job).where(Job.id == job_id, Job.status == QUEUED)
        .values(status=RUNNING, started_at=now, heartbeat_at=now, attempts=Job.attempts + 1)
        .execution_options(synchronize_session=False)).rowcount
    return taken == 1


def next_queued() -> int | None:
    """The oldest queued job (a read; the caller ends it)."""
    return db.session.scalar(select(Job.id).where(Job.status == QUEUED)
                             .order_by(Job.id).limit(1))


def queued_ids_older_than(seconds: float) -> list[int]:
    limit = utcnow() - timedelta(seconds=seconds)
    return list(db.session.scalars(select(Job.id).where(Job.status == QUEUED,
                                                        Job.created_at < limit)))


@use_case
def record_progress(job_id: int, *, done: int | None = None, add: int = 0,
                    total: int | None = None) -> bool:
    """Progress and heartbeat; True if someone asked to cancel meanwhile."""
    job = db.session.get(Job, job_id, populate_existing=True)
    if total is not None:
        job.progress_total = total
        job.progress_done = 0
    if done is not None:
        job.progress_done = done
    job.progress_done += add
    job.heartbeat_at = utcnow()
    return job.cancel_requested_at is not None


def record_progress_aside(job_id: int, done: int, *, total: int | None = None) -> bool:
    """Progress from inside a long read (an export streaming its rows): on a connection of
    its own, since a unit of work on the session would end the read it streams from.
    True if someone asked to cancel meanwhile."""
    with db.engine.begin() as connection:
        values = {"progress_done": done, "heartbeat_at": utcnow()}
        if total is not None:
            values["progress_total"] = total
        connection.execute(update(Job).where(Job.id == job_id).values(**values))
        return connection.scalar(select(Job.cancel_requested_at)
                                 .where(Job.id == job_id)) is not None


@use_case
def finish(job_id: int, status: str, *, result: JobResult | None = None,
           error: str | None = None) -> None:
    job = db.session.get(Job, job_id, populate_existing=True)
    job.status = status
    job.finished_at = utcnow()
    if error:
        job.error = error[:MAX_ERROR]
    if result is not None:
        store_result(job, result)
    audit.record(status, "job", job.id,
                 summary=f"Pekerjaan #{job.id} {job.status_label.lower()}: "
                         f"{registry.label(job.kind)}")


def store_result(job: Job, result: JobResult) -> None:
    """The one place a job's result (report and file) is written: where result files are
    kept may change (a storage interface); every handler's result goes through here."""
    job.result_report = result.report
    if result.file is not None:
        job.result_file = result.file
        job.result_name = result.name
        job.result_mimetype = result.mimetype or "application/octet-stream"


@use_case
def checkpoint(job_id: int, report: dict) -> None:
    """What a handler's units have done so far, as its report. Called inside the unit
    that did it (it joins that unit of work), so the report and the work commit together:
    a worker killed after any commit leaves a report that says exactly what is stored."""
    job = db.session.get(Job, job_id, populate_existing=True)
    job.result_report = report
    job.heartbeat_at = utcnow()


@use_case
def put_back(job_id: int) -> None:
    """The worker was stopped in the middle (SIGTERM, Ctrl-C): the next one takes it up;
    the units already done stay, and the handler skips them (its steps are idempotent)."""
    db.session.execute(update(Job).where(Job.id == job_id, Job.status == RUNNING)
                       .values(status=QUEUED).execution_options(synchronize_session=False))


@use_case
def requeue_stale() -> list[int]:
    """Running jobs whose worker died (no heartbeat for ``JOB_STALE_SECONDS``) go back to
    the queue to resume, up to ``JOB_MAX_ATTEMPTS``; after that they fail with a reason."""
    config = current_app.config
    limit = utcnow() - timedelta(seconds=config["JOB_STALE_SECONDS"])
    requeued = []
    stale = db.session.scalars(select(Job).where(Job.status == RUNNING,
                                                 Job.heartbeat_at < limit).with_for_update())
    for job in stale:
        if job.cancel_requested_at is not None:
            job.status, job.finished_at = CANCELLED, utcnow()
        elif job.attempts >= config["JOB_MAX_ATTEMPTS"]:
            job.status, job.finished_at = FAILED, utcnow()
            job.error = (f"Pekerjaan terhenti {job.attempts} kali di tengah jalan (pekerja "
                         "mati). Bagian yang sudah selesai tetap tersimpan; ajukan lagi.")
        else:
            job.status = QUEUED
            requeued.append(job.id)
    return requeued


def requester(job: Job) -> User | None:
    return db.session.get(User, job.requested_by_id) if job.requested_by_id else None
