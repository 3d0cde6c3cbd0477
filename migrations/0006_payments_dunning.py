"""Payments from the bank, and payment reminders."""


def upgrade(m):
    m.sql("""
CREATE TABLE payment (
    id {pk},
    paid_on DATE NOT NULL,
    amount DECIMAL(12, 2) NOT NULL,
    reference VARCHAR(255) NOT NULL,
    payer VARCHAR(255),
    source VARCHAR(255) NOT NULL,
    source_id VARCHAR(255) NOT NULL,
    invoice_id INTEGER REFERENCES invoice (id) ON DELETE SET NULL,
    status VARCHAR(255) NOT NULL,
    created_at {ts} NOT NULL
);
CREATE UNIQUE INDEX payment_source_source_id ON payment (source, source_id);
CREATE INDEX payment_invoice_id ON payment (invoice_id);
CREATE INDEX payment_status ON payment (status);

CREATE TABLE reminder (
    id {pk},
    invoice_id INTEGER NOT NULL REFERENCES invoice (id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    sent_on DATE NOT NULL,
    fee DECIMAL(12, 2) NOT NULL,
    open_amount DECIMAL(12, 2) NOT NULL,
    cutoff_date DATE NOT NULL,
    created_at {ts} NOT NULL
);
CREATE UNIQUE INDEX reminder_invoice_id_number ON reminder (invoice_id, number);

ALTER TABLE invoice ADD COLUMN paid_amount DECIMAL(12, 2) NOT NULL DEFAULT 0;
""")
