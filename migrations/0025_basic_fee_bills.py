"""The waste basic fee is billed per property and year, once (audit #22, 1 and 2):
`basic_fee_bill` records which invoice carried which property's fee of which year (the
previous system's invoices too, from the import), and `property.joined_on` the day a
property joined (empty: a customer from before, billed for the whole year). Filled from
the fees already billed: a basic-fee row names its property by street, and an imported
basic-fee invoice (which has no rows) carried its customer's properties' fee of its year."""
import datetime as dt
import json


def _year(value) -> int:
    return value.year if isinstance(value, (dt.date, dt.datetime)) else int(str(value)[:4])


def upgrade(m):
    m.sql("""
CREATE TABLE basic_fee_bill (
    id {pk},
    property_id INTEGER NOT NULL REFERENCES property (id) ON DELETE CASCADE,
    year INTEGER NOT NULL,
    invoice_id INTEGER REFERENCES invoice (id) ON DELETE SET NULL,
    months INTEGER NOT NULL,
    created_at {ts} NOT NULL
);
CREATE UNIQUE INDEX basic_fee_bill_property_id_year ON basic_fee_bill (property_id, year);
CREATE INDEX basic_fee_bill_invoice_id ON basic_fee_bill (invoice_id);
ALTER TABLE property ADD COLUMN joined_on DATE
""")
    db = m.db
    streets = {}
    for prop_id, customer_id, street in db.execute_sql("SELECT id, customer_id, street FROM property").fetchall():
        streets.setdefault((customer_id, street), prop_id)
    by_customer = {}
    for (customer_id, _street), prop_id in streets.items():
        by_customer.setdefault(customer_id, []).append(prop_id)
    found = {}
    rows = db.execute_sql(
        "SELECT i.id, i.customer_id, r.period_start, r.meta_json FROM invoice_row r JOIN invoice i ON i.id = r.invoice_id "
        "WHERE r.code = 'waste_basic_fee' ORDER BY i.id").fetchall()
    for invoice_id, customer_id, start, meta in rows:
        street = json.loads(meta or "{}").get("property")
        prop_id = streets.get((customer_id, street))
        if prop_id is not None and start is not None:
            found.setdefault((prop_id, _year(start)), invoice_id)
    imported = db.execute_sql(
        "SELECT id, customer_id, period_start, invoice_date FROM invoice WHERE imported = {} AND kind = 'basic_fee' "
        "ORDER BY id".format("TRUE" if m.dialect == "postgresql" else "1")).fetchall()
    for invoice_id, customer_id, start, issued in imported:
        for prop_id in by_customer.get(customer_id, []):
            found.setdefault((prop_id, _year(start or issued)), invoice_id)
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    p = "%s" if m.dialect == "postgresql" else "?"
    for (prop_id, year), invoice_id in found.items():
        db.execute_sql(f"INSERT INTO basic_fee_bill (property_id, year, invoice_id, months, created_at) "
                       f"VALUES ({p}, {p}, {p}, 12, {p})", (prop_id, year, invoice_id, now))
