"""Background jobs with APScheduler, in exactly one process of the whole installation.

The scheduler runs inside the web server when SCHEDULER_ENABLED is on, or as its own
process with `flask scheduler run`. A lease row in the database lets one process run the
jobs — across gunicorn workers and across servers sharing the database; the holder renews
it every SCHEDULER_HEARTBEAT_SECONDS, and when it dies another process takes the lease
within SCHEDULER_LEASE_SECONDS. Whoever takes it first catches up on what was missed.
The job functions live next to the domain code they drive; the ledger (domain/jobs.py)
makes each job run once per date.
"""
from __future__ import annotations

import datetime as dt
import logging
import signal
import threading

from apscheduler.schedulers.background import BackgroundScheduler

import backup
from domain import billing_runs, dunning, interest, invoicing, jobs, notifications, sludge
from models.clock import HELSINKI, today
from models import db
from outbound import mail, push

log = logging.getLogger(__name__)


def _billing(day, config):
    runs = billing_runs.run_due(day, invoicing.BillingSettings.from_config(config))
    made = {f"{kind}_invoices": 0 for kind in ("water", "waste", "basic_fee")}
    for run in runs:
        made[f"{run.kind}_invoices"] += run.invoices
    return made


def _dunning(day, config):
    sent = dunning.run(day, dunning.DunningSettings.from_config(config))
    return {"first_reminders": sent["first"], "second_reminders": sent["second"]}


def _interest(day, config):
    made = interest.run_due(day, interest.InterestSettings.from_config(config))
    return {"not_due": 1} if made is None else {"interest_invoices": made}


def _pickup(day, _config):
    return {"pickup_reminders": notifications.pickup_reminders(day)}


def _reading(day, _config):
    return {"reading_reminders": notifications.reading_reminders(day)}


def _composting(day, _config):
    return {"renewal_reminders": notifications.compost_renewals(day)}


def _sludge(day, config):
    return sludge.daily(day, sludge.SludgeSettings.from_config(config))


def _backup(_day, config):
    if not config.get("BACKUP_ENABLED", True):
        return {"not_due": 1}
    backup.make_backup(db, config["INSTANCE_PATH"], config["BACKUP_DIR"], int(config.get("BACKUP_KEEP", 14)))
    return {"backups": 1}


def daily_jobs(config) -> list[jobs.Job]:
    hour, minute = (int(p) for p in str(config.get("PICKUP_REMINDER_TIME", "18:00")).split(":"))
    return [
        jobs.Job("billing", _billing, dt.time(6, 0), catch_up_days=7),
        jobs.Job("dunning", _dunning, dt.time(7, 0), catch_up_days=3),
        jobs.Job("late_interest", _interest, dt.time(8, 0), catch_up_days=10),
        jobs.Job("reading_reminders", _reading, dt.time(9, 0)),
        jobs.Job("compost_renewals", _composting, dt.time(9, 30)),
        jobs.Job("sludge", _sludge, dt.time(9, 45)),
        jobs.Job("backup", _backup, dt.time(*(int(p) for p in str(config.get("BACKUP_TIME", "02:30")).split(":")))),
        # A missed evening is not caught up the next morning: the bin was emptied already.
        jobs.Job("pickup_reminders", _pickup, dt.time(hour, minute)),
    ]


def send_outbox() -> None:
    sent, failed = mail.send_due()
    pushed, dropped = push.send_due()
    if sent or failed or pushed or dropped:
        log.info("outbox: %d mails sent, %d failed; %d pushes sent, %d dropped", sent, failed, pushed, dropped)


class Runner:
    """Holds the lease and, while holding it, a running APScheduler."""

    def __init__(self, app):
        self.app = app
        self.holder = jobs.holder_id()
        self.scheduler = None
        self.stopping = threading.Event()

    def _with_app(self, function, *args):
        with self.app.app_context(), db.connection_context():
            return function(*args)

    def run_daily(self, job):
        self._with_app(jobs.run_once, job, today(), self.app.config)

    def heartbeat(self) -> bool:
        """Take or renew the lease; start or stop the jobs to match. True while holding it."""
        cfg = self.app.config
        held = self._with_app(jobs.try_lease, self.holder, int(cfg["SCHEDULER_LEASE_SECONDS"]))
        if held and self.scheduler is None:
            self.start()
        elif not held and self.scheduler is not None:
            log.warning("scheduler lease lost; stopping the jobs here")
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
        return held

    def start(self):
        cfg = self.app.config
        scheduler = BackgroundScheduler(timezone=HELSINKI)
        scheduler.add_job(self._with_app, "interval", args=(send_outbox,), id="outbox", minutes=1,
                          coalesce=True, max_instances=1, next_run_time=dt.datetime.now(HELSINKI))
        scheduler.add_job(self._with_app, "interval", args=(jobs.run_queued, daily_jobs(cfg), cfg), id="queued",
                          seconds=20, coalesce=True, max_instances=1)
        for job in daily_jobs(cfg):
            scheduler.add_job(self.run_daily, "cron", args=(job,), id=job.id, hour=job.at.hour,
                              minute=job.at.minute, coalesce=True, max_instances=1, misfire_grace_time=3600)
        scheduler.start()
        self.scheduler = scheduler
        log.info("scheduler started in this process (%s)", self.holder)
        print(f"scheduler started {self.holder}", flush=True)  # noqa: T201 - for operators and tests
        self._with_app(jobs.catch_up, daily_jobs(cfg), cfg)

    def loop(self):
        every = float(self.app.config["SCHEDULER_HEARTBEAT_SECONDS"])
        try:
            while not self.stopping.is_set():
                try:
                    self.heartbeat()
                except Exception:  # noqa: BLE001 - a database hiccup must not end the loop
                    log.exception("scheduler heartbeat failed")
                self.stopping.wait(every)
        finally:
            # Stopped on purpose: hand the lease over now rather than when it expires.
            if self.scheduler is not None:
                self.scheduler.shutdown(wait=False)
            self._with_app(jobs.release_lease, self.holder)


def start_in_app(app) -> Runner:
    """SCHEDULER_ENABLED: every worker tries; the lease lets one of them run the jobs."""
    runner = Runner(app)
    threading.Thread(target=runner.loop, name="kotipiha-scheduler", daemon=True).start()
    return runner


def run_forever(app) -> None:
    """`flask scheduler run`: the jobs in this process until SIGTERM (systemd) or Ctrl-C."""
    runner = Runner(app)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: runner.stopping.set())
    runner.loop()
