"""A support reply is made once however often its form is sent (a request key per form);
job and billing runs keep a heartbeat, so a run whose process died shows as interrupted
within seconds."""


def upgrade(m):
    m.sql("""
ALTER TABLE support_message ADD COLUMN request_key VARCHAR(255);
CREATE UNIQUE INDEX support_message_request_key ON support_message (request_key);
ALTER TABLE job_run ADD COLUMN alive_until {ts};
ALTER TABLE billing_run ADD COLUMN alive_until {ts};
""")
