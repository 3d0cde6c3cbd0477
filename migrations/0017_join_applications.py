"""Joining as a customer: applications without an account, and their registration codes."""


def upgrade(m):
    m.sql("""
CREATE TABLE join_application (
    id {pk},
    first_name VARCHAR(255) NOT NULL,
    last_name VARCHAR(255) NOT NULL,
    email VARCHAR(255) NOT NULL,
    phone VARCHAR(255) NOT NULL,
    language VARCHAR(255) NOT NULL,
    street VARCHAR(255) NOT NULL,
    postal_code VARCHAR(255) NOT NULL,
    post_office VARCHAR(255) NOT NULL,
    municipality VARCHAR(255) NOT NULL,
    building_type VARCHAR(255) NOT NULL,
    persons INTEGER NOT NULL,
    dwellings INTEGER NOT NULL,
    services VARCHAR(255) NOT NULL,
    start_date DATE NOT NULL,
    extra_info TEXT NOT NULL,
    status VARCHAR(255) NOT NULL,
    request_key VARCHAR(255) NOT NULL,
    created_at {ts} NOT NULL,
    decided_at {ts},
    decided_by_id INTEGER REFERENCES "user" (id) ON DELETE SET NULL,
    decision_note TEXT NOT NULL,
    customer_id INTEGER REFERENCES customer (id) ON DELETE SET NULL,
    property_id INTEGER REFERENCES property (id) ON DELETE SET NULL,
    code_hash VARCHAR(255),
    code_expires DATE,
    code_used_at {ts}
);
CREATE UNIQUE INDEX join_application_request_key ON join_application (request_key);
CREATE INDEX join_application_code_hash ON join_application (code_hash);
CREATE INDEX join_application_status ON join_application (status, created_at);
""")
