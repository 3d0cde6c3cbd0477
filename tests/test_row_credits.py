"""Crediting a billed row with a reason (audit #22, 8): a credit note the next invoice carries
or that is refunded, once per row, audited. Amounts by hand in each test."""
import datetime as dt
from decimal import Decimal

import pytest

from domain.errors import FieldError

from domain import billing, billing_runs, invoicing, price_list, row_credits
from models import AuditLog, Credit, Emptying, Invoice, InvoiceRow, PriceListRow, Property
from tests import factories
from tests.conftest import login, post_form

SETTINGS = invoicing.BillingSettings(credit_refund_threshold=Decimal(200), minimum_invoice=Decimal(10))


def test_customer_service_credits_a_wrongly_billed_emptying_and_the_next_invoice_carries_it(app, client):
    """Two emptyings of a 240 L mixed bin billed on 20.1.2027: treatment 2 × 2,84 = 5,68 and
    emptying 2 × 3,95 = 7,90, 13,58 €. The emptying row is credited ("the bin was not
    emptied"): a credit note of −7,90 €. Next quarter's invoice (2 × 6,79 = 13,58) carries it:
    13,58 − 7,90 = 5,68 €."""
    with app.app_context():
        PriceListRow.insert_many(price_list.price_rows()).execute()
        factories.staff(username="asiakaspalvelu")
        owner = factories.customer()
        prop = factories.property_(owner)
        contract = prop.waste_contracts.get()
        for day in (dt.date(2026, 11, 4), dt.date(2026, 11, 18)):
            Emptying.create(contract=contract, emptied_on=day, bin_count=1)
        billing_runs.run_waste(dt.date(2026, 10, 1), dt.date(2026, 12, 31), dt.date(2027, 1, 20), SETTINGS)
        invoice = Invoice.get(Invoice.customer == owner)
        row = invoice.rows.where(InvoiceRow.code == "bin_emptying").get()
        assert (invoice.total, row.amount) == (Decimal("13.58"), Decimal("7.90"))
    login(client, "asiakaspalvelu")
    page = f"/staff/invoices/{invoice.id}"
    assert "Hyvitä rivi" in client.get(page).get_data(as_text=True)
    action = f"{page}/rows/{row.id}/credit"
    empty = post_form(client, action, {f"row{row.id}-reason": "  "}, page=page)
    assert empty.status_code == 422 and "Kirjoita, miksi rivi hyvitetään" in empty.get_data(as_text=True)
    done = post_form(client, action, {f"row{row.id}-reason": "Astia ei ollut tyhjennetty 18.11."}, page=page)
    assert done.status_code == 303
    again = post_form(client, action, {f"row{row.id}-reason": "Uudestaan"}, page=page)
    assert again.status_code == 422  # a row is credited once
    with app.app_context():
        note = Invoice.get(Invoice.kind == "credit_note")
        [negated] = note.rows
        assert (note.total, note.status, note.point_id) == (Decimal("-7.90"), "credit", None)
        assert (negated.code, negated.amount, negated.meta["credits"]) == ("bin_emptying", Decimal("-7.90"),
                                                                           invoice.number)
        credit = Credit.get(Credit.source_invoice == note)
        assert (credit.amount, credit.refund_due, credit.used_invoice_id) == (Decimal("7.90"), False, None)
        entry = AuditLog.get(AuditLog.action == "row_credited")
        assert entry.after_json and "Astia ei ollut" in entry.after_json
        for day in (dt.date(2027, 2, 3), dt.date(2027, 2, 17)):
            Emptying.create(contract=contract, emptied_on=day, bin_count=1)
        billing_runs.run_waste(dt.date(2027, 1, 1), dt.date(2027, 3, 31), dt.date(2027, 4, 20), SETTINGS)
        spring = Invoice.get((Invoice.customer == owner) & (Invoice.invoice_date == dt.date(2027, 4, 20)))
        assert spring.total == Decimal("5.68")
        assert Credit.get_by_id(credit.id).used_invoice_id == spring.id
    resident = factories_resident_for(app, owner)
    login(resident, "hyvitetty")
    text = resident.get(f"/invoices/{note.id}").get_data(as_text=True)
    assert "Astia ei ollut tyhjennetty 18.11." in text and invoice.number in text


def factories_resident_for(app, owner):
    with app.app_context():
        factories.resident(username="hyvitetty", customer=owner, with_property=False)
    return app.test_client()


def test_a_large_credit_is_refunded_and_a_credit_row_cannot_be_credited(ctx):
    """A septic tank emptying billed by mistake: base fee 78,00 and 4,0 m³ × 34,50 = 138,00,
    216,00 €. The m³ row credited with a refund threshold of 100 €: a credit note of
    −138,00 €, at or over the threshold, so a refund due (not carried); the credit note's
    own row cannot be credited again."""
    owner = factories.customer()
    staff = factories.staff()
    rows = [billing.Row("sludge_base", Decimal(1), "emptying", Decimal("78.00"), Decimal("25.5")),
            billing.Row("sludge_m3", Decimal("4.0"), "m3", Decimal("34.50"), Decimal("25.5"))]
    draft = invoicing.Draft(owner.id, "waste", "waste:test", rows, dt.date(2027, 1, 20), dt.date(2027, 2, 10),
                            (dt.date(2026, 10, 1), dt.date(2026, 12, 31)))
    [made] = invoicing.save_batch([draft], numbers=invoicing.Numbers(), run=None, settings=SETTINGS)
    invoice = Invoice.get_by_id(made.id)
    assert invoice.total == Decimal("216.00")
    m3_row = invoice.rows.where(InvoiceRow.code == "sludge_m3").get()
    low = invoicing.BillingSettings(credit_refund_threshold=Decimal(100))
    note = row_credits.credit_row(m3_row, staff, reason="Tyhjennys kuului naapurille", settings=low,
                                  today=dt.date(2027, 1, 25))
    assert note.total == Decimal("-138.00")
    assert Credit.get(Credit.source_invoice == note).refund_due is True
    [credit_row] = note.rows
    with pytest.raises(FieldError) as error:
        row_credits.credit_row(credit_row, staff, reason="x", settings=low, today=dt.date(2027, 1, 25))
    assert error.value.code == "row_not_creditable"
    assert Property.select().count() == 0
