"""The resident's invoices: list, explained detail, and nobody else's."""
import datetime as dt
import re

import pytest

from domain import billing_runs, demo
from domain.clock import HELSINKI, set_clock
from models import BillingCalendar, ConsumptionPoint, Invoice, Meter, PriceListRow, Property, Reading
from tests import factories
from tests.conftest import login

SETTINGS = {"CREDIT_REFUND_THRESHOLD": 200, "MINIMUM_INVOICE": 10}


@pytest.fixture
def balanced(app):
    set_clock(dt.datetime(2026, 11, 23, 9, 0, tzinfo=HELSINKI))
    with app.app_context():
        PriceListRow.insert_many(demo.price_rows()).execute()
        BillingCalendar.insert_many(demo.billing_calendar_rows(2026, 2026)).execute()
        user = factories.resident()
        prop = Property.get(Property.customer == user.customer)
        point = ConsumptionPoint.create(number="100444", property=prop, billing_group="1", persons=2,
                                        annual_estimate_m3=90)
        meter = Meter.create(point=point, number="21000444", size="DN20", installed_on=dt.date(2020, 1, 1))
        Reading.create(meter=meter, read_on=dt.date(2025, 12, 12), value=700)
        billing_runs.run_water(dt.date(2026, 4, 4), SETTINGS)
        Reading.create(meter=meter, read_on=dt.date(2026, 6, 20), value=745)
        billing_runs.run_water(dt.date(2026, 7, 4), SETTINGS)
    return user, Invoice.get(Invoice.billing_key == f"water:{point.id}:2026-04-01")


def test_invoice_list_and_the_explained_balancing_invoice(client, balanced):
    user, invoice = balanced
    login(client, user.username)
    listing = client.get("/invoices/").get_data(as_text=True)
    assert invoice.number in listing and user.customer.number in listing  # the e-invoice note
    page = client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "Tasaus" in page and "Edellinen lukema: 700 m³ (12.12.2025)" in page
    assert "Viimeisin lukema: 745 m³ (20.6.2026)" in page
    assert invoice.rf_reference[:4] in page
    [barcode] = re.findall(r">(\d{54})<", page)
    assert barcode.startswith("4") and barcode.endswith(invoice.due_date.strftime("%y%m%d"))
    assert invoice.reference in barcode


def test_another_residents_invoice_is_not_found(client, balanced):
    _, invoice = balanced
    other = factories.resident()
    login(client, other.username)
    assert client.get(f"/invoices/{invoice.id}").status_code == 404
    assert invoice.number not in client.get("/invoices/").get_data(as_text=True)


def test_the_pdf_has_the_rows_the_barcode_and_a_payment_qr(client, balanced):
    user, invoice = balanced
    login(client, user.username)
    page = client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    [barcode] = re.findall(r">(\d{54})<", page)
    response = client.get(f"/invoices/{invoice.id}.pdf")
    assert response.mimetype == "application/pdf"
    body = response.data
    assert body.startswith(b"%PDF") and barcode.encode() in body
    assert f"invoice-{invoice.number}.pdf" in response.headers["Content-Disposition"]
    from domain.invoice_pdf import epc_qr_payload
    payload = epc_qr_payload(bic="OKOYFIHH", name="X", iban="FI49 5000 9420 0287 30",
                             amount=invoice.total, rf_reference=invoice.rf_reference)
    assert payload.split("\n")[:4] == ["BCD", "002", "1", "SCT"] and invoice.rf_reference in payload
    other = factories.resident()
    client.post("/logout", data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)})
    login(client, other.username)
    assert client.get(f"/invoices/{invoice.id}.pdf").status_code == 404


def test_a_refund_asks_for_a_valid_account_and_keeps_it(client, app):
    from models import Credit
    from tests.conftest import post_form
    with app.app_context():
        user = factories.resident()
        source = factories.invoice(user.customer, number="3000099")
        credit = Credit.create(customer=user.customer, source_invoice=source, amount=250, refund_due=True)
    login(client, user.username)
    page = client.get("/invoices/").get_data(as_text=True)
    assert "250,00" in page and f'id="c{credit.id}-iban"' in page
    bad = post_form(client, f"/invoices/refunds/{credit.id}", {f"c{credit.id}-iban": "FI49 5000 9420 0287 31"},
                    page="/invoices/")
    assert bad.status_code == 422 and 'value="FI49 5000 9420 0287 31"' in bad.get_data(as_text=True)
    ok = post_form(client, f"/invoices/refunds/{credit.id}", {f"c{credit.id}-iban": "fi49 5000 9420 0287 30"},
                   page="/invoices/")
    assert ok.status_code == 303 and Credit.get_by_id(credit.id).refund_iban == "FI4950009420028730"
    other = factories.resident()
    client.post("/logout", data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)})
    login(client, other.username)
    assert post_form(client, f"/invoices/refunds/{credit.id}", {f"c{credit.id}-iban": "FI4950009420028730"},
                     page="/invoices/").status_code == 404


def test_iban_check():
    from domain.iban import is_valid_iban
    assert is_valid_iban("FI49 5000 9420 0287 30") and is_valid_iban("DE89370400440532013000")
    assert not is_valid_iban("FI49 5000 9420 0287 31") and not is_valid_iban("FI4950009420028")
