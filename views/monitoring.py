"""Running it: one log line per request, `/healthz` for monitoring and `/metrics` for
Prometheus.

- Every request gets an id: the proxy's `X-Request-ID` when it is a plain token, else a new
  one; the response carries it back and the log line names it, with the user's id (never a
  name or an address), the endpoint, the status and the duration. `LOG_FORMAT=json` writes
  each log record as one JSON object.
- `/healthz` answers 200 while the database answers (503 when it does not); `status` is
  "degraded" when the scheduler lease, the outbox or the last backup is late. Anyone gets
  the status alone; the details (schema version, lease, outbox counts, backup times) go to
  logged-in staff, and the same facts are gauges of `/metrics`.
- `/metrics` (from METRICS_ALLOW addresses only): requests and their durations per
  endpoint, job runs by result, and the queues (outbox, push, what waits for staff). Under
  gunicorn every worker's counters are added up (PROMETHEUS_MULTIPROC_DIR, set by
  deploy/gunicorn.conf.py).
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import time
import uuid

from flask import Blueprint, abort, current_app, g, jsonify, request
from flask_login import current_user
from peewee import fn
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from domain import backups
from models import (JobRun, JoinApplication, Outbox, PushMessage, Reading, SchedulerLease, SupportThread,
                    WasteOrder, db)
from models.clock import utcnow

bp = Blueprint("monitoring", __name__)
log = logging.getLogger("kotipiha.request")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
OUTBOX_LATE_MINUTES = 30
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
BACKUP_LATE_HOURS = 36

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
REGISTRY = CollectorRegistry()  # this process's counters (in a folder under gunicorn)
REQUESTS = Counter("kotipiha_requests_total", "HTTP requests answered", ["endpoint", "method", "status"],
                   registry=REGISTRY)
DURATION = Histogram("kotipiha_request_duration_seconds", "Time to answer a request", ["endpoint"],
                     buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10), registry=REGISTRY)


# -- one line per request ---------------------------------------------------------------

@bp.record_once
def _first(state):
    """The clock starts before every other hook (the staff idle check may answer early)."""
    state.app.before_request_funcs.setdefault(None, []).insert(0, _start)


def _start():
    g.request_started = time.perf_counter()
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex


@bp.after_app_request
def _finish(response):
    started = g.pop("request_started", None)
    if started is None:
        return response
    method = request.method if request.method in KNOWN_METHODS else "other"  # bounded label values
    seconds = time.perf_counter() - started
    endpoint = request.endpoint or "unknown"  # never the raw path: ids would make endless labels
    response.headers["X-Request-ID"] = g.request_id
    REQUESTS.labels(endpoint, method, str(response.status_code)).inc()
    DURATION.labels(endpoint).observe(seconds)
    user = current_user.get_id().split(".")[0] if current_user and current_user.is_authenticated else None
    log.info("%s %s %s %.1f ms", request.method, request.path, response.status_code, seconds * 1000,
             extra={"request_id": g.request_id, "user_id": int(user) if user else None, "endpoint": endpoint,
                    "method": request.method, "path": request.path, "status": response.status_code,
                    "duration_ms": round(seconds * 1000, 1)})
    return response


REQUEST_FIELDS = ("request_id", "user_id", "endpoint", "method", "path", "status", "duration_ms")


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON (LOG_FORMAT=json), with a request's fields."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
                "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        line.update({k: getattr(record, k) for k in REQUEST_FIELDS if hasattr(record, k)})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """Plain lines; a request's line ends with its id and user."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        if hasattr(record, "request_id"):
            text += f" request_id={record.request_id} user_id={record.user_id if record.user_id else '-'}"
        return text


def configure_logging(log_format: str) -> None:
    """The root logger's one handler to standard error, in text or JSON."""
    root = logging.getLogger()
    handler = root.handlers[0] if root.handlers else logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    if not root.handlers:
        root.addHandler(handler)
    root.setLevel(logging.INFO)


# -- /healthz -------------------------------------------------------------------------------

