"""Web Push: the browsers' push subscriptions, and push messages waiting to be sent."""


def upgrade(m):
    m.sql("""
CREATE TABLE push_subscription (
    id {pk},
    user_id INTEGER NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
    endpoint VARCHAR(1000) NOT NULL,
    p256dh VARCHAR(255) NOT NULL,
    auth VARCHAR(255) NOT NULL,
    created_at {ts} NOT NULL
);
CREATE UNIQUE INDEX push_subscription_endpoint ON push_subscription (endpoint);
CREATE INDEX push_subscription_user_id ON push_subscription (user_id);

CREATE TABLE push_message (
    id {pk},
    subscription_id INTEGER NOT NULL REFERENCES push_subscription (id) ON DELETE CASCADE,
    title VARCHAR(255) NOT NULL,
    body TEXT NOT NULL,
    url VARCHAR(1000) NOT NULL,
    status VARCHAR(255) NOT NULL,
    attempts INTEGER NOT NULL,
    created_at {ts} NOT NULL,
    sent_at {ts}
);
CREATE INDEX push_message_status ON push_message (status);
""")
