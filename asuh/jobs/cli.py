"""``flask --app app jobs work``: the worker (RQ when ASUH_REDIS_URL is set, else embedded)."""

import logging
import signal

import click
from flask.cli import AppGroup

jobs_cli = AppGroup("jobs", help="Background jobs.")


@jobs_cli.command("work")
@click.option("--burst", is_flag=True, help="Stop when no job is waiting (tests, cron).")
def work(burst: bool) -> None:
    """Run queued jobs and deliver queued mail until stopped (SIGTERM puts a running job
    back for the next worker). One or more per installation; they never run a job twice."""
    from asuh.jobs.backend import work as run

    # SIGTERM (systemd stop, a deploy) ends the worker through SystemExit, so the job it
    # was running is put back for the next worker instead of dying inside a transaction.
    signal.signal(signal.SIGTERM, _stop)

    # The app's logger prints through Flask's handler; say what each job and mail did.
    logging.getLogger("asuh").setLevel(logging.INFO)
    run(burst=burst)


def _stop(signum, frame):
    raise SystemExit(0)
