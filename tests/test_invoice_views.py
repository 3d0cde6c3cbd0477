"""The resident's invoices: list, explained detail, and nobody else's."""
import datetime as dt
import re
from decimal import Decimal

import pytest

from domain import billing_runs, invoicing, price_list
from models.clock import HELSINKI, set_clock
from models import BillingCalendar, ConsumptionPoint, Invoice, Meter, PriceListRow, Property, Reading
from tests import factories
from tests.conftest import login

SETTINGS = invoicing.BillingSettings(credit_refund_threshold=Decimal(200), minimum_invoice=Decimal(10))


@pytest.fixture
def balanced(app):
    set_clock(dt.datetime(2026, 11, 23, 9, 0, tzinfo=HELSINKI))
    with app.app_context():
        PriceListRow.insert_many(price_list.price_rows()).execute()
        BillingCalendar.insert_many(price_list.billing_calendar_rows(2026, 2026)).execute()
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
    # The utility's account is the payee's, not "Oma tili" (which names the user's own account).
    assert re.search(r"<dt>Saajan tilinumero</dt><dd>FI", page)


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
    assert b"Saajan tilinumero" in body and b"Oma tili" not in body
    assert f"invoice-{invoice.number}.pdf" in response.headers["Content-Disposition"]
    from outbound.invoice_pdf import epc_qr_payload
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


def test_the_epc_qr_ends_with_the_reference_at_error_level_m():
    from decimal import Decimal
    from outbound.invoice_pdf import epc_qr, epc_qr_payload
    args = dict(bic="OKOYFIHH", name="Kymen Vesi ja Jäte", iban="FI49 5000 9420 0287 30",
                amount=Decimal("123.45"), rf_reference="RF63 1963 4357")
    assert epc_qr_payload(**args) == ("BCD\n002\n1\nSCT\nOKOYFIHH\nKymen Vesi ja Jäte\nFI4950009420028730\n"
                                      "EUR123.45\n\nRF6319634357")  # UTF-8 (1), nothing after the reference
    assert epc_qr(**args).error == "M"


def test_vat_per_rate_by_hand():
    from decimal import Decimal
    from types import SimpleNamespace as Row
    from domain.money import vat_breakdown
    rows = [Row(vat_rate=Decimal("25.50"), amount=Decimal("60.00")), Row(vat_rate=Decimal("25.5"), amount=Decimal("40.00")),
            Row(vat_rate=Decimal("24.00"), amount=Decimal("12.40")), Row(vat_rate=Decimal("0"), amount=Decimal("-10.00"))]
    # 100 € with 25,5 % VAT in it: 100 × 25,5 / 125,5 = 20,318… → 20,32; 12,40 × 24 / 124 = 2,40.
    assert vat_breakdown(rows) == [
        (Decimal("25.50"), Decimal("79.68"), Decimal("20.32"), Decimal("100.00")),
        (Decimal("24.00"), Decimal("10.00"), Decimal("2.40"), Decimal("12.40")),
        (Decimal("0.00"), Decimal("-10.00"), Decimal("0.00"), Decimal("-10.00"))]


def _pdf_text(body: bytes) -> str:
    """The text drawn in an uncompressed PDF (reportlab writes strings as (…) Tj)."""
    import re as regex
    return " ".join(m.decode("latin-1") for m in regex.findall(rb"\((.*?)\) Tj", body))


def test_page_and_pdf_explain_the_water_invoice_with_vat_and_seller(client, balanced, app):
    user, invoice = balanced
    login(client, user.username)
    page = client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "Y-tunnus 1234567-1 · ALV-numero FI12345671" in page
    assert "Kulutus lukemien välillä: 45,000 m³" in page  # 700 -> 745
    assert "Arvonlisävero verokannoittain" in page and "25,5 %" in page
    text = _pdf_text(client.get(f"/invoices/{invoice.id}.pdf").data)
    for expected in ("Kulutuspaikka 100444", "mittari 21000444", "Edellinen lukema: 700 m", "12.12.2025",
                     "Viimeisin lukema: 745 m", "20.6.2026", "45,000 m", "hennetyt arviot:",
                     "Y-tunnus 1234567-1", "ALV 25,5 %: veroton"):
        assert expected in text, expected


