"""Background jobs with APScheduler, in exactly one process.

The scheduler runs inside the web server when SCHEDULER_ENABLED is on, or as its own
process with `flask scheduler`. A lock file in the instance folder lets only one process
on the server run the jobs; the others keep trying, so when that process dies another
takes over within a minute.
"""
from __future__ import annotations

import fcntl
import logging
import threading
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from domain.clock import HELSINKI, now
from models import db

log = logging.getLogger(__name__)
LOCK_RETRY_SECONDS = 60
_lock_handle = None


def send_outbox() -> None:
    from domain.mail import send_due
    sent, failed = send_due()
    if sent or failed:
        log.info("outbox: sent %d, failed %d", sent, failed)


def run_billing() -> None:
    """Today's billing runs; repeating them bills nothing twice (unique billing keys)."""
    from flask import current_app
    from domain import billing_runs
    from domain.clock import today
    for run in billing_runs.run_due(today(), current_app.config):
        log.info("billing: %s run %d made %d invoices", run.kind, run.id, run.invoices)


def run_dunning() -> None:
    from flask import current_app
    from domain import dunning
    from domain.clock import today
    sent = dunning.run(today(), current_app.config)
    log.info("dunning: %d first and %d second reminders", sent["first"], sent["second"])


def run_late_interest() -> None:
    from flask import current_app
    from domain import interest
    from domain.clock import today
    log.info("late interest: %d invoices", interest.run(today(), current_app.config))


JOBS = {
    # id: (function, trigger, trigger arguments)
    "outbox": (send_outbox, "interval", {"minutes": 1}),
    "billing": (run_billing, "cron", {"hour": 6, "minute": 0}),
    "dunning": (run_dunning, "cron", {"hour": 7, "minute": 0}),
    # Twice a year, for the half-year that ended; repeating it bills nothing twice.
    "late_interest": (run_late_interest, "cron", {"month": "1,7", "day": 20, "hour": 8}),
}


def run_job(app, function) -> None:
    """Run one job with an app context and its own database connection."""
    with app.app_context(), db.connection_context():
        function()


def configure(scheduler, app):
    for job_id, (function, trigger, arguments) in JOBS.items():
        first = {"next_run_time": now()} if trigger == "interval" else {}
        scheduler.add_job(run_job, trigger, args=(app, function), id=job_id, replace_existing=True,
                          coalesce=True, max_instances=1, misfire_grace_time=3600, **first, **arguments)
    return scheduler


def acquire_lock(app) -> bool:
    """Hold the instance's scheduler lock for the life of this process, if it is free."""
    global _lock_handle
    if _lock_handle is not None:
        return True
    handle = open(Path(app.instance_path) / "scheduler.lock", "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return False
    _lock_handle = handle
    return True


def start_in_app(app) -> None:
    """Start the jobs in this process now, or as soon as the lock becomes free."""
    def attempt():
        if acquire_lock(app):
            configure(BackgroundScheduler(timezone=HELSINKI), app).start()
            log.info("scheduler started in this process")
        else:
            timer = threading.Timer(LOCK_RETRY_SECONDS, attempt)
            timer.daemon = True
            timer.start()
    attempt()


def run_forever(app) -> None:
    """`flask scheduler`: wait for the lock, then run the jobs until stopped."""
    import time
    while not acquire_lock(app):
        log.info("another process runs the scheduler; waiting")
        time.sleep(LOCK_RETRY_SECONDS)
    configure(BlockingScheduler(timezone=HELSINKI), app).start()
