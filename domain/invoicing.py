"""Writing invoices: numbers in order, a draft per invoice, and a batch written in one
transaction with its rows, the credits it uses and the credits it makes.

Every invoice of Kotipiha is written here: the water and waste runs (billing_runs), late
interest (interest) and the final invoice of an owner change (owner_change).
"""
from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

from peewee import fn

from database import advance_sequence, bulk_insert, next_ids
from domain import billing
from domain.reference import fi_reference, rf_reference
from models import BasicFeeBill, Credit, Emptying, Invoice, InvoiceRow, SharedEmptyingBill, SludgeOrder, db
from models.clock import utcnow


@dataclass(frozen=True)
class BillingSettings:
    """What billing takes from the configuration (config.py explains each)."""

    credit_refund_threshold: Decimal = Decimal(200)  # a credit this large is refunded, not carried
    minimum_invoice: Decimal = Decimal(10)  # waste emptyings worth less wait for the next run
    statement_accounts: tuple[str, ...] = ()  # IBANs whose camt.053 statements carry payments
    basic_fee_billed_on: tuple[int, int] = (2, 15)  # (month, day) the year's waste basic fee is billed
    basic_fee_with_waste: bool = False  # on the year's first waste invoice instead of an own one
    basic_fee_pro_rata: bool = True  # a property that joins in the year pays from its month

    @classmethod
    def from_config(cls, config) -> "BillingSettings":
        accounts = str(config.get("PAYMENT_STATEMENT_ACCOUNTS", "")).split(",")
        month, day = (int(part) for part in str(config.get("WASTE_BASIC_FEE_BILLED_ON", "02-15")).split("-"))
        return cls(credit_refund_threshold=Decimal(str(config["CREDIT_REFUND_THRESHOLD"])),
                   minimum_invoice=Decimal(str(config["MINIMUM_INVOICE"])),
                   statement_accounts=tuple(a.strip() for a in accounts if a.strip()),
                   basic_fee_billed_on=(month, day),
                   basic_fee_with_waste=str(config.get("WASTE_BASIC_FEE_ON_WASTE_INVOICE", "")).lower()
                   in ("1", "true", "yes", "on"),
                   basic_fee_pro_rata=str(config.get("WASTE_BASIC_FEE_PRO_RATA", "true")).lower()
                   in ("1", "true", "yes", "on"))


class Numbers:
    """Invoice numbers in order, continuing from the largest one in the database."""

    def __init__(self):
        # The longest number is the largest (numbers are digits; the previous system's may
        # be shorter or longer than Kotipiha's).
        largest = (Invoice.select(Invoice.number).order_by(fn.LENGTH(Invoice.number).desc(), Invoice.number.desc())
                   .limit(1).scalar())
        self.next = int(largest) + 1 if largest else 2_000_000

    def take(self) -> str:
        value, self.next = self.next, self.next + 1
        return str(value)


@dataclass
class Draft:
    """An invoice ready to be written."""

    customer_id: int
    kind: str
    key: str
    rows: list
    invoice_date: dt.date
    due_date: dt.date
    period: tuple
    point_id: int | None = None
    balanced_reading_id: int | None = None
    emptying_ids: list = field(default_factory=list)
    sludge_ids: list = field(default_factory=list)  # septic tank emptyings billed
    shared_emptying_ids: list = field(default_factory=list)  # shared bins' emptyings, this customer's share
    basic_fees: list = field(default_factory=list)  # (property id, year, months) of the basic fees on it
    use_credits: bool = True  # a credit note carries no other credit: it is one