def test_a_credit_invoice_has_nothing_to_pay_and_no_payment_codes(client, app):
    from decimal import Decimal
    with app.app_context():
        user = factories.resident()
        credit = factories.invoice(user.customer, total=Decimal("-25.00"), status="credit")
    login(client, user.username)
    page = client.get(f"/invoices/{credit.id}").get_data(as_text=True)
    assert "Ei maksettavaa." in page and not re.findall(r">(\d{54})<", page)
    body = client.get(f"/invoices/{credit.id}.pdf").data
    text = _pdf_text(body)
    assert "Ei maksettavaa." in text and "viivakoodi" not in text.lower()  # no barcode, no QR beside it


def test_open_and_overdue_invoices_show_as_such_on_the_list_and_the_home_screen(client, app):
    set_clock(dt.datetime(2026, 11, 23, 9, 0, tzinfo=HELSINKI))
    user = factories.resident()
    factories.invoice(user.customer, number="1963001", days_ago=60, status="open")  # 24.9. + 21 days: due 15.10.
    factories.invoice(user.customer, number="1963002", days_ago=5, status="open")  # 18.11. + 21 days: due 9.12.
    factories.invoice(user.customer, number="1963003", days_ago=90, status="paid")
    login(client, user.username)
    listing = client.get("/invoices/").get_data(as_text=True)
    items = dict(re.findall(r'<li class="invoice-item( overdue| open)?">.*?>(\d{7})</a>', listing, re.S)[i][::-1]
                 for i in range(3))
    assert items == {"1963001": " overdue", "1963002": " open", "1963003": ""}
    assert "Erääntynyt</span> eräpäivä 15.10.2026" in listing and "eräpäivä 9.12.2026" in listing
    home = client.get(client.get("/login").headers.get("Location") or "/properties/", follow_redirects=True)
    page = home.get_data(as_text=True)
    assert "1 lasku on erääntynyt" in page and "eräpäivä 15.10.2026" in page


def test_the_basic_fee_invoice_is_explained_like_every_other(client, app):
    from domain import invoicing
    with app.app_context():
        PriceListRow.insert_many(price_list.price_rows()).execute()
        user = factories.resident()
        Property.update(dwellings=3).where(Property.customer == user.customer).execute()
        billing_runs.run_basic_fees(2027, dt.date(2027, 2, 15), invoicing.BillingSettings())
        invoice = Invoice.get(Invoice.kind == "basic_fee")
    login(client, user.username)
    page = client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "Jätehuollon perusmaksu" in page and "3 as. × 32,00" in page and "96,00" in page  # 3 × 32,00 €


def test_every_invoice_card_shows_its_date_due_date_amount_and_status(app, client):
    """Paid and credit invoices too, not only open and overdue ones (audit #22, 20)."""
    set_clock(dt.datetime(2026, 11, 23, 9, 0, tzinfo=HELSINKI))
    with app.app_context():
        user = factories.resident(username="korttimaija")
        owner = user.customer
        cards = [factories.invoice(owner, number="7000001", invoice_date=dt.date(2026, 5, 4),
                                   due_date=dt.date(2026, 5, 25), total=Decimal("41.58"), status="paid"),
                 factories.invoice(owner, number="7000002", invoice_date=dt.date(2026, 8, 3),
                                   due_date=dt.date(2026, 8, 24), total=Decimal("63.10")),
                 factories.invoice(owner, number="7000003", invoice_date=dt.date(2026, 11, 2),
                                   due_date=dt.date(2026, 11, 30), total=Decimal("12.40")),
                 factories.invoice(owner, number="7000004", invoice_date=dt.date(2026, 6, 1),
                                   due_date=dt.date(2026, 6, 22), total=Decimal("-8.05"), status="credit")]
    login(client, "korttimaija")
    page = client.get("/invoices/").get_data(as_text=True)
    items = re.findall(r'<li class="invoice-item[^"]*">(.*?)</li>', page, re.S)
    expected = {"7000001": ("4.5.2026", "25.5.2026", "41,58", "Maksettu"),
                "7000002": ("3.8.2026", "24.8.2026", "63,10", "Erääntynyt"),
                "7000003": ("2.11.2026", "30.11.2026", "12,40", "Avoin"),
                "7000004": ("1.6.2026", "22.6.2026", "-8,05", "Hyvitys")}
    assert len(items) == len(cards) == 4
    for item in items:
        number = re.search(r">(\d{7})</a>", item)[1]
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item)).replace("\u2212", "-")
        for part in expected[number]:
            assert part in text, (number, part, text)
