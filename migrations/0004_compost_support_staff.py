"""Composting notices, customer-support threads (water feedback moves into them), reviews."""


def upgrade(m):
    m.sql("""
CREATE TABLE compost_notice (
    id {pk},
    property_id INTEGER NOT NULL REFERENCES property (id) ON DELETE CASCADE,
    user_id INTEGER REFERENCES "user" (id) ON DELETE SET NULL,
    first_name VARCHAR(255) NOT NULL,
    last_name VARCHAR(255) NOT NULL,
    street VARCHAR(255) NOT NULL,
    postal_code VARCHAR(255) NOT NULL,
    post_office VARCHAR(255) NOT NULL,
    phone VARCHAR(255) NOT NULL,
    email VARCHAR(255) NOT NULL,
    building_type VARCHAR(255) NOT NULL,
    occupancy VARCHAR(255) NOT NULL,
    persons INTEGER NOT NULL,
    composter_type VARCHAR(255) NOT NULL,
    composter_other VARCHAR(255),
    volume_l INTEGER NOT NULL,
    composted TEXT NOT NULL,
    extra_info TEXT NOT NULL,
    confirm_disuse {bool} NOT NULL,
    confirm_correct {bool} NOT NULL,
    notified_on DATE NOT NULL,
    valid_until DATE NOT NULL,
    renews_id INTEGER REFERENCES compost_notice (id) ON DELETE SET NULL,
    request_key VARCHAR(255) NOT NULL,
    created_at {ts} NOT NULL
);
CREATE UNIQUE INDEX compost_notice_request_key ON compost_notice (request_key);
CREATE INDEX compost_notice_property_id ON compost_notice (property_id);
CREATE INDEX compost_notice_valid_until ON compost_notice (valid_until);

CREATE TABLE support_thread (
    id {pk},
    customer_id INTEGER REFERENCES customer (id) ON DELETE SET NULL,
    user_id INTEGER REFERENCES "user" (id) ON DELETE SET NULL,
    property_id INTEGER REFERENCES property (id) ON DELETE SET NULL,
    point_id INTEGER REFERENCES consumption_point (id) ON DELETE SET NULL,
    category VARCHAR(255) NOT NULL,
    subject VARCHAR(255) NOT NULL,
    contact_method VARCHAR(255) NOT NULL,
    email VARCHAR(255),
    phone VARCHAR(255),
    language VARCHAR(255) NOT NULL,
    status VARCHAR(255) NOT NULL,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    request_key VARCHAR(255) NOT NULL
);
CREATE UNIQUE INDEX support_thread_request_key ON support_thread (request_key);
CREATE INDEX support_thread_status_updated_at ON support_thread (status, updated_at);
CREATE INDEX support_thread_customer_id ON support_thread (customer_id);

CREATE TABLE support_message (
    id {pk},
    thread_id INTEGER NOT NULL REFERENCES support_thread (id) ON DELETE CASCADE,
    author_id INTEGER REFERENCES "user" (id) ON DELETE SET NULL,
    from_staff {bool} NOT NULL,
    internal {bool} NOT NULL,
    body TEXT NOT NULL,
    created_at {ts} NOT NULL
);
CREATE INDEX support_message_thread_id ON support_message (thread_id);

INSERT INTO support_thread (customer_id, user_id, point_id, category, subject, contact_method,
                            email, language, status, created_at, updated_at, request_key)
SELECT p.customer_id, f.user_id, f.point_id, 'water', 'Water consumption feedback',
       CASE WHEN f.email IS NULL THEN 'none' ELSE 'email' END, f.email, 'fi',
       CASE WHEN f.handled_at IS NULL THEN 'open' ELSE 'closed' END, f.created_at, f.created_at,
       'water-feedback-' || f.id
FROM water_feedback f JOIN consumption_point c ON c.id = f.point_id JOIN property p ON p.id = c.property_id;

INSERT INTO support_message (thread_id, author_id, from_staff, internal, body, created_at)
SELECT t.id, f.user_id, {false}, {false}, f.message, f.created_at
FROM water_feedback f JOIN support_thread t ON t.request_key = 'water-feedback-' || f.id;

DROP TABLE water_feedback;

ALTER TABLE reading ADD COLUMN reviewed_by_id INTEGER REFERENCES "user" (id) ON DELETE SET NULL;
ALTER TABLE reading ADD COLUMN reviewed_at {ts};
ALTER TABLE reading ADD COLUMN review_note TEXT;
""")
