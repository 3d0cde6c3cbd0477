"""Billing runs: load in bulk, bill in batches, one invoice per point (or customer) and period.

A run works through its points in batches of BATCH, each batch one transaction. The
unique billing key makes a rerun skip what was already billed, so a run that is killed
half-way and started again finishes without a duplicate or a gap.
"""
from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from decimal import Decimal

from peewee import IntegrityError, fn

from domain import billing, water
from domain.billing import Position, PointHistory, Tariffs
from domain.clock import utcnow
from domain.reference import fi_reference, rf_reference
from models import (BillingCalendar, BillingRun, ConsumptionPoint, Credit, Emptying, Invoice,
                    InvoiceRow, Meter, PriceListRow, Property, Reading, WasteContract, db)

BATCH = 500
WASTE_DUE_DAYS = 21


class Numbers:
    """Invoice numbers in order, continuing from the largest one in the database."""

    def __init__(self):
        largest = Invoice.select(fn.MAX(Invoice.number)).scalar()
        self.next = int(largest) + 1 if largest else 2_000_000

    def take(self) -> str:
        value, self.next = self.next, self.next + 1
        return str(value)


def _save(customer_id, kind, key, rows, *, numbers, run, invoice_date, due_date, period,
          point_id=None, balanced_reading_id=None, settings) -> Invoice | None:
    """Write one invoice with its rows and credits; None when the key was billed already."""
    credits = list(Credit.select().where((Credit.customer == customer_id) & Credit.used_invoice.is_null()
                                         & ~Credit.refund_due).order_by(Credit.id))
    for credit in credits:
        rows.append(billing.credit_row(credit.amount, credit.source_invoice.number))
    amount = billing.total(rows)
    number = numbers.take()
    reference = fi_reference(number)
    try:
        with db.atomic():
            invoice = Invoice.create(
                customer=customer_id, number=number, reference=reference,
                rf_reference=rf_reference(reference), kind=kind, invoice_date=invoice_date,
                due_date=due_date, period_start=period[0], period_end=period[1], total=amount,
                status="credit" if amount < 0 else "open", point=point_id, billing_key=key,
                balanced_reading=balanced_reading_id, run=run)
            InvoiceRow.insert_many([dict(
                invoice=invoice, position=i, code=r.code, period_start=r.period_start,
                period_end=r.period_end, quantity=r.quantity, unit=r.unit, unit_price=r.unit_price,
                vat_rate=r.vat_rate, amount=r.amount, meta_json=json.dumps(r.meta) if r.meta else None)
                for i, r in enumerate(rows, 1)]).execute()
            if credits:
                Credit.update(used_invoice=invoice).where(Credit.id.in_([c.id for c in credits])).execute()
            if amount < 0:
                Credit.create(customer=customer_id, source_invoice=invoice, amount=-amount,
                              refund_due=-amount >= Decimal(settings["CREDIT_REFUND_THRESHOLD"]))
    except IntegrityError:
        if Invoice.select().where(Invoice.billing_key == key).exists():
            return None  # billed by an earlier (interrupted) run
        raise
    return invoice


# -- water ------------------------------------------------------------------------------

def water_histories(points, period_start: dt.date) -> dict[int, PointHistory]:
    """Each point's base reading and the estimates billed since, in three queries."""
    ids = [p.id for p in points]
    balanced = {}
    latest_balancing = (Invoice.select(Invoice.point, fn.MAX(Invoice.id).alias("last"))
                        .where(Invoice.point.in_(ids) & Invoice.balanced_reading.is_null(False))
                        .group_by(Invoice.point))
    last_ids = [row.last for row in latest_balancing]
    for inv in (Invoice.select(Invoice, Reading).join(Reading, on=(Invoice.balanced_reading == Reading.id))
                .where(Invoice.id.in_(last_ids))):
        balanced[inv.point_id] = Position(inv.balanced_reading.read_on, inv.balanced_reading.value,
                                          inv.balanced_reading.id)
    estimates = defaultdict(list)
    rows = (InvoiceRow.select(InvoiceRow, Invoice.point).join(Invoice)
            .where(Invoice.point.in_(ids) & (InvoiceRow.code == "water_estimate")))
    for row in rows:
        estimates[row.invoice.point_id].append(billing.EstimateSpan(
            row.period_start, row.period_end + dt.timedelta(days=1), row.quantity))
    histories = {}
    for point in points:
        base = balanced.get(point.id) or _first_base(point, period_start)
        spans = [s for s in estimates[point.id] if s.end > base.day]
        until = max((s.end for s in estimates[point.id]), default=None)
        histories[point.id] = PointHistory(base, spans, until)
    return histories


def _first_base(point, period_start) -> Position:
    """Billing starts from the latest reading before the first billed period (earlier
    invoices of the old system are taken as settled), else from the meter's start."""
    reading = (Reading.select().join(Meter).where((Meter.point == point) & (Reading.status == "accepted")
                                                  & (Reading.read_on < period_start))
               .order_by(Reading.read_on.desc()).first())
    if reading is not None:
        return Position(reading.read_on, reading.value, reading.id)
    meter = point.meters.order_by(Meter.installed_on).first()
    return Position(meter.installed_on, meter.start_reading) if meter else Position(period_start, 0)


