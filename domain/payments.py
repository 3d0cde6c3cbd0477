"""Bank payments: read a CSV or an ISO 20022 camt.054 file, match by reference.

A payment matches the invoice whose Finnish or RF reference it carries. A partial payment
leaves the rest open; an over-payment pays the invoice and the excess becomes a credit.
Importing the same file again adds nothing: each payment's archive id is unique.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from peewee import fn

from models import Credit, Invoice, Payment, Reminder, db


class PaymentFileError(Exception):
    pass


@dataclass(frozen=True)
class BankPayment:
    paid_on: dt.date
    amount: Decimal
    reference: str
    payer: str | None
    source_id: str


def _date(text: str) -> dt.date:
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text[:10], pattern).date()
        except ValueError:
            continue
    raise PaymentFileError(f"not a date: {text!r}")


def _amount(text: str) -> Decimal:
    try:
        return Decimal(text.strip().replace(" ", "").replace("\u00a0", "").replace(",", "."))
    except InvalidOperation:
        raise PaymentFileError(f"not an amount: {text!r}") from None


def read_csv(data: str) -> list[BankPayment]:
    """Columns reference, amount, date (and optionally payer, archive_id); ; or , separated."""
    dialect = csv.Sniffer().sniff(data.splitlines()[0], delimiters=";,\t")
    reader = csv.DictReader(io.StringIO(data), dialect=dialect)
    payments = []
    for line, row in enumerate(reader, 2):
        row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
        if not row.get("reference"):
            raise PaymentFileError(f"line {line}: no reference")
        archive = row.get("archive_id") or hashlib.sha256(
            f"{row['reference']}|{row['amount']}|{row['date']}|{line}".encode()).hexdigest()[:32]
        payments.append(BankPayment(_date(row["date"]), _amount(row["amount"]), row["reference"],
                                    row.get("payer") or None, archive))
    return payments


def read_camt054(data: bytes) -> list[BankPayment]:
    """Credit entries of a camt.054 notification, each transaction with its reference."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        raise PaymentFileError(f"not XML: {error}") from None
    local = lambda tag: tag.rsplit("}", 1)[-1]  # noqa: E731 - namespaces vary by version

    def find(node, *path):
        for step in path:
            node = next((c for c in node if local(c.tag) == step), None)
            if node is None:
                return None
        return node

    def first(*nodes):
        """The first node found. (An element with no children is falsy: never use `or`.)"""
        return next((n for n in nodes if n is not None), None)

    payments = []
    for entry in (e for e in root.iter() if local(e.tag) == "Ntry"):
        indicator = find(entry, "CdtDbtInd")
        if indicator is None or indicator.text != "CRDT":
            continue
        booked = first(find(entry, "BookgDt", "Dt"), find(entry, "ValDt", "Dt"))
        entry_ref = find(entry, "AcctSvcrRef")
        for tx in (t for t in entry.iter() if local(t.tag) == "TxDtls"):
            amount = first(find(tx, "Amt"), find(tx, "AmtDtls", "TxAmt", "Amt"), find(entry, "Amt"))
            reference = find(tx, "RmtInf", "Strd", "CdtrRefInf", "Ref")
            archive = first(find(tx, "Refs", "AcctSvcrRef"), entry_ref)
            payer = first(find(tx, "RltdPties", "Dbtr", "Nm"), find(tx, "RltdPties", "Dbtr", "Pty", "Nm"))
            if amount is None or booked is None:
                raise PaymentFileError("an entry without an amount or a date")
            payments.append(BankPayment(
                _date(booked.text), _amount(amount.text), reference.text if reference is not None else "",
                payer.text if payer is not None else None,
                archive.text if archive is not None else hashlib.sha256(ET.tostring(tx)).hexdigest()[:32]))
    return payments


def normalize(reference: str) -> str:
    return re.sub(r"\s", "", reference or "").upper().lstrip("0") or "0"


def open_amount(invoice: Invoice, fees: Decimal | None = None) -> Decimal:
    """What is still owed: the total and reminder fees, less what was paid. Pass `fees`
    when the reminders are already loaded (the daily dunning run)."""
    if fees is None:
        fees = Decimal(Reminder.select(fn.COALESCE(fn.SUM(Reminder.fee), 0))
                       .where(Reminder.invoice == invoice).scalar())
    return invoice.total + fees - invoice.paid_amount


def import_payments(payments: list[BankPayment], source: str) -> dict[str, int]:
    """Store and match; returns counts of matched, unmatched and already imported."""
    counts = {"matched": 0, "unmatched": 0, "already": 0}
    for p in payments:
        if Payment.select().where((Payment.source == source) & (Payment.source_id == p.source_id)).exists():
            counts["already"] += 1
            continue
        key = normalize(p.reference)
        invoice = Invoice.get_or_none((Invoice.reference == key) | (fn.UPPER(Invoice.rf_reference) == key))
        with db.atomic():
            payment = Payment.create(paid_on=p.paid_on, amount=p.amount, reference=p.reference,
                                     payer=p.payer, source=source, source_id=p.source_id,
                                     invoice=invoice, status="matched" if invoice else "unmatched")
            if invoice is not None:
                apply_payment(invoice, payment)
        counts["matched" if invoice else "unmatched"] += 1
    return counts


def apply_payment(invoice: Invoice, payment: Payment) -> None:
    due = open_amount(invoice)
    invoice.paid_amount += payment.amount
    over = payment.amount - due
    if over >= 0 and invoice.status in ("open",):
        invoice.status = "paid"
    invoice.save(only=[Invoice.paid_amount, Invoice.status])
    if over > 0:
        existing = Credit.get_or_none(Credit.source_invoice == invoice)
        if existing is not None and existing.used_invoice_id is None:
            existing.amount += over
            existing.save(only=[Credit.amount])
        elif existing is None:
            Credit.create(customer=invoice.customer_id, source_invoice=invoice, amount=over)
