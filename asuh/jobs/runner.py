"""Running one job, whichever worker picked it: the RQ worker or the embedded one.

A handler does its work in units, each committed on its own (a batch of letters), and
reports after each through its ``JobContext``; each step is idempotent, so a job taken up
again after its worker died continues where the last whole unit ended. Nothing here
commits a handler's half-done unit: an exception rolls it back before the failure is
recorded.
"""

import logging
from datetime import date

from asuh.extensions import db
from asuh.jobs import registry, services
from asuh.jobs.models import CANCELLED, DONE, FAILED, Job
from asuh.jobs.services import JobCancelled, JobResult
from asuh.transactions import end_read

log = logging.getLogger("asuh.jobs")


class JobContext:
    """What a handler sees of its job: parameters, who asked, and the progress hooks."""

    def __init__(self, job: Job):
        self.job_id = job.id
        self.kind = job.kind
        self.params = dict(job.params or {})
        self.requested_by_id = job.requested_by_id
        self.attempt = job.attempts
        # What earlier attempts reported through ``checkpoint`` (a resumed job reads it).
        self.report = dict(job.result_report or {})

    def requested_by(self):
        from asuh.accounts.models import User

        return db.session.get(User, self.requested_by_id) if self.requested_by_id else None

    def set_total(self, total: int) -> None:
        self._report(total=total)

    def advance(self, count: int = 1) -> None:
        """After a whole unit of work is committed: count it, and stop here if cancelled."""
        self._report(add=count)

    def advance_aside(self, done: int, *, total: int | None = None) -> None:
        """``done`` so far, from inside a long read (see ``record_progress_aside``)."""
        if services.record_progress_aside(self.job_id, done, total=total):
            raise JobCancelled

    def _report(self, **progress) -> None:
        if services.record_progress(self.job_id, **progress):
            raise JobCancelled

    def checkpoint(self, report: dict) -> None:
        """Inside a handler's unit of work: the report of everything done so far,
        committed with that unit (see ``services.checkpoint``)."""
        services.checkpoint(self.job_id, report)

    def on(self) -> date | None:
        """The day the job was asked for (``params["on"]``): a job that runs after
        midnight still works for the day the officer meant."""
        value = self.params.get("on")
        return date.fromisoformat(value) if value else None


def run_job(job_id: int) -> str | None:
    """Claim and run one job; its final status, or None if another worker had it."""
    if not services.claim(job_id):
        return None
    job = db.session.get(Job, job_id, populate_existing=True)
    found = registry.handler(job.kind)
    context = JobContext(job)
    end_read()  # a read only: end it before the handler's long work
    # Job id and kind only: the parameters and any error message may name people.
    log.info("job %s (%s) started, attempt %s", job_id, context.kind, context.attempt)
    if found is None:
        services.finish(job_id, FAILED, error=f"Tidak ada penangan untuk {context.kind}.")
        return FAILED
    try:
        result = found.run(context, **context.params)
    except JobCancelled as stop:
        end_read()
        services.finish(job_id, CANCELLED, result=stop.result)
        log.info("job %s cancelled", job_id)
        return CANCELLED
    except (KeyboardInterrupt, SystemExit):
        # The worker is being stopped: leave the job for the next worker to resume.
        end_read()
        services.put_back(job_id)
        log.warning("job %s put back: worker stopping", job_id)
        raise
    except Exception as error:  # any failure is the job's, recorded for the officer
        end_read()
        log.exception("job %s (%s) failed: %s", job_id, context.kind, type(error).__name__)
        services.finish(job_id, FAILED, error=str(error) or type(error).__name__)
        return FAILED
    if result is not None and not isinstance(result, JobResult):
        result = JobResult(report=result)
    services.finish(job_id, DONE, result=result)
    log.info("job %s done", job_id)
    return DONE


def run_ticks() -> None:
    """The small periodic work (queued mail) every worker does between jobs."""
    for tick in registry.ticks():
        try:
            tick()
        except Exception:  # one failing tick must not stop the worker or the others
            end_read()
            log.exception("tick %s failed", getattr(tick, "__name__", tick))
