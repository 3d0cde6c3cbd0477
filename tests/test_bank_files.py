"""The payment import over real bank files (../shared/bankfiles) and the edge cases of
camt.054 and CSV: every expected figure below is read off the files by hand."""
import io
import os
from decimal import Decimal
from pathlib import Path

import pytest

from domain import bankfiles, payments
from domain.reference import rf_reference
from models import Credit, Invoice, Payment, User
from tests import factories
from tests.conftest import csrf_token, login

# The real bank files live in the project's shared folder, beside the repository (as in CI).
BANKFILES = Path(os.environ.get("KOTIPIHA_BANKFILES") or Path(__file__).resolve().parents[2] / "shared" / "bankfiles")
if not BANKFILES.is_dir():
    if os.environ.get("CI"):
        raise RuntimeError(f"the bank files are missing: {BANKFILES}")
    pytest.skip(f"the bank files are not beside the repository ({BANKFILES})", allow_module_level=True)
pytestmark = pytest.mark.usefixtures("app")
D = Decimal

# file -> what a correct import makes of it: a refusal code, or the (amount, currency,
# problem) of every line stored, in file order. None of the references is ours, so every
# booked EUR credit stays unmatched with its amount; nothing else may be applied.
EXPECTED = {
    "fffs-fi-camt052.001.02.xml": "report",
    "fffs-fi-camt053.001.02.xml": "statement",
    "nordea-fi-camt053.001.02.xml": "statement",
    "nordea-dk-camt053.001.02.xml": "statement",
    "ing-nl-camt053.001.02.xml": "statement",
    "oca-camt053.001.04-txdtls.xml": "statement",
    "derived/D2-nordea-dk-dkk-ref-to-open-invoice.xml": "statement",
    # Three credit batches: 1900 = 2500 paid − 600 credit note; 3000 = (3500 − 1000) + a
    # reference in the free text; an INFO reversal of 40 + 60 with returns applies nothing.
    "fffs-fi-camt054.001.02.xml": [
        ("2500.00", "EUR", None), ("-600.00", "EUR", None), ("100.00", "EUR", None),
        ("400.00", "EUR", None), ("100.00", "EUR", None),
        ("3500.00", "EUR", None), ("-1000.00", "EUR", None), ("500.00", "EUR", None),
        ("40.00", "EUR", "not_booked"), ("60.00", "EUR", "not_booked")],
    "derived/D3-fffs054-with-utf8-bom.xml": "same as fffs-fi-camt054.001.02.xml",
    "derived/D1-fffs054-info-rvsl-ref-to-open-invoice.xml": "same as fffs-fi-camt054.001.02.xml",
    "genkgo-camt054.001.02.xml": [],  # a SEK debit: nothing received
    "genkgo-camt054.001.08.xml": [],
    "oca-camt054.001.04-qrr.xml": [("5.00", "EUR", None)],
    "postfinance-camt054-credit.xml": [("1500.00", "CHF", "currency")],
    "postfinance-camt054-200924.xml": [(a, "CHF", "currency") for a in
                                       ("400.00", "350.00", "450.00", "150.00", "50.00", "100.00")],
    "postfinance-camt054-esr-asr.xml": [(a, "CHF", "currency") for a in
                                        ("250.00", "200.00", "300.00", "324.00", "463.00")],
    "postfinance-camt054-returns.xml": [("400.00", "CHF", "returned")],
    "postfinance-camt054-returns-rvsl.xml": [("500.00", "CHF", "reversal_of_debit")],
    # Two CHF credits in one entry, one more, and two debit reversals kept as money back.
    "viafintech-camt054.001.04-postfinance.xml": [
        ("15.00", "CHF", "currency"), ("9.00", "CHF", "currency"), ("56.56", "CHF", "currency"),
        ("-6.00", "CHF", "returned"), ("-15.53", "CHF", "returned")],
}


