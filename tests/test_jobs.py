"""The scheduler with an injected clock: each job at its time, once per date, caught up."""
import datetime as dt
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import scheduler
from domain import jobs, notifications, price_list
from models import CompostNotice, JobRun, NotificationPref, Outbox, PriceListRow, Property, WasteContract
from models.clock import HELSINKI, set_clock
from models.scheduling import ALIVE_FOR
from tests import factories
from tests.conftest import POSTGRES_URL, make_app

ROOT = Path(__file__).resolve().parent.parent


def at(day, hour, minute=0, second=0):
    moment = dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=HELSINKI)
    set_clock(moment)
    return moment


@pytest.fixture
def resident_with_bin(ctx):
    PriceListRow.insert_many(price_list.price_rows()).execute()
    user = factories.resident()
    contract = WasteContract.get(WasteContract.property == Property.get(Property.customer == user.customer))
    notifications.set_preference(user, "pickup", True)
    return user, contract


def test_daily_jobs_run_at_their_time_and_once_per_date(ctx):
    day = dt.date(2026, 11, 24)
    moment = at(day, 5, 59)
    assert [r.job for r in jobs.catch_up(scheduler.daily_jobs(ctx.config), ctx.config, moment)
            if r.period_key == day.isoformat()] == ["backup"]  # the nightly backup, at 2.30
    moment = at(day, 10, 0)
    runs = jobs.catch_up(scheduler.daily_jobs(ctx.config), ctx.config, moment)
    today = {r.job for r in runs if r.period_key == day.isoformat()}
    assert today == {"billing", "dunning", "late_interest", "reading_reminders", "compost_renewals", "sludge"}
    billed = JobRun.select().where(JobRun.job == "billing").count()
    assert billed == 8  # today and the seven days before (caught up at 5.59): each date once
    assert jobs.catch_up(scheduler.daily_jobs(ctx.config), ctx.config, moment) == []
    assert all(r.status == "done" for r in JobRun.select())


def test_a_failed_run_is_recorded_and_retried(ctx):
    calls = []

    def flaky(day, settings):
        calls.append(day)
        if len(calls) == 1:
            raise RuntimeError("database was away")
        return "ok"

    job = jobs.Job("flaky", flaky, dt.time(1, 0))
    first = jobs.run_once(job, dt.date(2026, 11, 24), ctx.config)
    assert first.status == "failed" and "database was away" in first.error
    second = jobs.run_once(job, dt.date(2026, 11, 24), ctx.config)
    assert second.status == "done" and jobs.run_once(job, dt.date(2026, 11, 24), ctx.config) is None


def test_a_server_down_over_the_reminder_time_sends_the_reminder_once(resident_with_bin, ctx):
    user, contract = resident_with_bin
    # The contract empties on Wednesdays every second week from 3.1.2022: 2.12.2026 is one.
    evening = dt.date(2026, 12, 1)
    pickup = [j for j in scheduler.daily_jobs(ctx.config) if j.id == "pickup_reminders"]
    assert jobs.catch_up(pickup, ctx.config, at(evening, 17, 0)) == []  # before 18.00: nothing
    # The server was down at 18.00 and starts again at 19.30.
    [run] = jobs.catch_up(pickup, ctx.config, at(evening, 19, 30))
    assert run.outcome == {"pickup_reminders": 1}
    assert jobs.catch_up(pickup, ctx.config, at(evening, 21, 0)) == []
    # Even running the job function again sends nothing twice.
    assert notifications.pickup_reminders(evening) == 0
    [mail] = Outbox.select().where(Outbox.kind == "pickup")
    assert mail.recipient == user.email and "2.12.2026" in mail.body_text
    # The next morning the missed evening is not caught up: the bin was emptied already.
    assert jobs.catch_up(pickup, ctx.config, at(evening + dt.timedelta(days=1), 10, 0)) == []


def test_residents_who_did_not_ask_get_no_pickup_reminder(resident_with_bin, ctx):
    user, contract = resident_with_bin
    notifications.set_preference(user, "pickup", False)
    assert notifications.pickup_reminders(dt.date(2026, 12, 1)) == 0


def test_the_unsubscribe_link_turns_off_that_kind_only_for_that_user(resident_with_bin, client, ctx):
    user, contract = resident_with_bin
    other = factories.resident()
    notifications.set_preference(other, "pickup", True)
    notifications.pickup_reminders(dt.date(2026, 12, 1))
    mail = Outbox.get(Outbox.recipient == user.email)
    assert mail.list_unsubscribe and mail.list_unsubscribe in mail.body_text
    path = re.sub(r"^https?://[^/]+", "", mail.list_unsubscribe)
    assert client.get(path).status_code == 200
    assert NotificationPref.wants(user, "pickup")  # a GET (a link preview) changes nothing
    assert client.post(path).status_code == 200  # one click, no login, no CSRF token
    assert not NotificationPref.wants(user, "pickup")
    assert NotificationPref.wants(user, "reading") and NotificationPref.wants(other, "pickup")
    assert client.post(path[:-3] + "xyz").status_code == 404  # a forged token


def test_list_unsubscribe_headers_on_the_sent_message(resident_with_bin, ctx):
    from outbound import mail
    notifications.pickup_reminders(dt.date(2026, 12, 1))
    message = mail.build_message(Outbox.get(), "noreply@example.fi")
    assert message["List-Unsubscribe"].startswith("<http") and message["List-Unsubscribe-Post"]


