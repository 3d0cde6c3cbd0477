"""The scheduler: a ledger of job runs, a lease so one process runs the jobs, notification
preferences and a log that makes each reminder go out once."""


def upgrade(m):
    m.sql("""
CREATE TABLE job_run (
    id {pk},
    job VARCHAR(255) NOT NULL,
    period_key VARCHAR(255) NOT NULL,
    started_at {ts} NOT NULL,
    finished_at {ts},
    status VARCHAR(255) NOT NULL,
    result TEXT,
    error TEXT
);
CREATE UNIQUE INDEX job_run_job_period_key ON job_run (job, period_key);
CREATE INDEX job_run_started_at ON job_run (started_at);

CREATE TABLE scheduler_lease (
    name VARCHAR(255) NOT NULL PRIMARY KEY,
    holder VARCHAR(255) NOT NULL,
    expires_at {ts} NOT NULL
);

CREATE TABLE notification_pref (
    id {pk},
    user_id INTEGER NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
    kind VARCHAR(255) NOT NULL,
    channel VARCHAR(255) NOT NULL,
    enabled {bool} NOT NULL
);
CREATE UNIQUE INDEX notification_pref_user_kind_channel ON notification_pref (user_id, kind, channel);

CREATE TABLE notification_log (
    id {pk},
    key VARCHAR(255) NOT NULL,
    created_at {ts} NOT NULL
);
CREATE UNIQUE INDEX notification_log_key ON notification_log (key);

ALTER TABLE outbox ADD COLUMN list_unsubscribe VARCHAR(255);
""")
