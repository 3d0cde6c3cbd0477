"""Waste self-service: orders and requests, done emptyings, the calendar feed secret."""


def upgrade(m):
    m.sql("""
CREATE TABLE waste_order (
    id {pk},
    property_id INTEGER NOT NULL REFERENCES property (id) ON DELETE CASCADE,
    contract_id INTEGER REFERENCES waste_contract (id) ON DELETE CASCADE,
    kind VARCHAR(255) NOT NULL,
    status VARCHAR(255) NOT NULL,
    effective_date DATE NOT NULL,
    end_date DATE,
    bin_count INTEGER,
    interval_weeks INTEGER,
    waste_type VARCHAR(255),
    bin_size INTEGER,
    extra_info TEXT NOT NULL,
    price DECIMAL(12, 2),
    request_key VARCHAR(255) NOT NULL,
    created_at {ts} NOT NULL,
    created_by_id INTEGER REFERENCES "user" (id) ON DELETE SET NULL,
    decided_at {ts},
    decided_by_id INTEGER REFERENCES "user" (id) ON DELETE SET NULL,
    decision_note TEXT
);
CREATE UNIQUE INDEX waste_order_request_key ON waste_order (request_key);
CREATE INDEX waste_order_property_id_created_at ON waste_order (property_id, created_at);
CREATE INDEX waste_order_contract_id_status ON waste_order (contract_id, status);
CREATE INDEX waste_order_status_kind ON waste_order (status, kind);

CREATE TABLE emptying (
    id {pk},
    contract_id INTEGER NOT NULL REFERENCES waste_contract (id) ON DELETE CASCADE,
    emptied_on DATE NOT NULL,
    bin_count INTEGER NOT NULL,
    extra {bool} NOT NULL
);
CREATE UNIQUE INDEX emptying_contract_id_emptied_on ON emptying (contract_id, emptied_on);

ALTER TABLE property ADD COLUMN calendar_token VARCHAR(255);
CREATE UNIQUE INDEX property_calendar_token ON property (calendar_token);
""")
