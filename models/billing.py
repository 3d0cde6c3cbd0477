"""Billing: runs, invoices and rows, payments, reminders, credits."""
from __future__ import annotations

import json

from peewee import (BooleanField, CharField, DateField, DateTimeField, DecimalField, ForeignKeyField,
                    IntegerField, TextField)

from models.clock import utcnow
from models.accounts import Customer
from models.properties import Property
from models.base import BaseModel, money_field, unit_price_field
from models.scheduling import interrupted_or
from models.water import ConsumptionPoint, Reading


class BillingRun(BaseModel):
    """One run of the billing: what it made and how it ended."""

    kind = CharField()  # water | waste
    billing_date = DateField()
    started_at = DateTimeField(default=utcnow)
    finished_at = DateTimeField(null=True)
    status = CharField(default="running")  # running | done | failed
    invoices = IntegerField(default=0)
    total = DecimalField(max_digits=14, decimal_places=2, default=0)
    error = TextField(null=True)
    alive_until = DateTimeField(null=True)  # renewed after every batch while the run works

    @property
    def shown_status(self) -> str:
        return interrupted_or(self.status, self.alive_until)

    @classmethod
    def latest(cls, count: int = 20):
        return cls.select().order_by(cls.started_at.desc()).limit(count)


class Invoice(BaseModel):
    """An invoice with its Finnish reference number and rows.

    `billing_key` (kind, point or customer, period) is unique: a billing run that is
    killed and started again can never bill the same thing twice."""

    customer = ForeignKeyField(Customer, backref="invoices", on_delete="RESTRICT")
    number = CharField(unique=True)
    reference = CharField(unique=True)
    kind = CharField()  # waste | water
    invoice_date = DateField()
    due_date = DateField()
    period_start = DateField(null=True)
    period_end = DateField(null=True)
    total = money_field()
    status = CharField(default="open")  # open | paid | cancelled | credit
    point = ForeignKeyField(ConsumptionPoint, null=True, backref="invoices", on_delete="SET NULL")
    billing_key = CharField(null=True, unique=True)
    rf_reference = CharField(null=True)
    balanced_reading = ForeignKeyField(Reading, null=True, backref="+", on_delete="SET NULL")
    run = ForeignKeyField(BillingRun, null=True, backref="invoice_set", on_delete="SET NULL")
    paid_amount = money_field(default=0)
    # From the previous billing system: settled history. A water invoice of it names the
    # reading it balanced to and the m³ it billed as estimates after that reading.
    imported = BooleanField(default=False)
    estimated_m3 = DecimalField(max_digits=14, decimal_places=3, null=True, auto_round=True)

    @classmethod
    def visible_to(cls, user):
        return cls.of_customer_of(user)

    @classmethod
    def latest_of(cls, customer):
        """The customer's latest invoice (the demo logins print its number)."""
        return (cls.select().where(cls.customer == customer)
                .order_by(cls.invoice_date.desc(), cls.id.desc()).first())

    @classmethod
    def unpaid(cls, query):
        """The open invoices with something to pay among `query`, the earliest due first."""
        return query.where((cls.status == "open") & (cls.total > 0)).order_by(cls.due_date, cls.id)

    @classmethod
    def latest_numbers_of(cls, customer) -> set[str]:
        """The number of the customer's latest invoice of each kind (waste, water, …):
        registration accepts any of them, as a resident may hold either one."""
        latest = {}
        for kind, number in (cls.select(cls.kind, cls.number).where(cls.customer == customer)
                             .order_by(cls.invoice_date, cls.id).tuples()):
            latest[kind] = number
        return set(latest.values())

    @property
    def can_be_cut_off(self) -> bool:
        """Only water can be cut off, and only for the point's own water invoice (not the
        previous owner's final invoice, interest or waste)."""
        return self.kind == "water" and self.point_id is not None


