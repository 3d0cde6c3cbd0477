"""Payments matched by reference, and reminders by the seed's rules."""
import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from domain import bankfiles, dunning, payments
from domain.reference import fi_reference
from models import Credit, Invoice, Outbox, Payment, Reminder
from tests import factories
from tests.conftest import login

SETTINGS = dunning.DunningSettings(fee_private=Decimal(5), fee_business=Decimal(10))
pytestmark = pytest.mark.usefixtures("app")

CAMT = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"><BkToCstmrDbtCdtNtfctn>
<Ntfctn><Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-11-20</Dt></BookgDt>
<AcctSvcrRef>ENTRY1</AcctSvcrRef><NtryDtls><TxDtls><Refs><AcctSvcrRef>ARCH-{archive}</AcctSvcrRef></Refs>
<Amt Ccy="EUR">{amount}</Amt><RltdPties><Dbtr><Nm>Maija Meikäläinen</Nm></Dbtr></RltdPties>
<RmtInf><Strd><CdtrRefInf><Ref>{reference}</Ref></CdtrRefInf></Strd></RmtInf></TxDtls></NtryDtls></Ntry>
<Ntry><Amt Ccy="EUR">12.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-11-20</Dt></BookgDt></Ntry>
</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"""


def water_invoice(owner, **fields):
    """A water invoice of a consumption point: the only kind that can cut anything off."""
    from models import ConsumptionPoint
    prop = factories.property_(owner)
    point = ConsumptionPoint.create(number=f"P{prop.id}", property=prop, billing_group="1")
    return factories.invoice(owner, kind="water", point=point, **fields)


@pytest.fixture
def invoice():
    owner = factories.customer()
    return factories.invoice(owner, number="3000017", total=Decimal("100.00"), days_ago=40)


def test_csv_payment_matches_by_reference_with_spaces_and_decimal_comma(invoice):
    data = f"reference;amount;date;payer\n{invoice.reference[:3]} {invoice.reference[3:]};100,00;20.11.2026;Maija\n"
    counts = payments.import_payments(bankfiles.read_csv(data).payments, "csv").counts()
    assert counts == {"read": 1, "applied": 1, "unmatched": 0, "already": 0, "rejected": 0}
    assert Invoice.get_by_id(invoice.id).status == "paid"
    assert payments.import_payments(bankfiles.read_csv(data).payments, "csv").already == 1  # same file again


def test_camt054_credit_entries_with_rf_reference_and_debits_ignored(invoice):
    from domain.reference import rf_reference
    Invoice.update(rf_reference=rf_reference(invoice.reference)).execute()
    found = bankfiles.read_camt054(CAMT.format(amount="60.00", archive="1",
                                              reference=rf_reference(invoice.reference)).encode())
    assert [(p.amount, p.payer, p.problem) for p in found] == [(Decimal("60.00"), "Maija Meikäläinen", None)]
    payments.import_payments(found, "camt054")
    partial = Invoice.get_by_id(invoice.id)
    assert partial.status == "open" and partial.paid_amount == Decimal("60.00")
    payments.import_payments(bankfiles.read_camt054(
        CAMT.format(amount="55.00", archive="2", reference=invoice.reference).encode()), "camt054")
    paid = Invoice.get_by_id(invoice.id)
    assert paid.status == "paid"
    assert Credit.get(Credit.source_invoice == invoice).amount == Decimal("15.00")  # over-payment


def test_unknown_reference_is_kept_for_staff(invoice):
    payments.import_payments(bankfiles.read_csv("reference,amount,date\n12345672,10.00,2026-11-20\n").payments, "csv")
    assert Payment.get().status == "unmatched"


def test_a_broken_file_is_refused_with_a_reason():
    assert bankfiles.read_csv("reference;amount;date\n123;kymmenen;20.11.2026\n").rejected == [(2, "not_amount", {})]
    with pytest.raises(bankfiles.PaymentFileError):
        bankfiles.read_camt054(b"<not xml")


@pytest.mark.parametrize("total, kind, cutoff_days, fee", [
    ("250.00", "private", 35, "5.00"),   # 170 € or more: 5 weeks
    ("100.00", "private", 92, "5.00"),   # less: 3 months
    ("100.00", "business", 92, "10.00"),
])
def test_first_reminder_14_days_after_due_with_cutoff_and_fee(ctx, total, kind, cutoff_days, fee):
    owner = factories.customer(kind=kind)
    factories.resident(customer=owner, with_property=False)
    inv = water_invoice(owner, total=Decimal(total), days_ago=40)  # due 19 days ago
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
    inv = water_invoice(owner, total=Decimal("250.00"), days_ago=40)
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
    payments.import_payments([bankfiles.BankPayment(dt.date.today(), Decimal("80.00"), inv.reference, None, "x")], "csv")
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
    payments.import_payments([bankfiles.BankPayment(dt.date(2026, 3, 2), Decimal("500.00"), inv.reference, None, "a"),
                              bankfiles.BankPayment(dt.date(2026, 4, 1), Decimal("500.00"), inv.reference, None, "b")],
                             "csv")
    settings = interest.InterestSettings(rates=interest.parse_rates("2026-01-01:2.00"),
                                        minimum_interest=Decimal(5))
    assert interest.run(dt.date(2026, 7, 20), settings) == 1
    assert interest.run(dt.date(2026, 7, 20), settings) == 0  # the half-year is billed once
    bill = Invoice.get(Invoice.kind == "interest")
    # Interest days = payment date − due date: 1000 € for 1.2.–2.3. (30 days = 2.3. − 31.1.)
    # and 500 € for 3.3.–1.4. (30 days = 1.4. − 2.3.), at 2 + 7 = 9 %, each row to the cent.
    first, second = sorted(bill.rows, key=lambda r: r.period_start)
    assert (first.period_start, first.period_end, second.period_end) == (
        dt.date(2026, 2, 1), dt.date(2026, 3, 2), dt.date(2026, 4, 1))
    assert first.amount == (Decimal(1000) * 30 * Decimal("0.09") / 365).quantize(Decimal("0.01"))
    assert second.amount == (Decimal(500) * 30 * Decimal("0.09") / 365).quantize(Decimal("0.01"))
    assert bill.total == first.amount + second.amount and bill.period_start == dt.date(2026, 1, 1)


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
    payments.import_payments([bankfiles.BankPayment(dt.date(2026, 1, 30), Decimal("900.00"),
                                                   on_time.reference, None, "c")], "csv")
    settings = interest.InterestSettings(rates=interest.parse_rates("2026-01-01:2.00"),
                                        minimum_interest=Decimal(0))
    assert interest.run(dt.date(2026, 7, 20), settings) == 0


def test_late_interest_counts_the_payment_day_at_the_reference_rate_rounded_up():
    """The issue's example: 1000 € due 26.1.2026, 400 € paid 15.2. and 600 € 10.3.; 200 €
    due 15.5. still open; run on 1.7.2026. The ECB rate 2,15 % entered for the half-year is
    the reference rate 2,5 % (rounded up to a half point); consumers pay 2,5 + 7 = 9,5 %."""
    from domain import interest
    owner = factories.customer()
    a = Invoice.create(customer=owner, number="3000701", reference=fi_reference("3000701"), kind="water",
                       invoice_date=dt.date(2026, 1, 5), due_date=dt.date(2026, 1, 26), total=Decimal("1000.00"))
    Invoice.create(customer=owner, number="3000702", reference=fi_reference("3000702"), kind="waste",
                   invoice_date=dt.date(2026, 4, 24), due_date=dt.date(2026, 5, 15), total=Decimal("200.00"))
    payments.import_payments([bankfiles.BankPayment(dt.date(2026, 2, 15), Decimal("400.00"), a.reference, None, "p1"),
                              bankfiles.BankPayment(dt.date(2026, 3, 10), Decimal("600.00"), a.reference, None, "p2")],
                             "csv")
    settings = interest.InterestSettings(rates=interest.parse_rates("2025-07-01:2.15,2026-01-01:2.15"),
                                        minimum_interest=Decimal(5))
    assert interest.run(dt.date(2026, 7, 1), settings) == 1
    rows = sorted(Invoice.get(Invoice.kind == "interest").rows, key=lambda r: (r.meta["invoice"], r.period_start))
    rate = Decimal("0.095")
    # 15.2. − 26.1. = 20 days on 1000 €; 10.3. − 15.2. = 23 days on 600 €; 30.6. − 15.5. = 46 on 200 €.
    expected = [("3000701", 1000, 20), ("3000701", 600, 23), ("3000702", 200, 46)]
    assert [(r.meta["invoice"], Decimal(r.meta["principal"]), r.meta["days"], r.meta["rate"]) for r in rows] == [
        (n, Decimal(p), d, "9.5") for n, p, d in expected]
    assert [r.amount for r in rows] == [
        (Decimal(p) * rate * d / 365).quantize(Decimal("0.01")) for _n, p, d in expected]


@pytest.mark.parametrize("entered, reference", [
    ("2.15", "2.5"), ("3.15", "3.5"), ("2.50", "2.5"), ("3.0", "3.0"), ("3.01", "3.5"), ("0", "0")])
def test_the_reference_rate_is_the_ecb_rate_rounded_up_to_a_half_point(entered, reference):
    from domain import interest
    settings = interest.InterestSettings(rates=interest.parse_rates(f"2026-01-01:{entered}"))
    assert interest.reference_rate(settings, dt.date(2026, 3, 1)) == Decimal(reference)


def test_businesses_pay_eight_points_over_the_reference_rate():
    from domain import interest
    owner = factories.customer(kind="business")
    Invoice.create(customer=owner, number="3000801", reference=fi_reference("3000801"), kind="waste",
                   invoice_date=dt.date(2026, 1, 10), due_date=dt.date(2026, 1, 31), total=Decimal("1000.00"))
    settings = interest.InterestSettings(rates=interest.parse_rates("2026-01-01:2.50"),
                                        minimum_interest=Decimal(0))
    interest.run(dt.date(2026, 7, 1), settings)
    [row] = Invoice.get(Invoice.kind == "interest").rows
    # 30.6. − 31.1. = 150 days at 2,5 + 8 = 10,5 %.
    assert (row.meta["rate"], row.meta["days"]) == ("10.5", 150)
    assert row.amount == (Decimal(1000) * Decimal("0.105") * 150 / 365).quantize(Decimal("0.01"))


@pytest.mark.parametrize("sent, months, expected", [
    (dt.date(2026, 5, 31), 3, dt.date(2026, 8, 31)),   # not 28.8.
    (dt.date(2026, 11, 30), 3, dt.date(2027, 2, 28)),  # February has no 30th
    (dt.date(2027, 11, 29), 3, dt.date(2028, 2, 29)),  # leap year
    (dt.date(2026, 1, 15), 3, dt.date(2026, 4, 15)),
    (dt.date(2026, 10, 31), 3, dt.date(2027, 1, 31)),
])
def test_cutoff_month_end_is_the_last_day_of_the_month(sent, months, expected):
    assert dunning.cutoff_date(sent, Decimal("100.00"),
                               dunning.DunningSettings(cutoff_months_small_debt=months)) == expected


def test_the_170_euro_rule_uses_the_invoice_amount_not_what_is_left(ctx):
    owner = factories.customer()
    inv = water_invoice(owner, total=Decimal("200.00"), days_ago=40)
    payments.import_payments([bankfiles.BankPayment(dt.date.today(), Decimal("150.00"), inv.reference, None, "x")],
                             "csv")
    day = inv.due_date + dt.timedelta(days=14)
    dunning.run(day, SETTINGS)
    assert Reminder.get().cutoff_date == day + dt.timedelta(weeks=5)  # 200 € invoice, 50 € open


def test_a_waste_reminder_never_threatens_a_water_cutoff(ctx):
    owner = factories.customer(email="maksaja@example.fi")
    water = water_invoice(owner, total=Decimal("250.00"), days_ago=40)
    waste = factories.invoice(owner, kind="waste", total=Decimal("250.00"), days_ago=40)
    day = water.due_date + dt.timedelta(days=14)
    assert dunning.run(day, replace(SETTINGS, collection_days=21)) == {"first": 2, "second": 0}
    by_invoice = {r.invoice_id: r for r in Reminder.select()}
    assert by_invoice[water.id].cutoff_date == day + dt.timedelta(weeks=5)
    assert by_invoice[waste.id].cutoff_date == day + dt.timedelta(days=21)
    bodies = [o.body_text for o in Outbox.select()]
    water_mail = next(b for b in bodies if water.number in b)
    waste_mail = next(b for b in bodies if waste.number in b)
    assert "vesi" in water_mail.lower() and "katkai" in water_mail.lower()
    assert "katkai" not in waste_mail.lower() and "perintään" in waste_mail
    # No second reminder for waste: it goes to collection after the stated day.
    assert dunning.run(by_invoice[water.id].cutoff_date - dt.timedelta(days=14), SETTINGS)["second"] == 1
    assert Reminder.select().where(Reminder.invoice == waste.id).count() == 1
    assert waste.id in [i.id for i in dunning.collection_list(day + dt.timedelta(days=22))]


def test_late_interest_after_go_live_runs_on_what_was_open_whatever_recorded_the_payment(ctx):
    """Audit #22, 5: an imported invoice of 99,20 € of which 50,00 € was paid in the previous
    system (no payment row) and 20,00 € paid here on 31.3. By hand, at 2 + 7 = 9 %: 49,20 € for
    2.3.–31.3. (30 days) = 49,20 × 0,09 × 30 / 365 = 0,3639 → 0,36; 29,20 € for 1.4.–30.6.
    (91 days) = 29,20 × 0,09 × 91 / 365 = 0,6552 → 0,66; 1,02 € in all (it ran on 99,20)."""
    from domain import interest
    owner = factories.customer()
    inv = Invoice.create(customer=owner, number="3000601", reference=fi_reference("3000601"), kind="water",
                         invoice_date=dt.date(2026, 2, 8), due_date=dt.date(2026, 3, 1), total=Decimal("99.20"),
                         paid_amount=Decimal("50.00"), imported=True)
    payments.import_payments([bankfiles.BankPayment(dt.date(2026, 3, 31), Decimal("20.00"), inv.reference, None,
                                                    "go-live-1")], "csv")
    settings = interest.InterestSettings(rates=interest.parse_rates("2026-01-01:2.00"), minimum_interest=Decimal(0))
    assert interest.run(dt.date(2026, 7, 20), settings) == 1
    rows = sorted(Invoice.get(Invoice.kind == "interest").rows, key=lambda r: r.period_start)
    assert [(r.period_start, r.period_end, Decimal(r.meta["principal"]), r.amount) for r in rows] == [
        (dt.date(2026, 3, 2), dt.date(2026, 3, 31), Decimal("49.20"), Decimal("0.36")),
        (dt.date(2026, 4, 1), dt.date(2026, 6, 30), Decimal("29.20"), Decimal("0.66"))]
    assert Invoice.get(Invoice.kind == "interest").total == Decimal("1.02")
