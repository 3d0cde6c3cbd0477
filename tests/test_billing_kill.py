"""A billing run killed with SIGKILL half-way and started again: one invoice per point."""
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import demo
from peewee import fn

from models import BillingCalendar, ConsumptionPoint, Invoice, db
from tests.conftest import POSTGRES_URL, make_app

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(bool(POSTGRES_URL), reason="watches the SQLite file directly")
def test_a_killed_run_finishes_on_restart_without_duplicates_or_gaps(tmp_path):
    database = tmp_path / "kill.sqlite3"
    app = make_app(tmp_path, DATABASE_URL=f"sqlite:///{database}")
    with app.app_context(), db.connection_context():
        demo.load(properties=4000, seed=4, with_billing=False)
        # The first period after the previous system's invoices (go-live): every point has rows.
        imported_until = Invoice.select(fn.MAX(Invoice.period_end)).where(Invoice.imported).scalar()
        period = (BillingCalendar.select().where((BillingCalendar.billing_group == "1") &
                                                 (BillingCalendar.period_start > imported_until))
                  .order_by(BillingCalendar.billing_date).first())
        expected = ConsumptionPoint.select().where(ConsumptionPoint.billing_group == "1").count()
    env = {**os.environ, "FLASK_APP": "app:create_app", "DATABASE_URL": f"sqlite:///{database}",
           "SECRET_KEY": "test", "KOTIPIHA_INSTANCE": str(tmp_path / "instance")}
    command = [sys.executable, "-m", "flask", "billing", "run", "--date", period.billing_date.isoformat(),
               "--batch-size", "10"]

    def billed():
        with sqlite3.connect(database, timeout=10) as connection:
            return connection.execute("SELECT COUNT(*) FROM invoice WHERE billing_key LIKE 'water:%'").fetchone()[0]

    run = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while billed() < expected // 4 and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.01)
    run.send_signal(signal.SIGKILL)
    run.wait()
    halfway = billed()
    assert 0 < halfway < expected, "the run should have been killed half-way"

    again = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    with sqlite3.connect(database) as connection:
        keys = [k for (k,) in connection.execute("SELECT billing_key FROM invoice WHERE billing_key LIKE 'water:%'")]
        numbers = [n for (n,) in connection.execute("SELECT number FROM invoice")]
        orphans = connection.execute("SELECT COUNT(*) FROM invoice i WHERE billing_key LIKE 'water:%' AND "
                                     "NOT EXISTS (SELECT 1 FROM invoice_row r WHERE r.invoice_id = i.id)").fetchone()[0]
    assert len(keys) == len(set(keys)) == expected  # every point once: no duplicate, no gap
    assert len(numbers) == len(set(numbers))
    assert orphans == 0  # no invoice without its rows
    assert f"{expected - halfway} invoices" in again.stdout