@bp.route("/healthz")
def health():
    """For monitoring and load balancers; 503 only when the database does not answer."""
    cfg = current_app.config
    now = utcnow()
    report = {"status": "ok"}
    try:
        db.connect(reuse_if_open=True)
        version = db.execute_sql("SELECT MAX(version) FROM schema_version").fetchone()[0]
        report["database"] = {"ok": True, "schema_version": version,
                              "code_version": current_app.config["CODE_SCHEMA_VERSION"]}
    except Exception as error:  # noqa: BLE001 — any failure to answer is the answer
        report.update(status="fail", database={"ok": False, "error": type(error).__name__})
        return jsonify(report), 503
    late = []
    lease = SchedulerLease.get_or_none(SchedulerLease.name == "scheduler")
    report["scheduler"] = {"enabled": bool(cfg["SCHEDULER_ENABLED"]) or lease is not None,
                           "lease_alive": bool(lease and lease.expires_at > now),
                           "lease_expires_at": _iso(lease.expires_at) if lease else None}
    if lease is not None and not report["scheduler"]["lease_alive"]:
        late.append("scheduler")
    oldest = _as_datetime(Outbox.unsent().select(fn.MIN(Outbox.created_at)).scalar())
    report["outbox"] = {"pending": Outbox.unsent().count(), "failed": Outbox.failed().count(),
                        "oldest_pending_minutes": round((now - oldest).total_seconds() / 60) if oldest else None}
    if oldest and now - oldest > dt.timedelta(minutes=OUTBOX_LATE_MINUTES):
        late.append("outbox")
    try:
        last = backups.latest(cfg["BACKUP_DIR"])
    except (OSError, ValueError, KeyError):
        last = None
    report["backup"] = {"enabled": bool(cfg["BACKUP_ENABLED"]),
                        "last_at": _iso(last["created_at"]) if last else None,
                        "age_hours": round((now - last["created_at"]).total_seconds() / 3600, 1) if last else None}
    if cfg["BACKUP_ENABLED"] and (last is None or now - last["created_at"] > dt.timedelta(hours=BACKUP_LATE_HOURS)):
        late.append("backup")
    if late:
        report.update(status="degraded", late=late)
    if not (current_user.is_authenticated and current_user.is_staff):
        report = {"status": report["status"]}  # the world learns nothing it could use
    response = jsonify(report)
    response.headers["Cache-Control"] = "no-store"
    return response


def _iso(value: dt.datetime) -> str:
    return value.replace(tzinfo=dt.timezone.utc).isoformat(timespec="seconds")


def _as_datetime(value):
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


# -- /metrics -------------------------------------------------------------------------------

class QueueCollector:
    """What the database says at the moment of the scrape: job runs and queues."""

    def collect(self):
        jobs = GaugeMetricFamily("kotipiha_job_runs", "Job runs by job and result", labels=["job", "status"])
        for job, status, count in (JobRun.select(JobRun.job, JobRun.status, fn.COUNT(JobRun.id))
                                   .group_by(JobRun.job, JobRun.status).tuples()):
            jobs.add_metric([job, status], count)
        yield jobs
        last = GaugeMetricFamily("kotipiha_job_last_success_timestamp_seconds",
                                 "When each job last finished well", labels=["job"])
        for job, finished in (JobRun.select(JobRun.job, fn.MAX(JobRun.finished_at))
                              .where(JobRun.status == "done").group_by(JobRun.job).tuples()):
            if finished:
                last.add_metric([job], _as_datetime(finished).replace(tzinfo=dt.timezone.utc).timestamp())
        yield last
        queues = GaugeMetricFamily("kotipiha_queue_depth", "Items waiting, by queue", labels=["queue"])
        for name, query in (
                ("outbox_pending", Outbox.unsent()),
                ("outbox_failed", Outbox.failed()),
                ("push_pending", PushMessage.select().where(PushMessage.status == "pending")),
                ("waste_orders_pending", WasteOrder.select().where(WasteOrder.status == "pending")),
                ("readings_flagged", Reading.select().where(Reading.status == "flagged")),
                ("support_threads_open", SupportThread.select().where(SupportThread.status == "open")),
                ("join_applications_pending", JoinApplication.select().where(JoinApplication.status == "pending"))):
            queues.add_metric([name], query.count())
        yield queues
        # What /healthz tells staff only.
        yield GaugeMetricFamily("kotipiha_schema_version", "The database's schema version",
                                value=db.execute_sql("SELECT MAX(version) FROM schema_version").fetchone()[0] or 0)
        lease = SchedulerLease.get_or_none(SchedulerLease.name == "scheduler")
        yield GaugeMetricFamily("kotipiha_scheduler_lease_alive", "1 while a scheduler holds its lease",
                                value=int(bool(lease and lease.expires_at > utcnow())))
        try:
            last = backups.latest(current_app.config["BACKUP_DIR"])
        except (OSError, ValueError, KeyError):
            last = None
        newest = GaugeMetricFamily("kotipiha_backup_last_timestamp_seconds", "When the last backup was made")
        if last:
            newest.add_metric([], last["created_at"].replace(tzinfo=dt.timezone.utc).timestamp())
        yield newest


@bp.route("/metrics")
def metrics():
    allowed = {a.strip() for a in str(current_app.config["METRICS_ALLOW"]).split(",") if a.strip()}
    if "*" not in allowed and request.remote_addr not in allowed:
        abort(404)
    registry = CollectorRegistry()
    if MULTIPROCESS:
        from prometheus_client import multiprocess
        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in (REQUESTS, DURATION):
            registry.register(collector)
    registry.register(QueueCollector())
    response = current_app.response_class(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST.split(";")[0])
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    response.headers["Cache-Control"] = "no-store"
    return response
