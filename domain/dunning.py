"""Payment reminders and the collection list (seed 003, Keuruu; fees per seed 004, Kerava).

- Reminder 1 about 14 days after the due date.
- Water can be cut off, nothing else: a reminder of a water invoice of a consumption point
  states the cut-off date, counted from reminder 1: 5 weeks when the *invoice amount*
  ("laskun summa", seed 003) is 170 € or more, 3 months when less (settings). A month that
  has no such day gives its last day (31.5. + 3 months = 31.8.; 30.11. + 3 months = 28.2.).
  Reminder 2 goes about 14 days before the cut-off date. Never more than two.
- Waste, interest and final invoices never threaten a cut-off: they follow the waste
  company's collection rule, one reminder stating the day (COLLECTION_DAYS_AFTER_REMINDER
  after it) from which the debt is passed to collection.
- The fee is 5 € for private customers and 10 € for businesses (settings).
- After the date stated in reminder 1 the invoice is on the collection list for customer
  service. Run daily; a second run on the same day sends nothing twice (one reminder per
  number).
"""
from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from outbound import mail
from outbound.notify import notify
from domain.payments import open_amount
from models import Customer, Invoice, Reminder, User, db

FIRST_AFTER_DAYS = 14
SECOND_BEFORE_CUTOFF_DAYS = 14


@dataclass(frozen=True)
class DunningSettings:
    """What reminders take from the configuration (config.py explains each)."""

    fee_private: Decimal = Decimal(5)
    fee_business: Decimal = Decimal(10)
    cutoff_debt_limit: Decimal = Decimal(170)  # an invoice this large: cut-off after weeks
    cutoff_weeks_large_debt: int = 5
    cutoff_months_small_debt: int = 3
    collection_days: int = 14  # waste and interest: to collection this long after the reminder

    @classmethod
    def from_config(cls, config) -> "DunningSettings":
        return cls(fee_private=Decimal(str(config["REMINDER_FEE_PRIVATE"])),
                   fee_business=Decimal(str(config["REMINDER_FEE_BUSINESS"])),
                   cutoff_debt_limit=Decimal(str(config["CUTOFF_DEBT_LIMIT"])),
                   cutoff_weeks_large_debt=int(config["CUTOFF_WEEKS_LARGE_DEBT"]),
                   cutoff_months_small_debt=int(config["CUTOFF_MONTHS_SMALL_DEBT"]),
                   collection_days=int(config["COLLECTION_DAYS_AFTER_REMINDER"]))


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or that month's last day when it has no such day."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def cutoff_date(sent_on: dt.date, invoice_amount: Decimal, settings: DunningSettings) -> dt.date:
    """The cut-off rule (a setting): weeks from the first reminder for a large invoice,
    months for a smaller one. `invoice_amount` is the invoice's total, not what is left."""
    if invoice_amount >= settings.cutoff_debt_limit:
        return sent_on + dt.timedelta(weeks=settings.cutoff_weeks_large_debt)
    return add_months(sent_on, settings.cutoff_months_small_debt)


def collection_date(sent_on: dt.date, settings: DunningSettings) -> dt.date:
    """The waste company's rule: passed to collection this many days after the reminder."""
    return sent_on + dt.timedelta(days=settings.collection_days)


def fee_for(customer: Customer, settings: DunningSettings) -> Decimal:
    return settings.fee_business if customer.kind == "business" else settings.fee_private


def run(day: dt.date, settings: DunningSettings) -> dict[str, int]:
    sent = {"first": 0, "second": 0}
    overdue = list(Invoice.select(Invoice, Customer).join(Customer)
                   .where((Invoice.status == "open") & (Invoice.total > 0) &
                          (Invoice.due_date <= day - dt.timedelta(days=FIRST_AFTER_DAYS))))
    reminders = defaultdict(dict)  # every overdue invoice's reminders, in one query
    for reminder in Reminder.select().where(Reminder.invoice.in_([i.id for i in overdue])):
        reminders[reminder.invoice_id][reminder.number] = reminder
    for invoice in overdue:
        sent_before = reminders[invoice.id]
        debt = open_amount(invoice, fees=sum((r.fee for r in sent_before.values()), Decimal(0)))
        if debt <= 0:
            continue
        if 1 not in sent_before:
            stated = (cutoff_date(day, invoice.total, settings) if invoice.can_be_cut_off
                      else collection_date(day, settings))
            _remind(invoice, 1, day, stated, debt, settings)
            sent["first"] += 1
        elif (invoice.can_be_cut_off and 2 not in sent_before
              and day >= sent_before[1].cutoff_date - dt.timedelta(days=SECOND_BEFORE_CUTOFF_DAYS)):
            _remind(invoice, 2, day, sent_before[1].cutoff_date, debt, settings)
            sent["second"] += 1
    return sent


def _remind(invoice, number, day, cutoff, debt, settings) -> None:
    fee = fee_for(invoice.customer, settings)
    with db.atomic():
        reminder = Reminder.create(invoice=invoice, number=number, sent_on=day, fee=fee,
                                   open_amount=debt + fee, cutoff_date=cutoff)
        user = User.select().where(User.customer == invoice.customer_id).first()
        if user is not None:
            notify(user, "payment_reminder", "invoices", invoice=invoice, reminder=reminder)
        elif invoice.customer.email:  # a customer without an account has no preferences to respect
            mail.queue(invoice.customer.email, "payment_reminder", invoice.customer.language,
                       kind="invoices", invoice=invoice, reminder=reminder)


def collection_list(day: dt.date):
    """Invoices still unpaid after the date (cut-off or collection) stated in their first
    reminder."""
    return (Invoice.select(Invoice, Customer, Reminder).join(Customer)
            .switch(Invoice).join(Reminder)
            .where((Reminder.number == 1) & (Reminder.cutoff_date < day) & (Invoice.status == "open"))
            .order_by(Reminder.cutoff_date))
