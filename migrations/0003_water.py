"""Water self-service: billing calendars, water feedback, who reported a reading and why it waits."""


def upgrade(m):
    m.sql("""
CREATE TABLE billing_calendar (
    id {pk},
    billing_group VARCHAR(255) NOT NULL,
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    report_by DATE NOT NULL,
    billing_date DATE NOT NULL,
    due_date DATE NOT NULL
);
CREATE UNIQUE INDEX billing_calendar_group_period ON billing_calendar (billing_group, period_start);

CREATE TABLE water_feedback (
    id {pk},
    point_id INTEGER NOT NULL REFERENCES consumption_point (id) ON DELETE CASCADE,
    user_id INTEGER REFERENCES "user" (id) ON DELETE SET NULL,
    message TEXT NOT NULL,
    email VARCHAR(255),
    created_at {ts} NOT NULL,
    handled_at {ts}
);
CREATE INDEX water_feedback_point_id ON water_feedback (point_id);

ALTER TABLE reading ADD COLUMN reported_by_id INTEGER REFERENCES "user" (id) ON DELETE SET NULL;
ALTER TABLE reading ADD COLUMN review_reason VARCHAR(255);
CREATE INDEX reading_status ON reading (status);
""")
