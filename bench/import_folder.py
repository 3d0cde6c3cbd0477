"""Importing a previous system's export of 10 000 customers (`flask import`).

    .venv/bin/python bench/import_folder.py [--customers 10000]

Writes a generated export (demo/legacy_csv.py) into a temporary folder and imports it
into a throw-away SQLite database three times: a dry run, the real run, and the same
files again (which must change nothing). Prints each time and the rows per second.
Goal: the real run under a minute. The baseline, in the same process: reading the same
CSV files with the csv module, the least any import does.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import migrations  # noqa: E402
from app import create_app  # noqa: E402
from demo.legacy_csv import write_export  # noqa: E402
from domain import legacy_import  # noqa: E402
from models import Customer, Invoice, Reading, db  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kotipiha-import-"))
    counts = write_export(folder / "export", args.customers)
    total = sum(counts.values())
    print(f"export: {args.customers} customers, {total} rows in {len(counts)} files")
    t0 = time.perf_counter()
    for path in sorted((folder / "export").iterdir()):
        with open(path, newline="", encoding="utf-8") as f:
            sum(1 for _row in csv.reader(f))
    baseline = time.perf_counter() - t0
    app = create_app({"INSTANCE_PATH": str(folder), "SECRET_KEY": "bench",
                      "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}"})
    with app.app_context(), db.connection_context():
        migrations.upgrade(db)
        today = dt.date(2026, 11, 24)
        real = None
        for label, dry in (("dry run", True), ("import", False), ("again", False)):
            report = legacy_import.import_folder(folder / "export", dry_run=dry, today=today)
            assert report.rejected == 0, report.lines()[-20:]
            print(f"{label:8}: {report.seconds:6.1f} s, {total / report.seconds:8.0f} rows/s, "
                  f"{report.seconds / baseline:5.0f} × reading the CSV ({baseline:.2f} s); "
                  f"{report.lines()[-1]}")
            real = report.seconds if label == "import" else real
        print(f"in the database: {Customer.select().count()} customers, {Reading.select().count()} readings, "
              f"{Invoice.select().count()} invoices")
    print(f"goal: the import under 60 s: {'met' if real < 60 else 'NOT met'} ({real:.1f} s)")


if __name__ == "__main__":
    main()
