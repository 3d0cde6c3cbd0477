"""Invoices in Chromium: the list, a balancing invoice explained, in Finnish and Swedish."""
import pytest
from playwright.sync_api import expect

from models import Invoice, InvoiceRow, User
from tests.journeys.conftest import assert_accessible
from tests.journeys.test_foundation import log_in

pytestmark = pytest.mark.journey


def balancing_invoice(live_server):
    with live_server.app.app_context():
        anna = User.by_login("anna")
        return (Invoice.select().join(InvoiceRow)
                .where((Invoice.customer == anna.customer) & (InvoiceRow.code == "water_actual"))
                .order_by(Invoice.invoice_date.desc()).first())


def test_invoices_and_an_explained_balancing_invoice(page, live_server):
    invoice = balancing_invoice(live_server)
    assert invoice is not None, "demo data bills Anna's remote-read meter with balancing"
    page.goto("/login")
    log_in(page, "anna")
    page.get_by_role("navigation", name="Päävalikko").get_by_role("link", name="Laskut").click()
    assert_accessible(page)
    page.get_by_role("link", name=invoice.number).click()
    expect(page.get_by_role("heading", name="Tasaus")).to_be_visible()
    expect(page.locator("body")).to_contain_text("Edellinen lukema")
    barcode = page.locator(".barcode-text").inner_text()
    assert len(barcode) == 54 and barcode.startswith("4")
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Lataa PDF-tiedostona").click()
    pdf = download.value
    assert pdf.suggested_filename == f"invoice-{invoice.number}.pdf"
    assert open(pdf.path(), "rb").read().startswith(b"%PDF")


@pytest.mark.parametrize("context", ["sv"], indirect=True)
def test_invoice_pages_in_swedish_are_accessible(page, live_server):
    invoice = balancing_invoice(live_server)
    with live_server.app.app_context():
        User.update(language="sv").where(User.username == "anna").execute()
    page.goto("/login")
    log_in(page, "anna", button="Logga in")
    page.goto("/invoices/")
    assert_accessible(page)
    page.goto(f"/invoices/{invoice.id}")
    expect(page.get_by_role("heading", name="Utjämning")).to_be_visible()
    assert_accessible(page)
