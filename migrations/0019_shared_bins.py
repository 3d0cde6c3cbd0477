"""Shared bins (jätekimppa): the bin, its members and their shares."""


def upgrade(m):
    m.sql("""
CREATE TABLE shared_bin (
    id {pk},
    host_id INTEGER NOT NULL REFERENCES property (id) ON DELETE CASCADE,
    waste_type VARCHAR(255) NOT NULL,
    bin_size INTEGER NOT NULL,
    interval_weeks INTEGER NOT NULL,
    start_date DATE NOT NULL,
    status VARCHAR(255) NOT NULL,
    split VARCHAR(255) NOT NULL,
    contract_id INTEGER REFERENCES waste_contract (id) ON DELETE SET NULL,
    created_at {ts} NOT NULL,
    created_by_id INTEGER REFERENCES "user" (id) ON DELETE SET NULL,
    decided_at {ts},
    decided_by_id INTEGER REFERENCES "user" (id) ON DELETE SET NULL,
    decision_note VARCHAR(255) NOT NULL
);
CREATE INDEX shared_bin_host_id ON shared_bin (host_id);
CREATE INDEX shared_bin_contract_id ON shared_bin (contract_id);

CREATE TABLE shared_bin_member (
    id {pk},
    shared_bin_id INTEGER NOT NULL REFERENCES shared_bin (id) ON DELETE CASCADE,
    property_id INTEGER NOT NULL REFERENCES property (id) ON DELETE CASCADE,
    customer_id INTEGER NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
    status VARCHAR(255) NOT NULL,
    is_contact BOOLEAN NOT NULL,
    share_percent DECIMAL(6, 2),
    left_on DATE,
    invited_at {ts} NOT NULL,
    confirmed_at {ts}
);
CREATE UNIQUE INDEX shared_bin_member_shared_bin_id_property_id ON shared_bin_member (shared_bin_id, property_id);
CREATE INDEX shared_bin_member_property_id ON shared_bin_member (property_id);
""")
