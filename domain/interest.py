"""Late-payment interest (viivästyskorko, korkolaki 633/1982), invoiced separately for each
half-year, day by day on what was overdue.

The rules, with their sources:
- The penalty rate is the reference rate + 7 percentage points for consumers (4 §) and
  + 8 points between businesses (4 a §); the customer's kind decides.
- The reference rate (viitekorko, 12 §) of a half-year is the ECB main refinancing rate in
  force before it, rounded up to the next half percentage point. The Bank of Finland
  publishes it (3,5 % for 1–6/2025, 2,5 % for 7–12/2025 and 1–6/2026). The setting
  LATE_INTEREST_REFERENCE_RATES lists per half-year either the ECB rate or the published
  reference rate ("2026-01-01:2.15" or "2026-01-01:2.50"); rounding up to a half point
  turns the first into the second and leaves the second as it is, so both give the rate
  the law means. The staff billing page states the entered and the used rate.
- Interest runs on the open amount, whatever recorded the payment: a payment row of
  Kotipiha's on its day, and what the previous system recorded as paid (an imported
  invoice's paid part, which has no payment row) from before the due date.
- Interest days = payment date − due date: the due day earns no interest, the payment day
  does (Finnish practice). A part payment ends the interest on that part on its day.
- One row per overdue invoice and stretch of an unchanged open amount, showing the amount,
  the rate and the days, each row rounded to the cent; interest below MINIMUM_INTEREST a
  customer is not invoiced.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from domain import billing, invoicing
from domain.invoicing import BillingSettings
from domain.money import round_cents
from models import Customer, Invoice, Payment

CONSUMER_POINTS = Decimal("7")
BUSINESS_POINTS = Decimal("8")
HALF_POINT = Decimal("0.5")
DAYS_IN_YEAR = Decimal(365)


def half_year(day: dt.date) -> tuple[dt.date, dt.date]:
    start = dt.date(day.year, 1 if day.month <= 6 else 7, 1)
    end = dt.date(day.year, 6, 30) if start.month == 1 else dt.date(day.year, 12, 31)
    return start, end


def round_up_to_half_point(rate: Decimal) -> Decimal:
    """korkolaki 12 §: the ECB rate rounded up to the next half percentage point."""
    return (rate / HALF_POINT).to_integral_value(rounding=ROUND_CEILING) * HALF_POINT


def parse_rates(text: str) -> tuple[tuple[dt.date, Decimal], ...]:
    """LATE_INTEREST_REFERENCE_RATES: "2026-01-01:2.15,2026-07-01:2.50" -> ((date, rate), ...)."""
    return tuple(sorted((dt.date.fromisoformat(k.strip()), Decimal(v.strip())) for k, v in
                        (pair.split(":") for pair in str(text).split(",") if pair.strip())))


@dataclass(frozen=True)
class InterestSettings:
    """What late interest takes from the configuration (config.py explains each)."""

    rates: tuple[tuple[dt.date, Decimal], ...] = ()  # per half-year, ECB or reference rate
    minimum_interest: Decimal = Decimal(5)  # interest below this is not invoiced
    billing: BillingSettings = BillingSettings()

    @classmethod
    def from_config(cls, config) -> "InterestSettings":
        return cls(rates=parse_rates(config["LATE_INTEREST_REFERENCE_RATES"]),
                   minimum_interest=Decimal(str(config["MINIMUM_INTEREST"])),
                   billing=BillingSettings.from_config(config))


def entered_rate(settings: InterestSettings, day: dt.date) -> Decimal:
    """The rate as the setting gives it for the half-year of `day` (ECB or reference)."""
    rate = Decimal(0)
    for since, value in settings.rates:
        if since <= day:
            rate = value
    return rate


def reference_rate(settings: InterestSettings, day: dt.date) -> Decimal:
    return round_up_to_half_point(entered_rate(settings, day))


def penalty_points(customer_kind: str) -> Decimal:
    return BUSINESS_POINTS if customer_kind == "business" else CONSUMER_POINTS


@dataclass(frozen=True)
class Stretch:
    """Interest on `principal` for `days` days ending on `last` (inclusive)."""

    principal: Decimal
    first: dt.date
    last: dt.date
    days: int
    interest: Decimal


def overdue_stretches(invoice, payments, start: dt.date, end: dt.date,
                      annual_rate: Decimal) -> list[Stretch]:
    """The interest of [start, end] on what was unpaid after the due date, by stretches of
    the same open amount. A payment counts as paid at the end of its day."""
    first = max(start, invoice.due_date + dt.timedelta(days=1))
    if first > end:
        return []
    # What was paid without a payment row here (before go-live, in the previous system:
    # an imported invoice's paid part) counts as paid before the due date.
    unrecorded = max(invoice.paid_amount - sum((p.amount for p in payments), Decimal(0)), Decimal(0))
    open_amount = invoice.total - unrecorded - sum((p.amount for p in payments if p.paid_on < first), Decimal(0))
    changes = defaultdict(Decimal)
    for p in payments:
        if first <= p.paid_on <= end:
            changes[p.paid_on] += p.amount
    stretches, since = [], first
    for day in sorted(changes) + [end]:
        if day < since:
            continue
        days = (day - since).days + 1
        if open_amount > 0 and days > 0:
            interest = round_cents(open_amount * annual_rate / Decimal(100) * days / DAYS_IN_YEAR)
            stretches.append(Stretch(open_amount, since, day, days, interest))
        open_amount -= changes.get(day, Decimal(0))
        since = day + dt.timedelta(days=1)
        if since > end:
            break
    return stretches


def rows_for(invoice, payments, start, end, rate) -> list[billing.Row]:
    return [billing.Row("late_interest", Decimal(1), "pcs", s.interest, Decimal(0), s.first, s.last,
                        {"invoice": invoice.number, "principal": str(s.principal), "rate": str(rate),
                         "days": s.days})
            for s in overdue_stretches(invoice, payments, start, end, rate) if s.interest > 0]


INVOICED_ON = ((1, 20), (7, 20))  # (month, day): each half-year's interest is invoiced then


def run_due(day: dt.date, settings: InterestSettings) -> int | None:
    """What the scheduler calls every day: the interest run on its days, else None."""
    return run(day, settings) if (day.month, day.day) in INVOICED_ON else None


def run(day: dt.date, settings: InterestSettings) -> int:
    """Invoice the interest of the half-year that ended before `day`; returns invoices made."""
    start, end = half_year(day.replace(day=1) - dt.timedelta(days=1))
    if end >= day:
        start, end = half_year(start - dt.timedelta(days=1))
    base = reference_rate(settings, start)
    minimum = settings.minimum_interest
    # Only invoices that can have been unpaid during the half-year: still open, or paid by
    # a payment that arrived in it. (An invoice marked paid with no payment rows was paid
    # before Kotipiha saw payments, and owes nothing.)
    paid_late = Payment.select(Payment.invoice).where(Payment.paid_on >= start)
    late = (Invoice.select(Invoice, Customer).join(Customer)
            .where((Invoice.due_date < end) & (Invoice.total > 0) & (Invoice.kind != "interest") &
                   ((Invoice.status == "open") | Invoice.id.in_(paid_late))))
    payments = defaultdict(list)
    for p in Payment.select().where(Payment.invoice.in_(late.select(Invoice.id))):
        payments[p.invoice_id].append(p)
    drafts_by_customer = defaultdict(list)
    for invoice in late:
        rate = base + penalty_points(invoice.customer.kind)
        drafts_by_customer[invoice.customer_id] += rows_for(invoice, payments[invoice.id], start, end, rate)
    drafts = []
    for customer_id, rows in drafts_by_customer.items():
        if not rows or billing.total(rows) < minimum:
            continue
        drafts.append(invoicing.Draft(customer_id, "interest", f"interest:{customer_id}:{start.isoformat()}",
                                         rows, day, day + dt.timedelta(days=21), (start, end)))
    made = invoicing.save_batch(drafts, numbers=invoicing.Numbers(), run=None, settings=settings.billing)
    return len(made)


def rate_statement(settings: InterestSettings, today: dt.date) -> list[dict]:
    """For the staff page: per half-year, the rate entered and the reference rate used."""
    start, _end = half_year(today)
    previous = half_year(start - dt.timedelta(days=1))[0]
    return [{"half_year": s, "entered": entered_rate(settings, s), "reference": reference_rate(settings, s),
             "consumer": reference_rate(settings, s) + CONSUMER_POINTS,
             "business": reference_rate(settings, s) + BUSINESS_POINTS} for s in (previous, start)]