def test_every_bank_file_is_listed():
    files = {str(p.relative_to(BANKFILES)) for p in BANKFILES.rglob("*.xml")}
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_bank_file(name):
    # Open invoices with the references the derived files point at: they must stay open.
    owner = factories.customer()
    target = factories.invoice(owner, number="1963435", total=D("100.00"))
    other = factories.invoice(owner, number="1963434", total=D("300.00"))
    assert (target.reference, other.reference) == ("19634357", "19634344")
    Invoice.update(rf_reference=rf_reference(other.reference)).where(Invoice.id == other.id).execute()
    assert rf_reference(other.reference) == "RF2619634344"
    expected = EXPECTED[name]
    if isinstance(expected, str) and expected.startswith("same as "):
        expected = EXPECTED[expected[len("same as "):]]
    data = (BANKFILES / name).read_bytes()
    if isinstance(expected, str):
        with pytest.raises(bankfiles.PaymentFileError) as refused:
            bankfiles.read_file(data)
        assert refused.value.code == expected
        return
    content = bankfiles.read_file(data)
    summary = payments.import_payments(content.payments, content.source)
    stored = [(p.amount, p.currency, p.problem) for p in Payment.select().order_by(Payment.id)]
    assert stored == [(D(a), c, problem) for a, c, problem in expected]
    assert summary.applied == 0 and summary.unmatched == len(expected)
    for invoice in (target, other):
        assert Invoice.get_by_id(invoice.id).paid_amount == 0 and Invoice.get_by_id(invoice.id).status == "open"
    again = payments.import_payments(bankfiles.read_file(data).payments, content.source)
    assert again.already == len(expected) and Payment.select().count() == len(expected)


def test_a_statement_is_imported_for_an_account_without_notifications():
    owner = factories.customer()
    target = factories.invoice(owner, number="1963434", total=D("300.00"))
    Invoice.update(rf_reference=rf_reference(target.reference)).execute()
    data = (BANKFILES / "derived/D2-nordea-dk-dkk-ref-to-open-invoice.xml").read_bytes()
    content = bankfiles.read_file(data, statement_accounts=["DK03 2000 9876 5432 10"])
    payments.import_payments(content.payments, content.source)
    # Six DKK credits (one entry holds two), none applied: the one with our RF reference
    # is in Danish crowns.
    assert sorted(p.amount for p in Payment.select()) == sorted(
        D(a) for a in ("100.00", "200.00", "300.00", "150.00", "250.00", "28286.58"))
    assert {p.problem for p in Payment.select()} == {"currency"}
    assert Invoice.get_by_id(target.id).paid_amount == 0


