"""Payments: store each bank payment once and apply it to the invoice it names.

- A payment matches the invoice whose Finnish or RF reference it carries; one that cannot
  be applied (see domain/bankfiles.py) is kept for staff with the reason.
- A debit reversal finds the credit it takes back (same amount, reference when given,
  booked no later) and undoes it: the invoice opens again.
- The invoice is paid when what was paid covers its total and reminder fees. Paying more
  leaves a credit: at or above CREDIT_REFUND_THRESHOLD it is a refund due (staff list; the
  resident gives an IBAN), below it it is carried to the next invoice once, exactly like
  the credit of a credit invoice. A later negative line or reversal adjusts that credit.
- A credit invoice's reference in a payment (a credit note) uses that credit.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from peewee import IntegrityError, fn

from domain.bankfiles import BankPayment, cap_text, normalize, read_file
from models import AuditLog, Credit, Invoice, Payment, Reminder, db

@dataclass
class ImportSummary:
    read: int = 0
    applied: int = 0
    already: int = 0
    unmatched: int = 0
    rejected: list = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"read": self.read + len(self.rejected), "applied": self.applied, "already": self.already,
                "unmatched": self.unmatched, "rejected": len(self.rejected)}




def open_amount(invoice: Invoice, fees: Decimal | None = None) -> Decimal:
    """What is still owed: the total and reminder fees, less what was paid. Pass `fees`
    when the reminders are already loaded (the daily dunning run)."""
    if fees is None:
        fees = Decimal(Reminder.select(fn.COALESCE(fn.SUM(Reminder.fee), 0))
                       .where(Reminder.invoice == invoice).scalar())
    return invoice.total + fees - invoice.paid_amount


def _invoice_for(reference: str) -> Invoice | None:
    if not reference:
        return None
    key = normalize(reference)
    return Invoice.get_or_none((Invoice.reference == key) | (fn.UPPER(Invoice.rf_reference) == key))


def import_payments(payments: list[BankPayment], source: str, *, refund_threshold=Decimal(200),
                    summary: ImportSummary | None = None) -> ImportSummary:
    """Store and match each payment once (by its key); returns what happened."""
    summary = summary or ImportSummary()
    threshold = Decimal(str(refund_threshold))
    for p in payments:
        summary.read += 1
        if Payment.select().where((Payment.source == source) & (Payment.source_id == p.source_id)).exists():
            summary.already += 1
            continue
        try:
            with db.atomic():
                applied = _store(p, source, threshold)
        except IntegrityError:  # the same payment imported at this moment by another request
            summary.already += 1
            continue
        if applied:
            summary.applied += 1
        else:
            summary.unmatched += 1
    return summary


def import_file(data: bytes, *, statement_accounts, refund_threshold, staff, ip: str | None = None) -> ImportSummary:
    """A bank file from the staff page: read it (PaymentFileError for a file that cannot be
    read), import every payment once, and record the summary in the audit log."""
    content = read_file(data, statement_accounts=statement_accounts)
    summary = import_payments(content.payments, content.source, refund_threshold=refund_threshold,
                              summary=ImportSummary(rejected=content.rejected))
    AuditLog.record(staff, "payments_import", None, after=summary.counts(), ip=ip)
    return summary


def _store(p: BankPayment, source: str, threshold: Decimal) -> bool:
    """One payment in the caller's transaction; True when it was applied to an invoice."""
    fields = dict(paid_on=p.paid_on, amount=p.amount, reference=p.reference, payer=p.payer, source=source,
                  source_id=p.source_id, currency=p.currency, problem=p.problem, note=p.note)
    if p.problem is not None:
        if p.reversal:  # money taken back, kept with its sign
            fields.update(amount=-abs(p.amount), note=cap_text(f"reversal {p.note or ''}", 255))
        Payment.create(**fields, status="unmatched")
        return False
    if p.reversal and source != "csv":
        return _reverse(p, fields, threshold)
    invoice = _invoice_for(p.reference)
    problem = None
    if invoice is not None and invoice.total < 0 and not _credit_note_usable(invoice, p.amount):
        invoice, problem = None, "credit_used"
    payment = Payment.create(**{**fields, "problem": problem}, invoice=invoice,
                             status="matched" if invoice else "unmatched")
    if invoice is not None:
        apply_payment(invoice, payment, refund_threshold=threshold)
    return invoice is not None


def _reverse(p: BankPayment, fields: dict, threshold: Decimal) -> bool:
    """A debit reversal: find the credit it takes back (same amount, reference when given,
    booked no later) and undo it."""
    query = (Payment.select().where((Payment.status == "matched") & (Payment.amount == abs(p.amount)) &
                                    (Payment.paid_on <= p.paid_on) & Payment.reversed_by.is_null())
             .order_by(Payment.paid_on.desc(), Payment.id.desc()))
    if p.reference:
        query = query.where(Payment.reference == p.reference)
    original = query.first()
    if original is None:
        Payment.create(**{**fields, "amount": -abs(p.amount), "problem": "reversal_not_found"},
                       status="unmatched")
        return False
    reversal = Payment.create(**{**fields, "amount": -abs(p.amount), "problem": "reversal"},
                              invoice=original.invoice_id, status="matched")
    Payment.update(reversed_by=reversal.id).where(Payment.id == original.id).execute()
    apply_payment(Invoice.get_by_id(original.invoice_id), reversal, refund_threshold=threshold)
    return True


def _credit_note_usable(invoice: Invoice, amount: Decimal) -> bool:
    """A credit invoice's reference in a payment is the payer using that credit: it must
    still be unused and large enough."""
    credit = Credit.get_or_none(Credit.source_invoice == invoice)
    return (amount < 0 and credit is not None and credit.used_invoice_id is None
            and credit.refunded_at is None and credit.amount >= -amount)


def apply_payment(invoice: Invoice, payment: Payment, *, refund_threshold=Decimal(200)) -> None:
    """Add the payment and settle the invoice: paid or open again, and its credit (what was
    paid over the total and fees) carried or refunded by the threshold."""
    invoice.paid_amount += payment.amount
    credit = Credit.get_or_none(Credit.source_invoice == invoice)
    if invoice.total < 0:  # a credit invoice whose credit the payer used in a payment
        credit.amount += payment.amount  # the payment's part is negative: the credit used
        credit.refund_due = credit.amount >= refund_threshold
        credit.save(only=[Credit.amount, Credit.refund_due])
        invoice.save(only=[Invoice.paid_amount])
        return
    over = -open_amount(invoice)
    if invoice.status in ("open", "paid"):
        invoice.status = "paid" if over >= 0 else "open"
    invoice.save(only=[Invoice.paid_amount, Invoice.status])
    if credit is None:
        if over > 0:
            Credit.create(customer=invoice.customer_id, source_invoice=invoice, amount=over,
                          refund_due=over >= refund_threshold)
    elif credit.used_invoice_id is None and credit.refunded_at is None:
        if over > 0:
            credit.amount, credit.refund_due = over, over >= refund_threshold
            credit.save(only=[Credit.amount, Credit.refund_due])
        else:
            credit.delete_instance()