class InvoiceRow(BaseModel):
    """One row of an invoice: quantity × unit price (VAT included) = amount, to the cent."""

    invoice = ForeignKeyField(Invoice, backref="rows", on_delete="CASCADE")
    position = IntegerField()
    code = CharField()  # what the row is; the invoice page explains each code
    period_start = DateField(null=True)
    period_end = DateField(null=True)
    quantity = DecimalField(max_digits=14, decimal_places=3, auto_round=True)
    unit = CharField()  # m3 | month | emptying | pcs
    unit_price = unit_price_field()
    vat_rate = DecimalField(max_digits=5, decimal_places=2)
    amount = money_field()
    meta_json = TextField(null=True)

    @property
    def meta(self) -> dict:
        return json.loads(self.meta_json) if self.meta_json else {}


class BasicFeeBill(BaseModel):
    """A property's waste basic fee of a year, and the invoice that carried it (Kotipiha's,
    or the previous system's from the import): billed once, whatever the billing mode."""

    property = ForeignKeyField(Property, backref="+", on_delete="CASCADE")
    year = IntegerField()
    invoice = ForeignKeyField(Invoice, null=True, backref="+", on_delete="SET NULL")
    months = IntegerField()  # 12, or the months from the month the property joined
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("property", "year"), True),)


class Payment(BaseModel):
    """A payment seen on the utility's bank account, matched to an invoice by reference."""

    paid_on = DateField()
    amount = money_field()
    reference = CharField()
    payer = CharField(null=True)
    source = CharField()  # csv | camt054
    source_id = CharField()  # the bank's archive id: importing a file twice adds nothing
    invoice = ForeignKeyField(Invoice, null=True, backref="payments", on_delete="SET NULL")
    status = CharField(default="unmatched", index=True)  # matched | unmatched
    created_at = DateTimeField(default=utcnow)
    currency = CharField(max_length=3, default="EUR")
    # Why it was not applied (currency, not_booked, returned, batch_total, …), or "reversal"
    # for a line that takes an earlier payment back.
    problem = CharField(null=True)
    note = CharField(null=True)  # the free text or the references of the bank line
    reversed_by = ForeignKeyField("self", null=True, backref="+", on_delete="SET NULL")

    class Meta:
        indexes = ((("source", "source_id"), True),)

    @classmethod
    def unmatched(cls):
        """Payments customer service has to look at, the oldest first."""
        return cls.select().where(cls.status == "unmatched").order_by(cls.paid_on, cls.id)


class Reminder(BaseModel):
    """A payment reminder (maksumuistutus): at most two per invoice."""

    invoice = ForeignKeyField(Invoice, backref="reminders", on_delete="CASCADE")
    number = IntegerField()  # 1 | 2
    sent_on = DateField()
    fee = money_field()
    open_amount = money_field()
    cutoff_date = DateField()
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("invoice", "number"), True),)

    @classmethod
    def latest(cls, count: int = 50):
        return (cls.select(cls, Invoice).join(Invoice)
                .order_by(cls.sent_on.desc(), cls.id.desc()).limit(count))


class Credit(BaseModel):
    """Money owed to a customer: carried to the next invoice, or refunded above a threshold."""

    customer = ForeignKeyField(Customer, backref="credits", on_delete="CASCADE")
    source_invoice = ForeignKeyField(Invoice, unique=True, backref="+", on_delete="CASCADE")
    amount = money_field()
    used_invoice = ForeignKeyField(Invoice, null=True, backref="+", on_delete="SET NULL")
    refund_due = BooleanField(default=False)
    refund_iban = CharField(null=True)
    refunded_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)

    @classmethod
    def visible_to(cls, user):
        return cls.of_customer_of(user)

    @classmethod
    def refunds_due(cls, query=None):
        """Credits to be paid back and not paid yet (of `query`, else every customer's,
        with the customer), the oldest first."""
        query = cls.select(cls, Customer).join(Customer) if query is None else query
        return query.where(cls.refund_due & cls.refunded_at.is_null()).order_by(cls.id)