def _camt(entries: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"><BkToCstmrDbtCdtNtfctn><Ntfctn>
<Acct><Id><IBAN>FI4950009420028730</IBAN></Id></Acct>{entries}</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>""".encode()


def _entry(amount, txs, *, indicator="CRDT", reversal=False, archive="E1", status="BOOK"):
    rvsl = "<RvslInd>true</RvslInd>" if reversal else ""
    return (f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>{rvsl}<Sts>{status}</Sts>'
            f'<BookgDt><Dt>2026-11-20</Dt></BookgDt><AcctSvcrRef>{archive}</AcctSvcrRef>'
            f'<NtryDtls>{txs}</NtryDtls></Ntry>')


def _tx(amount, *refs, free=None):
    strd = "".join(f'<Strd><RfrdDocAmt><RmtdAmt Ccy="EUR">{a}</RmtdAmt></RfrdDocAmt>'
                   f'<CdtrRefInf><Ref>{r}</Ref></CdtrRefInf></Strd>' if a else
                   f'<Strd><CdtrRefInf><Ref>{r}</Ref></CdtrRefInf></Strd>' for r, a in refs)
    ustrd = f"<Ustrd>{free}</Ustrd>" if free else ""
    return (f'<TxDtls><AmtDtls><TxAmt><Amt Ccy="EUR">{amount}</Amt></TxAmt></AmtDtls>'
            f'<RmtInf>{ustrd}{strd}</RmtInf></TxDtls>')


def _invoice(total="100.00"):
    return factories.invoice(factories.customer(), total=D(total), days_ago=10)


def test_every_transaction_of_an_entry_is_a_payment_even_without_archive_ids():
    a, b = _invoice(), _invoice()
    # Three transactions without an archive id of their own, two of them alike.
    data = _camt(_entry("250.00", _tx("100.00", (a.reference, None)) + _tx("100.00", (b.reference, None))
                        + _tx("50.00", (a.reference, None))))
    summary = payments.import_payments(bankfiles.read_file(data).payments, "camt054")
    assert summary.applied == 3
    assert Invoice.get_by_id(a.id).paid_amount == D("150.00") and Invoice.get_by_id(b.id).status == "paid"
    assert payments.import_payments(bankfiles.read_file(data).payments, "camt054").already == 3


def test_the_same_archive_id_in_another_file_is_another_payment():
    a = _invoice("300.00")
    first = _camt(_entry("100.00", _tx("100.00", (a.reference, None)), archive="REUSED"))
    second = _camt(_entry("120.00", _tx("120.00", (a.reference, None)), archive="REUSED"))
    payments.import_payments(bankfiles.read_file(first).payments, "camt054")
    assert payments.import_payments(bankfiles.read_file(second).payments, "camt054").applied == 1
    assert Invoice.get_by_id(a.id).paid_amount == D("220.00")


def test_one_payment_for_several_invoices_is_split_by_their_amounts():
    a, b = _invoice("60.00"), _invoice("40.00")
    data = _camt(_entry("100.00", _tx("100.00", (a.reference, "60.00"), (b.reference, "40.00"))))
    payments.import_payments(bankfiles.read_file(data).payments, "camt054")
    assert [Invoice.get_by_id(i.id).status for i in (a, b)] == ["paid", "paid"]


def test_several_references_without_amounts_go_to_staff_with_all_of_them():
    a, b = _invoice("60.00"), _invoice("40.00")
    data = _camt(_entry("100.00", _tx("100.00", (a.reference, None), (b.reference, None))))
    [payment] = bankfiles.read_file(data).payments
    assert payment.reference == a.reference and b.reference in payment.note


def test_a_reference_only_in_the_free_text_is_found():
    a = _invoice()
    data = _camt(_entry("100.00", _tx("100.00", free=f"Lasku RFB/{a.reference} kiitos")))
    assert payments.import_payments(bankfiles.read_file(data).payments, "camt054").applied == 1
    assert Invoice.get_by_id(a.id).status == "paid"


def test_a_debit_reversal_undoes_the_payment_it_reverses():
    a = _invoice()
    payments.import_payments(bankfiles.read_file(_camt(_entry("100.00", _tx("100.00", (a.reference, None)))))
                             .payments, "camt054")
    assert Invoice.get_by_id(a.id).status == "paid"
    back = _camt(_entry("100.00", _tx("100.00", (a.reference, None)), indicator="DBIT", reversal=True,
                        archive="E2"))
    assert payments.import_payments(bankfiles.read_file(back).payments, "camt054").applied == 1
    reopened = Invoice.get_by_id(a.id)
    assert reopened.status == "open" and reopened.paid_amount == 0
    assert Payment.get(Payment.problem == "reversal").amount == D("-100.00")


def test_pending_or_foreign_currency_credits_are_not_applied():
    a = _invoice()
    data = _camt(_entry("100.00", _tx("100.00", (a.reference, None)), status="PDNG")
                 + _entry("100.00", _tx("100.00", (a.reference, None)), archive="E2").replace('"EUR"', '"SEK"'))
    summary = payments.import_payments(bankfiles.read_file(data).payments, "camt054")
    assert summary.applied == 0 and summary.unmatched == 2
    assert {p.problem for p in Payment.select()} == {"not_booked", "currency"}
    assert Invoice.get_by_id(a.id).paid_amount == 0


def test_a_batch_total_without_transactions_is_kept_for_staff():
    data = _camt(_entry("270.00", "").replace("<NtryDtls></NtryDtls>", ""))
    payments.import_payments(bankfiles.read_file(data).payments, "camt054")
    assert [(p.amount, p.problem) for p in Payment.select()] == [(D("270.00"), "batch_total")]


@pytest.mark.parametrize("total, paid, credit, refund", [
    ("100.00", "350.00", "250.00", True),    # 250 € over: at or above 200 € it is refunded
    ("100.00", "300.00", "200.00", True),
    ("100.00", "150.00", "50.00", False),    # below: carried to the next invoice
])
def test_an_overpayment_is_refunded_or_carried_by_the_threshold(total, paid, credit, refund):
    a = _invoice(total)
    data = f"viite;summa;päivämäärä\n{a.reference};{paid.replace('.', ',')};20.11.2026\n"
    payments.import_payments(bankfiles.read_file(data.encode()).payments, "csv", refund_threshold=200)
    made = Credit.get(Credit.source_invoice == a.id)
    assert (made.amount, made.refund_due) == (D(credit), refund)


def test_csv_overlapping_exports_add_each_payment_once_and_true_duplicates_twice():
    a = _invoice("1000.00")
    lines = [f"{a.reference};10,00;1.11.2026;Maija", f"{a.reference};10,00;1.11.2026;Maija",  # two real ones
             f"{a.reference};20,00;2.11.2026;Maija", f"{a.reference};30,00;3.11.2026;Pekka"]
    header = "reference;amount;date;payer\n"
    first = header + "\n".join(lines[:3]) + "\n"
    second = header + "\n".join(lines) + "\n"  # the next export overlaps the first
    assert payments.import_payments(bankfiles.read_csv(first).payments, "csv").applied == 3
    summary = payments.import_payments(bankfiles.read_csv(second).payments, "csv")
    assert (summary.applied, summary.already) == (1, 3)
    assert Invoice.get_by_id(a.id).paid_amount == D("70.00")  # 10 + 10 + 20 + 30


def test_csv_negative_line_reopens_the_invoice():
    a = _invoice("100.00")
    payments.import_payments(bankfiles.read_csv(f"reference;amount;date\n{a.reference};100,00;1.11.2026\n")
                             .payments, "csv")
    assert Invoice.get_by_id(a.id).status == "paid"
    payments.import_payments(bankfiles.read_csv(f"reference;amount;date\n{a.reference};-100,00;2.11.2026\n")
                             .payments, "csv")
    reopened = Invoice.get_by_id(a.id)
    assert (reopened.status, reopened.paid_amount) == ("open", 0)


def test_csv_rejects_unreadable_amounts_with_their_line_numbers_and_imports_the_rest():
    a = _invoice("10.00")
    data = ("päivämäärä;viite;summa;maksaja\n"
            f"1.11.2026;{a.reference};NaN;x\n1.11.2026;{a.reference};Infinity;x\n"
            f"1.11.2026;{a.reference};1E+30;x\n1.11.2026;{a.reference};10,00;x\n")
    content = bankfiles.read_csv(data)
    assert [(line, code) for line, code, _v in content.rejected] == [
        (2, "not_amount"), (3, "not_amount"), (4, "absurd_amount")]
    assert payments.import_payments(content.payments, "csv").applied == 1


@pytest.mark.parametrize("data, code", [
    (b"", "empty"), (b"   \n\t\n", "empty"), (b"reference\n123\n", "columns"),
    (b"\xef\xbb\xbf<Document/>", "not_camt"), (b"<not xml", "not_xml"),
])
def test_unreadable_files_are_refused_with_a_reason(data, code):
    with pytest.raises(bankfiles.PaymentFileError) as refused:
        bankfiles.read_file(data)
    assert refused.value.code == code


def test_a_huge_payer_name_is_capped():
    a = _invoice()
    tx = _tx("100.00", (a.reference, None)).replace(
        "<RmtInf>", f"<RltdPties><Dbtr><Nm>{'A' * 900_000}</Nm></Dbtr></RltdPties><RmtInf>")
    payments.import_payments(bankfiles.read_file(_camt(_entry("100.00", tx))).payments, "camt054")
    assert len(Payment.get().payer) == bankfiles.TEXT_LIMIT


@pytest.mark.parametrize("body", [
    (BANKFILES / "derived/D3-fffs054-with-utf8-bom.xml").read_bytes(), b"", b" \n",
    b"reference;amount;date\n1;NaN;1.1.2026\n", (BANKFILES / "fffs-fi-camt053.001.02.xml").read_bytes()])
def test_staff_import_never_fails_and_tells_what_happened(client, body):
    staff = factories.staff()
    User.update(language="en").where(User.id == staff.id).execute()
    login(client, staff.username)
    token = csrf_token(client, "/staff/billing")
    response = client.post("/staff/billing", data={"csrf_token": token, "payments": (io.BytesIO(body), "f.xml")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    page = client.get("/staff/billing").get_data(as_text=True)
    assert "The file could not be read" in page or "read," in page
