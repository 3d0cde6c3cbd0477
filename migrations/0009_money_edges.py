"""Money edge cases: what a bank line was and why it was not applied, reversals, invoices
imported from the previous system with the estimates they billed, and when a point's annual
estimate last changed."""


def upgrade(m):
    m.sql("""
ALTER TABLE payment ADD COLUMN currency VARCHAR(3) NOT NULL DEFAULT 'EUR';
ALTER TABLE payment ADD COLUMN problem VARCHAR(255);
ALTER TABLE payment ADD COLUMN note VARCHAR(255);
ALTER TABLE payment ADD COLUMN reversed_by_id INTEGER REFERENCES payment (id) ON DELETE SET NULL;
CREATE INDEX payment_reversed_by_id ON payment (reversed_by_id);

ALTER TABLE invoice ADD COLUMN imported {bool} NOT NULL DEFAULT {false};
ALTER TABLE invoice ADD COLUMN estimated_m3 DECIMAL(14, 3);

ALTER TABLE consumption_point ADD COLUMN annual_estimate_changed_on DATE;
""")