def test_composting_renewal_reminders_at_60_and_14_days(ctx):
    user = factories.resident()
    prop = Property.get(Property.customer == user.customer)
    CompostNotice.create(
        property=prop, user=user, first_name="A", last_name="B", street="C", postal_code="45100",
        post_office="K", phone="1", email=user.email, building_type="detached", occupancy="permanent",
        persons=2, composter_type="bokashi", volume_l=50, composted="x", confirm_disuse=True,
        confirm_correct=True, notified_on=dt.date(2022, 1, 30), valid_until=dt.date(2027, 1, 29), request_key="n")
    assert notifications.compost_renewals(dt.date(2026, 11, 30)) == 1  # 60 days
    assert notifications.compost_renewals(dt.date(2026, 11, 30)) == 0
    assert notifications.compost_renewals(dt.date(2027, 1, 15)) == 1  # 14 days
    assert Outbox.select().where(Outbox.kind == "composting").count() == 2


def test_the_lease_lets_one_holder_at_a_time_and_passes_on_when_it_expires(ctx):
    start = at(dt.date(2026, 11, 24), 12, 0)
    assert jobs.try_lease("a", 60) and not jobs.try_lease("b", 60)
    assert jobs.try_lease("a", 60)  # renewal
    set_clock(start + dt.timedelta(seconds=61))
    assert jobs.try_lease("b", 60) and not jobs.try_lease("a", 60)


@pytest.mark.skipif(bool(POSTGRES_URL), reason="uses a SQLite file")
def test_two_processes_one_runs_the_jobs_and_the_other_takes_over(tmp_path):
    database = tmp_path / "jobs.sqlite3"
    make_app(tmp_path, DATABASE_URL=f"sqlite:///{database}")
    env = {**os.environ, "FLASK_APP": "app:create_app", "DATABASE_URL": f"sqlite:///{database}",
           "SECRET_KEY": "test", "KOTIPIHA_INSTANCE": str(tmp_path / "instance"),
           "SCHEDULER_LEASE_SECONDS": "3", "SCHEDULER_HEARTBEAT_SECONDS": "0.5", "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "flask", "scheduler", "run"]
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    procs = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT)
             for log in logs]
    try:
        started = lambda: [i for i, log in enumerate(logs) if "scheduler started" in log.read_text()]  # noqa: E731
        deadline = time.monotonic() + 20
        while not started() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(2)  # long enough for the other to have started too, were the lease broken
        assert len(started()) == 1, [log.read_text() for log in logs]
        holder = started()[0]
        procs[holder].send_signal(signal.SIGKILL)
        procs[holder].wait()
        other = 1 - holder
        deadline = time.monotonic() + 20
        while other not in started() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert other in started(), logs[other].read_text()
        # Stopped on purpose, the holder gives the lease back at once.
        procs[other].send_signal(signal.SIGTERM)
        assert procs[other].wait(10) == 0
        from models import SchedulerLease, db
        from playhouse.db_url import connect
        db.initialize(connect(f"sqlite:///{database}"))
        assert SchedulerLease.select().count() == 0
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()


def test_a_run_whose_process_died_shows_as_interrupted_within_a_minute_and_is_run_again(ctx, client):
    from models.clock import utcnow
    from models import BillingRun
    from tests.conftest import login
    at(dt.date(2026, 11, 24), 10, 0)
    # What a killed process leaves: "running", its heartbeat stopped a moment ago.
    JobRun.create(job="dunning", period_key="2026-11-24", status="running", started_at=utcnow(),
                  alive_until=utcnow() + ALIVE_FOR)
    BillingRun.create(kind="water", billing_date=dt.date(2026, 11, 24), alive_until=utcnow() + ALIVE_FOR)
    assert JobRun.get().shown_status == "running"
    at(dt.date(2026, 11, 24), 10, 1, 5)  # 65 seconds later: no heartbeat came
    assert JobRun.get().shown_status == "interrupted" and BillingRun.get().shown_status == "interrupted"
    login(client, factories.staff().username)
    assert "keskeytyi" in client.get("/staff/jobs").get_data(as_text=True)
    assert "keskeytyi" in client.get("/staff/billing").get_data(as_text=True)
    dunning = [j for j in scheduler.daily_jobs(ctx.config) if j.id == "dunning"][0]
    rerun = jobs.run_once(dunning, dt.date(2026, 11, 24), ctx.config)
    assert rerun is not None and rerun.status == "done"


def test_run_now_queues_the_job_for_the_scheduler_instead_of_running_it_in_the_request(app, client):
    from tests.conftest import login, post_form
    at(dt.date(2026, 11, 24), 10, 0)
    login(client, factories.staff().username)
    response = post_form(client, "/staff/jobs", {"job": "dunning"}, page="/staff/jobs")
    assert response.status_code == 303
    run = JobRun.get(JobRun.job == "dunning")
    assert run.status == "queued" and run.finished_at is None  # nothing ran inside the request
    assert "jonossa" in client.get("/staff/jobs").get_data(as_text=True)
    assert post_form(client, "/staff/jobs", {"job": "dunning"}, page="/staff/jobs").status_code == 303
    assert JobRun.select().where(JobRun.job == "dunning").count() == 1  # queued once
    with app.app_context():
        [done] = jobs.run_queued(scheduler.daily_jobs(app.config), app.config)
        assert done.job == "dunning" and done.status == "done"
        assert jobs.run_queued(scheduler.daily_jobs(app.config), app.config) == []
    # What the run did is shown in the staff's language, not as an English sentence.
    page = client.get("/staff/jobs").get_data(as_text=True)
    assert "Ensimmäiset maksumuistutukset: 0 · Toiset maksumuistutukset: 0" in page
    assert "first" not in page and "second reminders" not in page
