"""Where queued jobs wait: Redis (RQ) when ``ASUH_REDIS_URL`` is set, else the database.

With Redis, several worker machines share one queue. Without it the embedded worker
(``flask jobs work``, started by ``make run`` beside the server) polls the jobs table; it
is a process of its own rather than a thread or subprocess of the web server because
gunicorn recycles and multiplies its workers: a runner living inside them would die with
a recycled worker and run once per worker. Either way the jobs table is the truth: the
queue is only told a job's id after the row committed, and a worker claims the row
before running it, so an id queued twice still runs once.
"""

import logging
import time

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from asuh.extensions import db
from asuh.jobs import runner, services
from asuh.transactions import end_read

log = logging.getLogger("asuh.jobs")
QUEUE_NAME = "asuh"
# Looking for orphaned jobs is a write (it locks their rows): at start, then this often,
# not on every poll, so an idle worker does not take SQLite's write lock every second.
SWEEP_SECONDS = 30


def redis_url(app: Flask | None = None) -> str | None:
    return (app or current_app).config.get("REDIS_URL") or None


def install(app: Flask) -> None:
    """Tell Redis about jobs once their rows are committed (only when Redis is used)."""
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_rollback)


def _after_commit(session) -> None:
    ids = session.info.pop(services.ENQUEUE_KEY, None)
    if not ids:
        return
    try:
        url = redis_url()
    except RuntimeError:  # no app context: nobody to tell
        return
    if url is None:
        return
    try:
        for job_id in ids:
            enqueue(job_id)
    except Exception:  # Redis down: the row is queued; the next worker sweep enqueues it
        log.exception("could not enqueue jobs %s; a worker will pick them up", ids)


def _after_rollback(session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(services.ENQUEUE_KEY, None)


def _queue():
    from redis import Redis
    from rq import Queue

    connection = Redis.from_url(redis_url())
    return Queue(QUEUE_NAME, connection=connection,
                 default_timeout=current_app.config["JOB_TIMEOUT_SECONDS"])


def enqueue(job_id: int) -> None:
    _queue().enqueue("asuh.jobs.backend.run_from_rq", job_id,
                     job_id=f"asuh-job-{job_id}-{time.monotonic_ns()}",
                     result_ttl=3600, failure_ttl=86400)


def run_from_rq(job_id: int) -> str | None:
    """What the RQ work horse runs. It is forked from ``flask jobs work`` with the app
    context pushed; the database connections it inherited belong to the parent."""
    db.engine.dispose(close=False)
    return runner.run_job(job_id)


def work(*, burst: bool = False, poll: float | None = None) -> None:
    """The worker loop of ``flask jobs work`` (inside an app context)."""
    poll = current_app.config["JOB_POLL_SECONDS"] if poll is None else poll
    if redis_url():
        _work_rq(burst=burst, poll=poll)
    else:
        _work_embedded(burst=burst, poll=poll)


class _Sweeper:
    def __init__(self):
        self.last = None

    def __call__(self) -> list[int]:
        now = time.monotonic()
        if self.last is not None and now - self.last < SWEEP_SECONDS:
            return []
        self.last = now
        return _sweep()


def _sweep() -> list[int]:
    requeued = services.requeue_stale()
    if requeued:
        log.warning("jobs %s taken up again: their worker stopped mid-way", requeued)
    return requeued


def _work_embedded(*, burst: bool, poll: float) -> None:
    log.info("embedded job worker started (no ASUH_REDIS_URL): polling the database")
    sweep = _Sweeper()
    while True:
        sweep()
        runner.run_ticks()
        job_id = services.next_queued()
        end_read()
        if job_id is not None:
            runner.run_job(job_id)
            continue
        if burst:
            return
        time.sleep(poll)


def _work_rq(*, burst: bool, poll: float) -> None:
    from rq import Worker

    queue = _queue()
    worker = Worker([queue], connection=queue.connection)
    log.info("RQ job worker started on queue %r", QUEUE_NAME)
    sweep = _Sweeper()
    while True:
        # Rows still queued (Redis was down at submit, or a dead worker's job put back)
        # are handed to the queue again; claiming keeps a duplicate from running twice.
        sweep()
        for job_id in services.queued_ids_older_than(current_app.config["JOB_POLL_SECONDS"]
                                                     * 5):
            enqueue(job_id)
        end_read()
        runner.run_ticks()
        worker.work(burst=True, logging_level="WARNING")
        if burst and not queue.count:
            return
        time.sleep(poll)
