"""A shared bin's emptying is billed member by member: which member's share is on which
invoice."""


def upgrade(m):
    m.sql("""
CREATE TABLE shared_emptying_bill (
    id {pk},
    emptying_id INTEGER NOT NULL REFERENCES emptying (id) ON DELETE CASCADE,
    customer_id INTEGER NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
    invoice_id INTEGER REFERENCES invoice (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX shared_emptying_bill_emptying_id_customer_id ON shared_emptying_bill (emptying_id, customer_id);
CREATE INDEX shared_emptying_bill_invoice_id ON shared_emptying_bill (invoice_id);
""")
