"""Payments matched by reference, and reminders by the seed's rules."""
import datetime as dt
from decimal import Decimal

import pytest

from domain import dunning, payments
from models import Credit, Invoice, Outbox, Payment, Reminder
from tests import factories
from tests.conftest import login

SETTINGS = {"REMINDER_FEE_PRIVATE": 5, "REMINDER_FEE_BUSINESS": 10}
pytestmark = pytest.mark.usefixtures("app")

CAMT = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"><BkToCstmrDbtCdtNtfctn>
<Ntfctn><Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-11-20</Dt></BookgDt>
<AcctSvcrRef>ENTRY1</AcctSvcrRef><NtryDtls><TxDtls><Refs><AcctSvcrRef>ARCH-{archive}</AcctSvcrRef></Refs>
<Amt Ccy="EUR">{amount}</Amt><RltdPties><Dbtr><Nm>Maija Meikäläinen</Nm></Dbtr></RltdPties>
<RmtInf><Strd><CdtrRefInf><Ref>{reference}</Ref></CdtrRefInf></Strd></RmtInf></TxDtls></NtryDtls></Ntry>
<Ntry><Amt Ccy="EUR">12.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><BookgDt><Dt>2026-11-20</Dt></BookgDt></Ntry>
</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"""


@pytest.fixture
def invoice():
    owner = factories.customer()
    return factories.invoice(owner, number="3000017", total=Decimal("100.00"), days_ago=40)


def test_csv_payment_matches_by_reference_with_spaces_and_decimal_comma(invoice):
    data = f"reference;amount;date;payer\n{invoice.reference[:3]} {invoice.reference[3:]};100,00;20.11.2026;Maija\n"
    counts = payments.import_payments(payments.read_csv(data), "csv")
    assert counts == {"matched": 1, "unmatched": 0, "already": 0}
    assert Invoice.get_by_id(invoice.id).status == "paid"
    assert payments.import_payments(payments.read_csv(data), "csv")["already"] == 1  # same file again


def test_camt054_credit_entries_with_rf_reference_and_debits_ignored(invoice):
    from domain.reference import rf_reference
    Invoice.update(rf_reference=rf_reference(invoice.reference)).execute()
    found = payments.read_camt054(CAMT.format(amount="60.00", archive="1",
                                              reference=rf_reference(invoice.reference)).encode())
    assert [(p.amount, p.payer, p.source_id) for p in found] == [(Decimal("60.00"), "Maija Meikäläinen", "ARCH-1")]
    payments.import_payments(found, "camt054")
    partial = Invoice.get_by_id(invoice.id)
    assert partial.status == "open" and partial.paid_amount == Decimal("60.00")
    payments.import_payments(payments.read_camt054(
        CAMT.format(amount="55.00", archive="2", reference=invoice.reference).encode()), "camt054")
    paid = Invoice.get_by_id(invoice.id)
    assert paid.status == "paid"
    assert Credit.get(Credit.source_invoice == invoice).amount == Decimal("15.00")  # over-payment


def test_unknown_reference_is_kept_for_staff(invoice):
    payments.import_payments(payments.read_csv("reference,amount,date\n12345672,10.00,2026-11-20\n"), "csv")
    assert Payment.get().status == "unmatched"


def test_a_broken_file_is_refused_with_a_reason():
    with pytest.raises(payments.PaymentFileError):
        payments.read_csv("reference;amount;date\n123;kymmenen;20.11.2026\n")
    with pytest.raises(payments.PaymentFileError):
        payments.read_camt054(b"<not xml")


@pytest.mark.parametrize("total, kind, cutoff_days, fee", [
    ("250.00", "private", 35, "5.00"),   # 170 € or more: 5 weeks
    ("100.00", "private", 92, "5.00"),   # less: 3 months
    ("100.00", "business", 92, "10.00"),
])
def test_first_reminder_14_days_after_due_with_cutoff_and_fee(ctx, total, kind, cutoff_days, fee):
    owner = factories.customer(kind=kind)
    factories.resident(customer=owner, with_property=False)
    inv = factories.invoice(owner, total=Decimal(total), days_ago=40)  # due 19 days ago
    due = inv.due_date
    assert dunning.run(due + dt.timedelta(days=13), SETTINGS) == {"first": 0, "second": 0}
    day = due + dt.timedelta(days=14)
    assert dunning.run(day, SETTINGS) == {"first": 1, "second": 0}
    assert dunning.run(day, SETTINGS) == {"first": 0, "second": 0}  # once
    reminder = Reminder.get()
    assert reminder.fee == Decimal(fee) and reminder.open_amount == Decimal(total) + Decimal(fee)
    assert abs((reminder.cutoff_date - day).days - cutoff_days) <= 2
    assert Outbox.select().where(Outbox.kind == "invoices").count() == 1


def test_second_reminder_14_days_before_cutoff_then_never_a_third_and_collection(ctx):
    owner = factories.customer()
    inv = factories.invoice(owner, total=Decimal("250.00"), days_ago=40)
    first = inv.due_date + dt.timedelta(days=14)
    dunning.run(first, SETTINGS)
    cutoff = Reminder.get().cutoff_date
    assert dunning.run(cutoff - dt.timedelta(days=15), SETTINGS)["second"] == 0
    assert dunning.run(cutoff - dt.timedelta(days=14), SETTINGS)["second"] == 1
    assert dunning.run(cutoff + dt.timedelta(days=30), SETTINGS) == {"first": 0, "second": 0}
    assert Reminder.select().count() == 2
    assert list(dunning.collection_list(cutoff)) == []
    assert [i.id for i in dunning.collection_list(cutoff + dt.timedelta(days=1))] == [inv.id]


def test_a_paid_invoice_gets_no_reminder(ctx):
    owner = factories.customer()
    inv = factories.invoice(owner, total=Decimal("80.00"), days_ago=60)
    payments.import_payments([payments.BankPayment(dt.date.today(), Decimal("80.00"), inv.reference, None, "x")], "csv")
    assert dunning.run(inv.due_date + dt.timedelta(days=20), SETTINGS)["first"] == 0


def test_staff_import_payments_through_the_billing_page(client, invoice):
    import io
    staff = factories.staff()
    login(client, staff.username)
    from tests.conftest import csrf_token
    token = csrf_token(client, "/staff/billing")
    data = f"reference;amount;date\n{invoice.reference};100,00;20.11.2026\n99999999;5,00;20.11.2026\n"
    response = client.post("/staff/billing", data={"csrf_token": token,
                                                    "payments": (io.BytesIO(data.encode()), "maksut.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    page = client.get("/staff/billing").get_data(as_text=True)
    assert "99999999" in page  # the unmatched one is listed for staff
    assert Invoice.get_by_id(invoice.id).status == "paid"


def test_late_interest_day_by_day_on_what_was_unpaid_invoiced_once(ctx):
    from domain import interest
    owner = factories.customer()
    inv = Invoice.create(customer=owner, number="3000501", reference="30005013", kind="water",
                         invoice_date=dt.date(2026, 1, 10), due_date=dt.date(2026, 1, 31),
                         total=Decimal("1000.00"))
    payments.import_payments([payments.BankPayment(dt.date(2026, 3, 2), Decimal("500.00"), inv.reference, None, "a"),
                              payments.BankPayment(dt.date(2026, 4, 1), Decimal("500.00"), inv.reference, None, "b")],
                             "csv")
    settings = {"LATE_INTEREST_REFERENCE_RATES": "2026-01-01:2.00", "MINIMUM_INTEREST": 5,
                "CREDIT_REFUND_THRESHOLD": 200}
    assert interest.run(dt.date(2026, 7, 20), settings) == 1
    assert interest.run(dt.date(2026, 7, 20), settings) == 0  # the half-year is billed once
    bill = Invoice.get(Invoice.kind == "interest")
    [row] = bill.rows
    # 1000 € for 1.2.-1.3. (29 days) and 500 € for 2.3.-31.3. (30 days), at 2 + 7 = 9 %.
    expected = (Decimal(1000) * 29 + Decimal(500) * 30) * Decimal("0.09") / 365
    assert row.amount == expected.quantize(Decimal("0.01"))
    assert bill.total == row.amount and bill.period_start == dt.date(2026, 1, 1)


def test_no_interest_on_invoices_paid_without_payment_rows_or_paid_in_time(ctx):
    from domain import interest
    owner = factories.customer()
    # Paid in the previous system: no payment rows here, status paid.
    Invoice.create(customer=owner, number="3000601", reference="30006011", kind="water",
                   invoice_date=dt.date(2024, 1, 10), due_date=dt.date(2024, 1, 31),
                   total=Decimal("900.00"), status="paid", paid_amount=Decimal("900.00"))
    on_time = Invoice.create(customer=owner, number="3000602", reference="30006024", kind="water",
                             invoice_date=dt.date(2026, 1, 10), due_date=dt.date(2026, 1, 31),
                             total=Decimal("900.00"))
    payments.import_payments([payments.BankPayment(dt.date(2026, 1, 30), Decimal("900.00"),
                                                   on_time.reference, None, "c")], "csv")
    settings = {"LATE_INTEREST_REFERENCE_RATES": "2026-01-01:2.00", "MINIMUM_INTEREST": 0,
                "CREDIT_REFUND_THRESHOLD": 200}
    assert interest.run(dt.date(2026, 7, 20), settings) == 0
