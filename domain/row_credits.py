"""Crediting a billed row (audit #22, 8): customer service takes back any row billed by
mistake (a sludge emptying, an extra emptying, a fee, …) with a reason.

- The credit is a credit note: an invoice of its own (kind "credit_note") with the row
  negated (the same quantity, unit price, VAT and euros), naming the invoice and the reason.
  It belongs to no consumption point, so water billing never reads it as an estimate.
- Its total becomes a credit like any other (domain/invoicing.py): carried to the
  customer's next invoice once, or refunded when it reaches CREDIT_REFUND_THRESHOLD.
- A row is credited once (the credit note's billing key names the row); a credit row, a
  row of a credit note and a row with nothing billed cannot be credited.
- Audited with the row, the amount, the reason and the credit note's number.
"""
from __future__ import annotations

import datetime as dt

from domain import billing
from domain.errors import FieldError
from domain.invoicing import BillingSettings, Draft, Numbers, save_batch
from models import AuditLog, Invoice, InvoiceRow, db

REASON_MAX = 500


def creditable(row: InvoiceRow, invoice: Invoice) -> bool:
    return row.amount > 0 and row.code != "credit" and invoice.kind != "credit_note" and not invoice.imported


def _key(row_id: int) -> str:
    """The credit note's billing key: one note per row, ever."""
    return f"row_credit:{row_id}"


def credit_notes(rows) -> dict[int, Invoice]:
    """{row id: the credit note that credited it} of the rows, in one query."""
    keys = {_key(r.id): r.id for r in rows}
    return {keys[note.billing_key]: note for note in Invoice.select().where(Invoice.billing_key.in_(list(keys)))
            } if keys else {}


def credit_row(row: InvoiceRow, staff, *, reason: str, settings: BillingSettings, today: dt.date,
               ip: str | None = None) -> Invoice:
    reason = " ".join((reason or "").split())
    if not reason:
        raise FieldError("reason", "credit_reason_needed")
    if len(reason) > REASON_MAX:
        raise FieldError("reason", "credit_reason_long", max=REASON_MAX)
    invoice = row.invoice
    if not creditable(row, invoice):
        raise FieldError("", "row_not_creditable")
    meta = {**row.meta, "credits": invoice.number, "reason": reason}
    negated = billing.Row(row.code, -row.quantity, row.unit, row.unit_price, row.vat_rate, row.period_start,
                          row.period_end, meta, amount=-row.amount)
    draft = Draft(invoice.customer_id, "credit_note", _key(row.id), [negated], today, today,
                  (row.period_start or invoice.period_start, row.period_end or invoice.period_end), use_credits=False)
    with db.atomic():
        made = save_batch([draft], numbers=Numbers(), run=None, settings=settings)
        if not made:
            raise FieldError("", "row_already_credited")
        note = Invoice.get_by_id(made[0].id)
        AuditLog.record(staff, "row_credited", invoice, after={"row": row.id, "code": row.code, "amount": row.amount,
                                                                "reason": reason, "credit_note": note.number}, ip=ip)
    return note