def save_batch(drafts: list[Draft], *, numbers: Numbers, run, settings: BillingSettings,
               known_new: bool = False) -> list:
    """Write drafts in one transaction: invoices, their rows, credits used and made.

    A draft whose key is already billed is skipped (a rerun after an interruption)."""
    if not drafts:
        return []
    if not known_new:  # the caller may have filtered billed keys already (the water run does)
        keys = [d.key for d in drafts]
        done = {k for (k,) in Invoice.select(Invoice.billing_key).where(Invoice.billing_key.in_(keys)).tuples()}
        drafts = [d for d in drafts if d.key not in done]
    # Unused credits are few at any time: read them all rather than list every customer.
    customers = {d.customer_id for d in drafts}
    credits = defaultdict(list)
    for credit in (Credit.select(Credit, Invoice.number).join(Invoice, on=(Credit.source_invoice == Invoice.id))
                   .where(Credit.used_invoice.is_null() & ~Credit.refund_due).order_by(Credit.id)):
        if credit.customer_id in customers:
            credits[credit.customer_id].append(credit)
    threshold = settings.credit_refund_threshold
    invoices, rows, used, new_credits, emptyings, fee_bills = [], [], {}, [], {}, []
    with db.atomic():
        ids = next_ids(Invoice, len(drafts))
        for invoice_id, draft in zip(ids, drafts):
            own = credits.pop(draft.customer_id, []) if draft.use_credits else []
            lines = draft.rows + [billing.credit_row(c.amount, c.source_invoice.number) for c in own]
            amount = billing.total(lines)
            number = numbers.take()
            reference = fi_reference(number)
            invoices.append(dict(
                id=invoice_id, customer=draft.customer_id, number=number, reference=reference,
                rf_reference=rf_reference(reference), kind=draft.kind, invoice_date=draft.invoice_date,
                due_date=draft.due_date, period_start=draft.period[0], period_end=draft.period[1],
                total=amount, status="credit" if amount < 0 else "open", point=draft.point_id,
                billing_key=draft.key, balanced_reading=draft.balanced_reading_id,
                run=run.id if run else None))
            rows += [dict(invoice=invoice_id, position=i, code=r.code, period_start=r.period_start,
                          period_end=r.period_end, quantity=r.quantity, unit=r.unit,
                          unit_price=r.unit_price, vat_rate=r.vat_rate, amount=r.amount,
                          meta_json=json.dumps(r.meta) if r.meta else None)
                     for i, r in enumerate(lines, 1)]
            for credit in own:
                used[credit.id] = invoice_id
            if amount < 0:
                new_credits.append(dict(customer=draft.customer_id, source_invoice=invoice_id,
                                        amount=-amount, refund_due=-amount >= threshold,
                                        used_invoice=None, created_at=utcnow()))
            fee_bills += [dict(property=p, year=y, months=m, invoice=invoice_id, created_at=utcnow())
                          for p, y, m in draft.basic_fees]
            if draft.emptying_ids or draft.sludge_ids or draft.shared_emptying_ids:
                emptyings[invoice_id] = (draft.emptying_ids, draft.sludge_ids,
                                         [(e, draft.customer_id) for e in draft.shared_emptying_ids])
        bulk_insert(Invoice, invoices)
        bulk_insert(InvoiceRow, rows)
        advance_sequence(Invoice)
        for credit_id, invoice_id in used.items():
            Credit.update(used_invoice=invoice_id).where(Credit.id == credit_id).execute()
        if new_credits:
            bulk_insert(Credit, new_credits)
        if fee_bills:  # unique per property and year: a fee is never on two invoices
            bulk_insert(BasicFeeBill, fee_bills)
        for invoice_id, (emptying_ids, sludge_ids, shares) in emptyings.items():
            if emptying_ids:
                Emptying.update(invoice=invoice_id).where(Emptying.id.in_(emptying_ids)).execute()
            if sludge_ids:
                SludgeOrder.update(invoice=invoice_id).where(SludgeOrder.id.in_(sludge_ids)).execute()
            if shares:  # the shared bin's emptying stays open until every member's share is billed
                bulk_insert(SharedEmptyingBill, [dict(emptying=e, customer=c, invoice=invoice_id) for e, c in shares])
    made = [SimpleNamespace(id=i["id"], total=i["total"]) for i in invoices]
    return made
