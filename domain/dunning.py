"""Payment reminders and the collection list (seed 003, Keuruu; fees per seed 004, Kerava).

- Reminder 1 about 14 days after the due date, stating the cut-off date: 5 weeks from it
  when the debt is 170 € or more, 3 months when less.
- Reminder 2 about 14 days before the cut-off date. Never more than two.
- The fee is 5 € for private customers and 10 € for businesses (settings).
- After the cut-off date the invoice is on the collection list for customer service.
Run daily; a second run on the same day sends nothing twice (one reminder per number).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from domain import mail, notifications
from domain.payments import open_amount
from models import Customer, Invoice, Reminder, User, db

FIRST_AFTER_DAYS = 14
SECOND_BEFORE_CUTOFF_DAYS = 14
DEFAULT_RULE = {"CUTOFF_DEBT_LIMIT": 170, "CUTOFF_WEEKS_LARGE_DEBT": 5, "CUTOFF_MONTHS_SMALL_DEBT": 3}


def cutoff_date(sent_on: dt.date, debt: Decimal, settings=DEFAULT_RULE) -> dt.date:
    """The cut-off rule (a setting): weeks from the first reminder for a large debt,
    months for a smaller one."""
    if debt >= Decimal(str(settings["CUTOFF_DEBT_LIMIT"])):
        return sent_on + dt.timedelta(weeks=int(settings["CUTOFF_WEEKS_LARGE_DEBT"]))
    month = sent_on.month + int(settings["CUTOFF_MONTHS_SMALL_DEBT"])
    year, month = sent_on.year + (month - 1) // 12, (month - 1) % 12 + 1
    day = min(sent_on.day, 28)
    return dt.date(year, month, day)


def fee_for(customer: Customer, settings) -> Decimal:
    key = "REMINDER_FEE_BUSINESS" if customer.kind == "business" else "REMINDER_FEE_PRIVATE"
    return Decimal(str(settings[key]))


def run(day: dt.date, settings) -> dict[str, int]:
    sent = {"first": 0, "second": 0}
    overdue = list(Invoice.select(Invoice, Customer).join(Customer)
                   .where((Invoice.status == "open") & (Invoice.total > 0) &
                          (Invoice.due_date <= day - dt.timedelta(days=FIRST_AFTER_DAYS))))
    reminders = defaultdict(dict)  # every overdue invoice's reminders, in one query
    for reminder in Reminder.select().where(Reminder.invoice.in_([i.id for i in overdue])):
        reminders[reminder.invoice_id][reminder.number] = reminder
    rule = {**DEFAULT_RULE, **settings}
    for invoice in overdue:
        sent_before = reminders[invoice.id]
        debt = open_amount(invoice, fees=sum((r.fee for r in sent_before.values()), Decimal(0)))
        if debt <= 0:
            continue
        if 1 not in sent_before:
            _remind(invoice, 1, day, cutoff_date(day, debt, rule), debt, settings)
            sent["first"] += 1
        elif 2 not in sent_before and day >= sent_before[1].cutoff_date - dt.timedelta(days=SECOND_BEFORE_CUTOFF_DAYS):
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
            notifications.notify(user, "payment_reminder", "invoices", invoice=invoice, reminder=reminder)
        elif invoice.customer.email:  # a customer without an account has no preferences to respect
            mail.queue(invoice.customer.email, "payment_reminder", invoice.customer.language,
                       kind="invoices", invoice=invoice, reminder=reminder)


def collection_list(day: dt.date):
    """Invoices still unpaid after the cut-off date stated in their first reminder."""
    return (Invoice.select(Invoice, Customer, Reminder).join(Customer)
            .switch(Invoice).join(Reminder)
            .where((Reminder.number == 1) & (Reminder.cutoff_date < day) & (Invoice.status == "open"))
            .order_by(Reminder.cutoff_date))