def bill_water_point(point, history, period: BillingCalendar, tariffs, *, numbers, run, settings):
    spans = water.consumption_spans(point)
    latest_reading = (Reading.select().join(Meter)
                      .where((Meter.point == point) & (Reading.status == "accepted") &
                             (Reading.read_on > history.base.day) & (Reading.read_on <= period.report_by))
                      .order_by(Reading.read_on.desc()).first())
    latest, actual = None, None
    if latest_reading is not None:
        latest = Position(latest_reading.read_on, latest_reading.value, latest_reading.id)
        actual = sum(m3 for s, e, m3 in spans if s >= history.base.day and e <= latest.day)
    meter = point.meters.where(Meter.removed_on.is_null()).order_by(Meter.installed_on.desc()).first()
    bill = billing.water_bill(history, period_start=period.period_start, period_end=period.period_end,
                              latest=latest, actual_m3=actual, annual_m3=water.annual_estimate(point),
                              meter_size=meter.size if meter else "DN20", tariffs=tariffs)
    key = f"water:{point.id}:{period.period_start.isoformat()}"
    return _save(point.property.customer_id, "water", key, bill.rows, numbers=numbers, run=run,
                 invoice_date=period.billing_date, due_date=period.due_date,
                 period=(period.period_start, period.period_end), point_id=point.id,
                 balanced_reading_id=latest.reading_id if latest else None, settings=settings)


def run_water(billing_date: dt.date, settings, *, only_points=None) -> BillingRun:
    """Bill every group whose calendar bills on `billing_date`."""
    run = BillingRun.create(kind="water", billing_date=billing_date)
    tariffs = Tariffs(PriceListRow.select())
    numbers = Numbers()
    made, amount = 0, Decimal(0)
    try:
        for period in BillingCalendar.select().where(BillingCalendar.billing_date == billing_date):
            query = (ConsumptionPoint.select(ConsumptionPoint, Property).join(Property)
                     .where(ConsumptionPoint.billing_group == period.billing_group)
                     .order_by(ConsumptionPoint.id))
            if only_points is not None:
                query = query.where(ConsumptionPoint.id.in_(only_points))
            keys = {f"water:{p.id}:{period.period_start.isoformat()}": p for p in query}
            done = {k for (k,) in Invoice.select(Invoice.billing_key)
                    .where(Invoice.billing_key.in_(list(keys))).tuples()}
            points = [p for k, p in keys.items() if k not in done]  # a resumed run skips these
            for i in range(0, len(points), BATCH):
                batch = points[i:i + BATCH]
                histories = water_histories(batch, period.period_start)
                for point in batch:
                    invoice = bill_water_point(point, histories[point.id], period, tariffs,
                                               numbers=numbers, run=run, settings=settings)
                    if invoice is not None:
                        made, amount = made + 1, amount + invoice.total
    except Exception as error:
        BillingRun.update(status="failed", error=str(error)[:2000], finished_at=utcnow(),
                          invoices=made, total=amount).where(BillingRun.id == run.id).execute()
        raise
    BillingRun.update(status="done", finished_at=utcnow(), invoices=made, total=amount).where(
        BillingRun.id == run.id).execute()
    return BillingRun.get_by_id(run.id)


# -- waste -------------------------------------------------------------------------------

def run_waste(period_start: dt.date, period_end: dt.date, billing_date: dt.date, settings) -> BillingRun:
    """Bill every customer's emptyings done up to the period end and not billed yet."""
    run = BillingRun.create(kind="waste", billing_date=billing_date)
    tariffs = Tariffs(PriceListRow.select())
    numbers = Numbers()
    minimum = Decimal(settings["MINIMUM_INVOICE"])
    unbilled = (Emptying.select(Emptying, WasteContract, Property)
                .join(WasteContract).join(Property)
                .where(Emptying.invoice.is_null() & (Emptying.emptied_on <= period_end))
                .order_by(Property.customer, Emptying.emptied_on))
    by_customer = defaultdict(list)
    for e in unbilled:
        by_customer[e.contract.property.customer_id].append(e)
    made, amount = 0, Decimal(0)
    for customer_id, emptyings in by_customer.items():
        rows = billing.waste_rows([(e.emptied_on, e.contract.waste_type, e.contract.bin_size, e.bin_count)
                                   for e in emptyings], tariffs)
        if billing.total(rows) < minimum:
            continue  # waits for the next run
        key = f"waste:{customer_id}:{period_start.isoformat()}"
        with db.atomic():
            invoice = _save(customer_id, "waste", key, rows, numbers=numbers, run=run,
                            invoice_date=billing_date, due_date=billing_date + dt.timedelta(days=WASTE_DUE_DAYS),
                            period=(period_start, period_end), settings=settings)
            if invoice is not None:
                Emptying.update(invoice=invoice).where(Emptying.id.in_([e.id for e in emptyings])).execute()
                made, amount = made + 1, amount + invoice.total
    BillingRun.update(status="done", finished_at=utcnow(), invoices=made, total=amount).where(
        BillingRun.id == run.id).execute()
    return BillingRun.get_by_id(run.id)


def quarter(text: str) -> tuple[dt.date, dt.date]:
    """'2026-Q4' -> (1.10.2026, 31.12.2026)."""
    year, q = text.upper().split("-Q")
    start = dt.date(int(year), 3 * (int(q) - 1) + 1, 1)
    end = (start + dt.timedelta(days=95)).replace(day=1) - dt.timedelta(days=1)
    return start, end


WASTE_BILLING_DAY = 20  # waste is billed on this day of the month after each quarter


def run_due(day: dt.date, settings) -> list[BillingRun]:
    """What the scheduler calls every day: the water groups billed today, and the quarter's
    waste on its billing day. Running it twice on a day bills nothing twice."""
    runs = []
    if BillingCalendar.select().where(BillingCalendar.billing_date == day).exists():
        runs.append(run_water(day, settings))
    if day.month in (1, 4, 7, 10) and day.day == WASTE_BILLING_DAY:
        end = day.replace(day=1) - dt.timedelta(days=1)
        start = (end - dt.timedelta(days=85)).replace(day=1)
        runs.append(run_waste(start, end, day, settings))
    return runs
