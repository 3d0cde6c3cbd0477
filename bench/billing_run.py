"""A quarter of water billing over the 50 000-property demo data.

    .venv/bin/python bench/billing_run.py [--properties 50000]

Loads demo data into a throw-away SQLite database, then runs every water billing date of
one quarter (the three quarterly groups and the monthly large customers) and prints
invoices per second. The baseline, in the same process: inserting the same invoice and
row tuples with plain sqlite3 executemany into a fresh database with the same schema (the
migrations: same tables, keys and indexes), so both write the same thing.
Goals: the run under 30 s; the run's time at most 10 times the baseline.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import migrations  # noqa: E402
from app import create_app  # noqa: E402
import demo  # noqa: E402
from domain import billing_runs, invoicing  # noqa: E402
from models import BillingCalendar, Invoice, db  # noqa: E402
from peewee import fn  # noqa: E402
from peewee import SqliteDatabase  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--properties", type=int, default=50_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kotipiha-billing-"))
    path = folder / "bench.sqlite3"
    app = create_app({"INSTANCE_PATH": str(folder), "SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{path}"})
    with app.app_context(), db.connection_context():
        migrations.upgrade(db)
        t0 = time.perf_counter()
        demo.load(properties=args.properties, seed=9, with_billing=False)
        loaded = time.perf_counter() - t0
        print(f"demo data: {args.properties} properties in {loaded:.1f} s")
        if args.properties >= 50_000:
            print(f"goal: demo data for 50 000 properties under 30 s -> {'met' if loaded < 30 else 'NOT met'}")
        # The first quarter after the previous system's (imported) invoices: the go-live.
        imported_until = Invoice.select(fn.MAX(Invoice.period_end)).where(Invoice.imported).scalar()
        after = BillingCalendar.select().where(BillingCalendar.period_start > imported_until)
        quarter_start = min(p.billing_date for p in after) - dt.timedelta(days=1)
        dates = sorted({p.billing_date for p in after
                        if p.billing_date <= quarter_start + dt.timedelta(days=90)})
        t0 = time.perf_counter()
        made = sum(billing_runs.run_water(day, invoicing.BillingSettings.from_config(app.config)).invoices for day in dates)
        run_time = time.perf_counter() - t0
        connection = db.connection()
        invoice_columns = [c[1] for c in connection.execute("PRAGMA table_info(invoice)")]
        row_columns = [c[1] for c in connection.execute("PRAGMA table_info(invoice_row)")]
        invoices = connection.execute(
            f"SELECT {', '.join(invoice_columns)} FROM invoice WHERE run_id IS NOT NULL").fetchall()
        rows = connection.execute(f"SELECT {', '.join(row_columns)} FROM invoice_row").fetchall()
    baseline = plain_inserts(folder, invoice_columns, invoices, row_columns, rows)
    print(f"billing dates {', '.join(d.isoformat() for d in dates)}")
    print(f"run: {made} invoices in {run_time:.1f} s = {made / run_time:.0f} invoices/s")
    print(f"plain executemany of the same {len(invoices)} invoices and {len(rows)} rows: {baseline:.2f} s")
    print(f"ratio: {run_time / baseline:.1f}")
    print(f"goals: under 30 s -> {'met' if run_time < 30 else 'NOT met'}; "
          f"ratio under 4 (issue #23) -> {'met' if run_time / baseline < 4 else 'NOT met'}")


def plain_inserts(folder, invoice_columns, invoices, row_columns, rows) -> float:
    """The same rows into an empty database of the same schema, with nothing but executemany."""
    path = folder / "baseline.sqlite3"
    database = SqliteDatabase(str(path))
    migrations.upgrade(database)
    database.close()
    connection = sqlite3.connect(path)
    invoice_sql = (f"INSERT INTO invoice ({', '.join(invoice_columns)}) "
                   f"VALUES ({', '.join('?' * len(invoice_columns))})")
    row_sql = f"INSERT INTO invoice_row ({', '.join(row_columns)}) VALUES ({', '.join('?' * len(row_columns))})"
    connection.execute("PRAGMA foreign_keys = OFF")  # customers, points and readings are not copied
    t0 = time.perf_counter()
    with connection:
        connection.executemany(invoice_sql, invoices)
        connection.executemany(row_sql, rows)
    return time.perf_counter() - t0


if __name__ == "__main__":
    main()
