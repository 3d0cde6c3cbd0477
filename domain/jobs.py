"""Background jobs: what runs when, a ledger so each period runs once, and a lease so one
process in the whole installation runs them.

Every daily job has a time of day (Europe/Helsinki) and runs once per date: the ledger
(`JobRun`, unique per job and date) records its start, end, result or error. On start-up
the scheduler catches up: a daily job whose time has passed today without a run is run
once, and jobs that must not skip a day (billing, dunning) also run for the days the
server was down, at most `catch_up_days` back — once per missed date, never once per
missed tick.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass
from typing import Callable

from peewee import IntegrityError

from domain.settings import in_force
from models.clock import HELSINKI, now, utcnow
from models import AuditLog, JobRun, SchedulerLease, db
from models.scheduling import alive_until

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 15


class Heartbeat:
    """Renews `model` row `row_id`'s alive_until from a thread while the work runs, so the
    staff pages can tell a run that is working from one whose process died."""

    def __init__(self, model, row_id: int, seconds: float = HEARTBEAT_SECONDS):
        self.model, self.row_id, self.seconds = model, row_id, seconds
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, daemon=True)

    def _beat(self) -> None:
        while not self.stopped.wait(self.seconds):
            try:
                with db.connection_context():
                    self.model.update(alive_until=alive_until()).where(
                        self.model.id == self.row_id).execute()
            except Exception:  # noqa: BLE001 - a missed beat only makes the run look stale sooner
                log.warning("heartbeat of %s %s failed", self.model.__name__, self.row_id)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()


@dataclass(frozen=True)
class Job:
    id: str
    function: Callable  # function(day, config) -> what it did: {"first_reminders": 3, …}
    at: dt.time  # time of day in Helsinki
    catch_up_days: int = 0  # how many days back a missed run is still made

    def due_days(self, moment: dt.datetime) -> list[dt.date]:
        """The dates whose run time has passed, newest last, within the catch-up window."""
        today = moment.date()
        days = [today - dt.timedelta(days=n) for n in range(self.catch_up_days, 0, -1)]
        if moment.time() >= self.at:
            days.append(today)
        return days

    def next_run(self, moment: dt.datetime) -> dt.datetime:
        candidate = dt.datetime.combine(moment.date(), self.at, tzinfo=HELSINKI)
        return candidate if candidate > moment else candidate + dt.timedelta(days=1)


def run_once(job: Job, day: dt.date, config) -> JobRun | None:
    """Run the job for `day` unless the ledger shows it done (or running) already."""
    key = day.isoformat()
    try:
        with db.atomic():
            run = JobRun.create(job=job.id, period_key=key, alive_until=alive_until())
    except IntegrityError:
        run = JobRun.get((JobRun.job == job.id) & (JobRun.period_key == key))
        retry = run.status in ("failed", "queued") or run.shown_status == "interrupted"
        if not retry:
            return None
        claimed = (JobRun.update(status="running", started_at=utcnow(), error=None, alive_until=alive_until())
                   .where((JobRun.id == run.id) & (JobRun.status == run.status) &
                          (JobRun.started_at == run.started_at)).execute())
        if not claimed:
            return None
    try:
        with Heartbeat(JobRun, run.id):
            result = job.function(day, in_force(config))  # with the admin pages' settings
    except Exception as error:  # noqa: BLE001 - recorded in the ledger and shown to staff
        log.exception("job %s for %s failed", job.id, key)
        JobRun.update(status="failed", finished_at=utcnow(), error=f"{type(error).__name__}: {error}"[:2000]
                      ).where(JobRun.id == run.id).execute()
    else:
        JobRun.update(status="done", finished_at=utcnow(), result=json.dumps(result or {})).where(
            JobRun.id == run.id).execute()
    return JobRun.get_by_id(run.id)


def queue_run(job_id: str, day: dt.date, staff, *, ip: str | None = None) -> bool:
    """"Run now" from the staff page: the run is queued for the scheduler (never run in
    the web request). False when the day's run is done, running or queued already."""
    key = day.isoformat()
    with db.atomic():
        run = JobRun.get_or_none((JobRun.job == job_id) & (JobRun.period_key == key))
        if run is None:
            JobRun.create(job=job_id, period_key=key, status="queued", alive_until=None)
        elif run.status == "failed" or run.shown_status == "interrupted":
            JobRun.update(status="queued", error=None).where(JobRun.id == run.id).execute()
        else:
            return False
        AuditLog.record(staff, "job_run_now", None, after={"job": job_id, "day": day}, ip=ip)
    return True


def run_queued(jobs, config) -> list[JobRun]:
    """What staff queued: run by the scheduler's minute tick."""
    by_id = {job.id: job for job in jobs}
    made = []
    for queued in JobRun.select().where(JobRun.status == "queued").order_by(JobRun.started_at):
        job = by_id.get(queued.job)
        if job is not None:
            run = run_once(job, dt.date.fromisoformat(queued.period_key), config)
            if run is not None:
                made.append(run)
    return made


def catch_up(jobs, config, moment: dt.datetime | None = None) -> list[JobRun]:
    moment = moment or now()
    made = []
    for job in jobs:
        for day in job.due_days(moment):
            run = run_once(job, day, config)
            if run is not None:
                made.append(run)
    return made


# -- the lease ------------------------------------------------------------------------------

def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def try_lease(holder: str, seconds: int, name: str = "scheduler") -> bool:
    """Take or renew the lease; False while another live process holds it."""
    moment = utcnow()
    expires = moment + dt.timedelta(seconds=seconds)
    with db.atomic():
        renewed = (SchedulerLease.update(holder=holder, expires_at=expires)
                   .where((SchedulerLease.name == name) &
                          ((SchedulerLease.holder == holder) | (SchedulerLease.expires_at < moment)))
                   .execute())
        if renewed:
            return True
    try:
        with db.atomic():
            SchedulerLease.create(name=name, holder=holder, expires_at=expires)
        return True
    except IntegrityError:
        return False


def release_lease(holder: str, name: str = "scheduler") -> None:
    SchedulerLease.delete().where((SchedulerLease.name == name) & (SchedulerLease.holder == holder)).execute()
