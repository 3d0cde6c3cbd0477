"""Late-payment interest (viivästyskorko): the reference rate + 7 points (Interest Act),
invoiced separately for each half-year, day by day on what was overdue.

The reference rates are a setting, one per half-year: LATE_INTEREST_REFERENCE_RATES is
"2026-01-01:2.50,2026-07-01:2.00" (percent). Interest below MINIMUM_INTEREST is not billed.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from domain import billing, billing_runs
from domain.money import round_cents
from models import Invoice, Payment

PENALTY_POINTS = Decimal("7")


def half_year(day: dt.date) -> tuple[dt.date, dt.date]:
    start = dt.date(day.year, 1 if day.month <= 6 else 7, 1)
    end = dt.date(day.year, 6, 30) if start.month == 1 else dt.date(day.year, 12, 31)
    return start, end


def reference_rate(settings, day: dt.date) -> Decimal:
    rates = sorted((dt.date.fromisoformat(k), Decimal(v)) for k, v in
                   (pair.split(":") for pair in str(settings["LATE_INTEREST_REFERENCE_RATES"]).split(",") if pair))
    rate = Decimal(0)
    for since, value in rates:
        if since <= day:
            rate = value
    return rate


def overdue_interest(invoice, payments, start: dt.date, end: dt.date, annual_rate: Decimal) -> tuple[int, Decimal]:
    """(days overdue, interest) for the days in [start, end] after the due date, day by day on
    the part not yet paid."""
    first = max(start, invoice.due_date + dt.timedelta(days=1))
    open_amount = invoice.total - sum((p.amount for p in payments if p.paid_on < first), Decimal(0))
    paid_by = defaultdict(Decimal)
    for p in payments:
        if p.paid_on >= first:
            paid_by[p.paid_on] += p.amount
    interest, days, day = Decimal(0), 0, first
    while day <= end:
        open_amount -= paid_by.get(day, Decimal(0))
        if open_amount <= 0:
            break
        interest += open_amount * annual_rate / Decimal(100) / Decimal(365)
        days += 1
        day += dt.timedelta(days=1)
    return days, round_cents(interest)


def run(day: dt.date, settings) -> int:
    """Invoice the interest of the half-year that ended before `day`; returns invoices made."""
    start, end = half_year(day.replace(day=1) - dt.timedelta(days=1))
    if end >= day:
        start, end = half_year(start - dt.timedelta(days=1))
    rate = reference_rate(settings, start) + PENALTY_POINTS
    minimum = Decimal(str(settings["MINIMUM_INTEREST"]))
    # Only invoices that can have been unpaid during the half-year: still open, or paid by
    # a payment that arrived in it. (An invoice marked paid with no payment rows was paid
    # before Kotipiha saw payments, and owes nothing.)
    paid_late = Payment.select(Payment.invoice).where(Payment.paid_on >= start)
    late = (Invoice.select().where((Invoice.due_date < end) & (Invoice.total > 0) &
                                   (Invoice.kind != "interest") &
                                   ((Invoice.status == "open") | Invoice.id.in_(paid_late))))
    payments = defaultdict(list)
    for p in Payment.select().where(Payment.invoice.in_(late.select(Invoice.id))):
        payments[p.invoice_id].append(p)
    drafts_by_customer = defaultdict(list)
    for invoice in late:
        days, amount = overdue_interest(invoice, payments[invoice.id], start, end, rate)
        if amount > 0:
            # One row per late invoice: the day-by-day sum, with the days and rate beside it.
            drafts_by_customer[invoice.customer_id].append(billing.Row(
                "late_interest", Decimal(1), "pcs", amount, Decimal(0),
                max(start, invoice.due_date + dt.timedelta(days=1)), end,
                {"invoice": invoice.number, "rate": str(rate), "days": days}))
    drafts = []
    for customer_id, rows in drafts_by_customer.items():
        if sum(r.amount for r in rows) < minimum:
            continue
        drafts.append(billing_runs.Draft(customer_id, "interest", f"interest:{customer_id}:{start.isoformat()}",
                                         rows, day, day + dt.timedelta(days=21), (start, end)))
    made = billing_runs.save_batch(drafts, numbers=billing_runs.Numbers(), run=None, settings=settings)
    return len(made)
