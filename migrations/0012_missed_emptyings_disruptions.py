"""A support thread may be about an emptying that did not happen (its contract and day), and
customer service publishes disruption notices for areas, billing groups or streets."""


def upgrade(m):
    m.sql("""
ALTER TABLE support_thread ADD COLUMN contract_id INTEGER REFERENCES waste_contract (id) ON DELETE SET NULL;
ALTER TABLE support_thread ADD COLUMN missed_on DATE;

CREATE TABLE disruption_notice (
    id {pk},
    kind VARCHAR(255) NOT NULL,
    title VARCHAR(255) NOT NULL,
    body TEXT NOT NULL,
    collection_areas TEXT NOT NULL,
    billing_groups TEXT NOT NULL,
    streets TEXT NOT NULL,
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    created_at {ts} NOT NULL,
    created_by_id INTEGER REFERENCES "user" (id) ON DELETE SET NULL
);
CREATE INDEX disruption_notice_ends_on ON disruption_notice (ends_on);
""")
