"""Billing: runs, invoice rows, credits; invoices know their point, run and billing key."""


def upgrade(m):
    m.sql("""
CREATE TABLE billing_run (
    id {pk},
    kind VARCHAR(255) NOT NULL,
    billing_date DATE NOT NULL,
    started_at {ts} NOT NULL,
    finished_at {ts},
    status VARCHAR(255) NOT NULL,
    invoices INTEGER NOT NULL,
    total DECIMAL(14, 2) NOT NULL,
    error TEXT
);

ALTER TABLE invoice ADD COLUMN point_id INTEGER REFERENCES consumption_point (id) ON DELETE SET NULL;
ALTER TABLE invoice ADD COLUMN billing_key VARCHAR(255);
ALTER TABLE invoice ADD COLUMN rf_reference VARCHAR(255);
ALTER TABLE invoice ADD COLUMN balanced_reading_id INTEGER REFERENCES reading (id) ON DELETE SET NULL;
ALTER TABLE invoice ADD COLUMN run_id INTEGER REFERENCES billing_run (id) ON DELETE SET NULL;
CREATE UNIQUE INDEX invoice_billing_key ON invoice (billing_key);
CREATE INDEX invoice_point_id ON invoice (point_id);

CREATE TABLE invoice_row (
    id {pk},
    invoice_id INTEGER NOT NULL REFERENCES invoice (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    code VARCHAR(255) NOT NULL,
    period_start DATE,
    period_end DATE,
    quantity DECIMAL(14, 3) NOT NULL,
    unit VARCHAR(255) NOT NULL,
    unit_price DECIMAL(12, 4) NOT NULL,
    vat_rate DECIMAL(5, 2) NOT NULL,
    amount DECIMAL(12, 2) NOT NULL,
    meta_json TEXT
);
CREATE INDEX invoice_row_invoice_id ON invoice_row (invoice_id);

CREATE TABLE credit (
    id {pk},
    customer_id INTEGER NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
    source_invoice_id INTEGER NOT NULL REFERENCES invoice (id) ON DELETE CASCADE,
    amount DECIMAL(12, 2) NOT NULL,
    used_invoice_id INTEGER REFERENCES invoice (id) ON DELETE SET NULL,
    refund_due {bool} NOT NULL,
    refund_iban VARCHAR(255),
    refunded_at {ts},
    created_at {ts} NOT NULL
);
CREATE UNIQUE INDEX credit_source_invoice_id ON credit (source_invoice_id);
CREATE INDEX credit_customer_id ON credit (customer_id);

ALTER TABLE emptying ADD COLUMN invoice_id INTEGER REFERENCES invoice (id) ON DELETE SET NULL;
""")
