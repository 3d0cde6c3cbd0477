"""Bank files: read a CSV export or an ISO 20022 camt message into payments (no database).

What counts as a payment (sources: the Finnish banks' FFFS camt guide, ISO 20022):
- Only a booked (`Sts` BOOK) credit entry in euros is money received. An entry in another
  currency, not booked (PDNG, INFO), a returned payment (`RtrInf`), or a batch total with
  no transaction details is kept for staff with the reason and applies nothing.
- A debit entry with `RvslInd` true reverses an earlier credit: it takes the payment back.
  A credit entry with `RvslInd` true gives back money of an outgoing payment: never an
  invoice payment.
- Every `TxDtls` of an entry is one payment. A transaction that pays several references
  with their amounts (and credit notes, `CdtNoteAmt`, as negative parts) is split by them;
  a reference only in the free text (`Ustrd`, "RFB/…" or a valid reference number) is found.
- camt.054 notifications are read. A camt.053 statement repeats the notified money as
  lump sums, so it is read only for the accounts named in PAYMENT_STATEMENT_ACCOUNTS
  (accounts that get no notifications); a camt.052 intraday report is never final.
- The idempotency key of a payment is the bank account + the entry's archive id (or entry
  reference) + the transaction's index, archive id, reference and amount: never an id
  alone, since banks reuse ids across files and transactions borrow their entry's id.
- CSV: columns reference, amount, date, and optionally payer and archive_id (Finnish
  and Swedish headers too). Without an archive id a line's key is date + reference +
  amount + payer and its count among equal lines of the file, so an overlapping export
  adds nothing twice. A negative line takes money back. A line with an unreadable,
  infinite or absurd amount is rejected with its number.
- Every text field is capped (TEXT_LIMIT); the XML is parsed with defusedxml.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import ParseError

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from domain.reference import is_valid_fi_reference, is_valid_rf_reference

MAX_AMOUNT = Decimal("1000000")  # € in one payment; more is a broken file, not a payment
TEXT_LIMIT = 140  # the longest text a bank field carries (ISO 20022 Max140Text)
BOM = b"\xef\xbb\xbf"


class PaymentFileError(Exception):
    """The whole file cannot be read: `code` names why (the view translates it)."""

    def __init__(self, code: str, **values):
        super().__init__(code)
        self.code, self.values = code, values


@dataclass(frozen=True)
class BankPayment:
    paid_on: dt.date
    amount: Decimal
    reference: str
    payer: str | None
    source_id: str
    currency: str = "EUR"
    problem: str | None = None  # why it must not be applied: stored for staff with it
    reversal: bool = False  # takes back an earlier payment
    note: str | None = None


@dataclass
class FileContent:
    payments: list[BankPayment]
    source: str  # csv | camt054 | camt053
    rejected: list[tuple[int, str, dict]] = field(default_factory=list)  # (line, code, values)


def cap_text(value: str | None, limit: int = TEXT_LIMIT) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    return value[:limit] or None


def _key(*parts) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:40]


def _date(text: str) -> dt.date:
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text[:10], pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def _amount(text: str) -> Decimal:
    """An amount in euros: decimal comma or point, finite, at most MAX_AMOUNT, 2 decimals."""
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError("not_amount") from None
    if not value.is_finite():
        raise ValueError("not_amount")
    if abs(value) > MAX_AMOUNT or value == 0 or value != value.quantize(Decimal("0.01")):
        raise ValueError("absurd_amount")
    return value


# -- which file ---------------------------------------------------------------------------

def read_file(data: bytes, *, statement_accounts=()) -> FileContent:
    """Any supported payment file, recognised by its content."""
    body = data[len(BOM):] if data.startswith(BOM) else data
    if not body.strip():
        raise PaymentFileError("empty")
    if body.lstrip().startswith(b"<"):
        return read_camt(body, statement_accounts=statement_accounts)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = body.decode("cp1252")  # old Finnish bank exports
    return read_csv(text)


# -- CSV -----------------------------------------------------------------------------------

HEADERS = {
    "reference": ("reference", "viite", "viitenumero", "referens", "ref"),
    "amount": ("amount", "summa", "määrä", "maara", "belopp"),
    "date": ("date", "päivämäärä", "paivamaara", "pvm", "maksupäivä", "kirjauspäivä", "datum"),
    "payer": ("payer", "maksaja", "betalare", "name", "nimi"),
    "archive_id": ("archive_id", "archive id", "arkistointitunnus", "arkistotunnus", "arkivkod"),
}
_ALIASES = {alias: name for name, aliases in HEADERS.items() for alias in aliases}


def read_csv(data: str) -> FileContent:
    data = data.lstrip("\ufeff")
    lines = data.splitlines()
    if not data.strip() or not lines:
        raise PaymentFileError("empty")
    header = lines[0]
    delimiter = max(";,\t", key=header.count)
    if header.count(delimiter) == 0:
        raise PaymentFileError("columns")
    reader = csv.reader(io.StringIO(data), delimiter=delimiter)
    columns = [_ALIASES.get(h.strip().lower()) for h in next(reader)]
    if not {"reference", "amount", "date"} <= set(columns):
        raise PaymentFileError("columns")
    content, seen = FileContent([], "csv"), Counter()
    for line, cells in enumerate(reader, 2):
        if not any(c.strip() for c in cells):
            continue
        row = {name: cells[i].strip() for i, name in enumerate(columns) if name and i < len(cells)}
        try:
            if not row.get("reference"):
                raise ValueError("no_reference")
            amount = _amount(row.get("amount", ""))
            try:
                paid_on = _date(row.get("date", ""))
            except ValueError:
                raise ValueError("not_date") from None
        except ValueError as error:
            content.rejected.append((line, str(error), {}))
            continue
        reference, payer = cap_text(row["reference"], 64), cap_text(row.get("payer"))
        identity = (("archive", row["archive_id"]) if row.get("archive_id")
                    else ("line", paid_on, normalize(reference), amount, (payer or "").casefold()))
        seen[identity] += 1
        content.payments.append(BankPayment(paid_on, amount, reference, payer,
                                            _key(*identity, seen[identity]), reversal=amount < 0))
    return content


# -- ISO 20022 camt ----------------------------------------------------------------------

def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _find(node, *path):
    for step in path:
        node = next((c for c in node if _local(c.tag) == step), None)
        if node is None:
            return None
    return node


def _all(node, name):
    return [c for c in node if _local(c.tag) == name]


def _first(*nodes):
    """The first node found. (An element with no children is falsy: never use `or`.)"""
    return next((n for n in nodes if n is not None), None)


def _value(node) -> str | None:
    return node.text.strip() if node is not None and node.text and node.text.strip() else None


MESSAGES = {"BkToCstmrDbtCdtNtfctn": ("camt054", "Ntfctn"), "BkToCstmrStmt": ("camt053", "Stmt"),
            "BkToCstmrAcctRpt": ("camt052", "Rpt")}


def read_camt(data: bytes, *, statement_accounts=()) -> FileContent:
    try:
        root = SafeET.fromstring(data)
    except (ParseError, DefusedXmlException, ValueError):
        raise PaymentFileError("not_xml") from None
    message = next((c for c in root if _local(c.tag) in MESSAGES), None)
    if message is None:
        raise PaymentFileError("not_camt")
    source, part = MESSAGES[_local(message.tag)]
    if source == "camt052":
        raise PaymentFileError("report")
    allowed = {re.sub(r"\s", "", a).upper() for a in statement_accounts}
    content = FileContent([], source)
    for container in _all(message, part):
        account = _value(_first(_find(container, "Acct", "Id", "IBAN"),
                                _find(container, "Acct", "Id", "Othr", "Id"))) or ""
        if source == "camt053" and account.upper() not in allowed:
            raise PaymentFileError("statement", account=account)
        for index, entry in enumerate(_all(container, "Ntry")):
            content.payments += _entry_payments(entry, account, index)
    return content


def read_camt054(data: bytes) -> list[BankPayment]:
    return read_camt(data).payments


def _status(entry) -> str | None:
    status = _find(entry, "Sts")
    return _value(status) or _value(_find(status, "Cd")) if status is not None else None


def _entry_payments(entry, account: str, index: int) -> list[BankPayment]:
    indicator = _value(_find(entry, "CdtDbtInd"))
    reversal = (_value(_find(entry, "RvslInd")) or "").lower() == "true"
    if indicator == "DBIT" and not reversal:
        return []  # money paid out: not ours to match
    entry_amount = _find(entry, "Amt")
    booked = _first(_find(entry, "BookgDt", "Dt"), _find(entry, "BookgDt", "DtTm"),
                    _find(entry, "ValDt", "Dt"), _find(entry, "ValDt", "DtTm"))
    if entry_amount is None or booked is None:
        raise PaymentFileError("entry_incomplete")
    try:
        paid_on = _date(booked.text or "")
    except ValueError:
        raise PaymentFileError("entry_incomplete") from None
    entry_id = (_value(_find(entry, "AcctSvcrRef")) or _value(_find(entry, "NtryRef"))
                or hashlib.sha256(SafeET.tostring(entry)).hexdigest())
    problem = None
    if _status(entry) != "BOOK":
        problem = "not_booked"
    elif indicator == "CRDT" and reversal:
        problem = "reversal_of_debit"
    transactions = [tx for details in _all(entry, "NtryDtls") for tx in _all(details, "TxDtls")]
    if not transactions:
        return [_payment(entry_amount, entry_amount, paid_on, "", None, (account, entry_id, index, "entry"),
                         problem or "batch_total", reversal and indicator == "DBIT", None)]
    found = []
    for t_index, tx in enumerate(transactions):
        amount = _first(_find(tx, "Amt"), _find(tx, "AmtDtls", "TxAmt", "Amt"),
                        _find(tx, "AmtDtls", "InstdAmt", "Amt"),
                        entry_amount if len(transactions) == 1 else None)
        if amount is None:
            raise PaymentFileError("entry_incomplete")
        # A return (RtrInf) on a credit is money sent back to us, never a payment; on a debit
        # reversal it only says why an earlier payment is taken back.
        returned = _find(tx, "RtrInf") is not None and not (reversal and indicator == "DBIT")
        tx_problem = problem or ("returned" if returned else None)
        payer = _value(_first(_find(tx, "RltdPties", "Dbtr", "Nm"), _find(tx, "RltdPties", "Dbtr", "Pty", "Nm")))
        identity = (account, entry_id, index, t_index, _value(_find(tx, "Refs", "AcctSvcrRef")) or "")
        parts, note = _remittance(tx, amount)
        for p_index, (reference, part_amount) in enumerate(parts):
            found.append(_payment(part_amount, amount, paid_on, reference, payer,
                                  (*identity, p_index, reference), tx_problem,
                                  reversal and indicator == "DBIT", note))
    return found


def _payment(amount_node, currency_node, paid_on, reference, payer, identity, problem, reversal, note):
    amount = amount_node if isinstance(amount_node, Decimal) else Decimal(_value(amount_node) or "0")
    currency = (currency_node.get("Ccy") if currency_node is not None else None) or "EUR"
    if problem is None and currency != "EUR":
        # Money taken back (a debit reversal) is a return whatever its currency: it must be
        # shown as one, not as a payment in another currency.
        problem = "returned" if reversal else "currency"
    if not amount.is_finite() or abs(amount) > MAX_AMOUNT * 1000:
        raise PaymentFileError("entry_incomplete")
    return BankPayment(paid_on, amount, cap_text(reference, 64) or "", cap_text(payer), _key(*identity, amount),
                       currency=currency[:3], problem=problem, reversal=reversal, note=cap_text(note, 255))


def _remittance(tx, amount_node) -> tuple[list[tuple[str, Decimal | object]], str | None]:
    """[(reference, amount)] of a transaction: one part per structured reference when they
    carry their amounts and add up to the transaction, else the one reference (or the one
    found in the free text)."""
    info = _find(tx, "RmtInf")
    structured, free = [], []
    if info is not None:
        for strd in _all(info, "Strd"):
            ref = _value(_find(strd, "CdtrRefInf", "Ref"))
            remitted = _value(_find(strd, "RfrdDocAmt", "RmtdAmt"))
            credit_note = _value(_find(strd, "RfrdDocAmt", "CdtNoteAmt"))
            part = (Decimal(remitted) if remitted else -Decimal(credit_note) if credit_note else None)
            if ref:
                structured.append((ref, part))
        free = [t for t in (_value(u) for u in _all(info, "Ustrd")) if t]
    total = Decimal(_value(amount_node) or "0")
    note = " ".join(free) or None
    if len(structured) > 1:
        if all(p is not None for _r, p in structured) and sum(p for _r, p in structured) == total:
            return [(r, p) for r, p in structured], note
        refs = ", ".join(r for r, _p in structured)
        return [(structured[0][0], amount_node)], f"several references: {refs}"
    if structured:
        return [(structured[0][0], amount_node)], note
    return [(reference_in_text(" ".join(free)) or "", amount_node)], note


def reference_in_text(text: str) -> str | None:
    """A reference written in the free text: "RFB/…" (the Finnish banks' mark), an RF
    reference, or a number with a valid Finnish check digit."""
    marked = re.search(r"RFB/\s*([0-9A-Za-z]+)", text)
    if marked:
        return marked.group(1)
    for token in re.findall(r"\bRF\d{2}[0-9A-Z]{1,21}\b", text.upper()):
        if is_valid_rf_reference(token):
            return token
    for token in re.findall(r"\b\d{4,20}\b", text):
        if is_valid_fi_reference(token):
            return token
    return None


def normalize(reference: str) -> str:
    return re.sub(r"\s", "", reference or "").upper().lstrip("0") or "0"
