"""Both roles in Chromium: a resident asks, customer service decides, email arrives."""
import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from domain import schedule
from outbound import mail
from models.clock import today
from models import Property, User, WasteContract
from tests.journeys.conftest import LOCALES, PHONE, assert_accessible
from tests.journeys.test_foundation import log_in
from tests.smtp import SmtpServer

pytestmark = pytest.mark.journey


@pytest.fixture
def smtp(live_server):
    server = SmtpServer().start()
    live_server.app.config.update(server.settings())
    yield server
    server.stop()


def send_outbox(live_server):
    """What the scheduler's outbox job does every minute."""
    with live_server.app.app_context():
        return mail.send_due()


def staff_page(browser, live_server, lang="fi"):
    context = browser.new_context(viewport=PHONE, locale=LOCALES[lang], base_url=live_server.url)
    page = context.new_page()
    page.goto("/login")
    log_in(page, "asiakaspalvelu", button={"fi": "Kirjaudu sisään", "sv": "Logga in"}[lang], lands="**/staff/")
    return context, page


def test_interval_request_approved_by_staff_changes_the_calendar_and_emails(page, browser, live_server, smtp):
    with live_server.app.app_context():
        maija = User.by_login("maija")
        home = Property.of_user(maija).where(Property.collection_area == "Kouvola keskusta").get()
        contract = WasteContract.get((WasteContract.property == home) & (WasteContract.waste_type == "mixed"))
        effective = schedule.monday(today() + dt.timedelta(days=14))
    page.goto("/login")
    log_in(page, "maija")
    page.goto(f"/properties/{home.id}/contracts/{contract.id}/change/interval")
    page.fill("#effective", effective.isoformat())
    page.check("#interval-4")  # every 4 weeks
    page.get_by_role("button", name="Lähetä pyyntö").click()
    expect(page.locator("#orders")).to_contain_text("Odottaa asiakaspalvelua")

    context, staff = staff_page(browser, live_server)
    assert_accessible(staff)
    staff.get_by_role("link", name="Pyynnöt").first.click()
    assert_accessible(staff)
    staff.get_by_role("link", name="Tyhjennysvälin muutos").first.click()
    assert_accessible(staff)
    staff.fill("#note", "Muutos tehty, kiitos.")
    staff.get_by_role("button", name="Hyväksy").click()
    expect(staff.locator(".notice")).to_contain_text("Hyväksytty.")
    context.close()

    assert send_outbox(live_server)[0] >= 1
    [message] = [m for m in smtp.inbox.wait_for(1) if m["To"] == "maija.virtanen@example.fi"]
    assert "hyväksynyt" in message.get_body(("plain",)).get_content()

    days = []
    month = effective.replace(day=1)
    for _ in range(3):
        page.goto(f"/properties/{home.id}/calendar?month={month:%Y-%m}")
        cells = page.locator("td.has-emptying:not(.other-month):has(.emptying.waste-mixed) .day-number")
        days += [month.replace(day=int(d)) for d in cells.all_inner_texts()]
        month = (month + dt.timedelta(days=32)).replace(day=1)
    after = [d for d in days if d >= effective]
    gaps = [(b - a).days for a, b in zip(after, after[1:])]
    assert len(after) >= 2 and all(26 <= g <= 30 for g in gaps), after  # every 4 weeks (±holidays)
    page.goto(f"/properties/{home.id}")
    expect(page.locator("#orders")).to_contain_text("Hyväksytty")


def test_support_message_answered_by_staff_reaches_the_resident(page, browser, live_server, smtp):
    page.goto("/login")
    log_in(page, "maija")
    page.get_by_role("navigation", name="Päävalikko").get_by_role("link", name="Tuki").click()
    assert_accessible(page)
    page.select_option("#category", "emptying")
    page.fill("#subject", "Astia jäi tyhjentämättä")
    page.fill("#body", "Tiistaina auto ei käynyt.")
    page.check("#contact_method-email")
    page.get_by_role("button", name="Lähetä").click()
    page.wait_for_url(re.compile(r"/support/\d+$"))
    assert_accessible(page)
    thread_url = page.url

    context, staff = staff_page(browser, live_server)
    staff.get_by_role("link", name="Asiakastuen viestit").click()
    assert_accessible(staff)
    staff.get_by_role("link", name="Astia jäi tyhjentämättä").click()
    assert_accessible(staff)
    staff.fill("#body", "Auto käy huomenna uudelleen.")
    staff.get_by_role("button", name="Lähetä").click()
    expect(staff.locator(".notice")).to_contain_text("Vastaus on lähetetty.")
    for path in ("/staff/readings", "/staff/customers?q=Virtanen", "/staff/audit", "/staff/compost",
                 "/staff/billing"):
        staff.goto(path)
        assert_accessible(staff)
    context.close()

    send_outbox(live_server)
    answers = [m for m in smtp.inbox.wait_for(2) if "Auto käy huomenna" in m.get_body(("plain",)).get_content()]
    assert len(answers) == 1 and answers[0]["To"] == "maija.virtanen@example.fi"
    page.goto(thread_url)
    expect(page.locator(".messages")).to_contain_text("Auto käy huomenna uudelleen.")


def test_composting_notice_made_and_listed(page, live_server):
    page.goto("/login")
    log_in(page, "maija")
    page.goto("/compost/")
    assert_accessible(page)
    page.get_by_role("link", name="Tee kompostointi-ilmoitus").click()
    assert_accessible(page)
    page.fill("#persons", "2")
    page.fill("#volume_l", "220")
    page.fill("#composted", "Ruokajäte")
    page.get_by_role("button", name="Lähetä ilmoitus").click()
    expect(page.locator("#confirm_disuse-error")).to_be_visible()
    assert page.input_value("#composted") == "Ruokajäte"
    assert_accessible(page)
    page.check("#confirm_disuse")
    page.check("#confirm_correct")
    page.get_by_role("button", name="Lähetä ilmoitus").click()
    page.wait_for_url("**/compost/")
    expect(page.locator(".notice")).to_contain_text("rekisterissä")


@pytest.mark.parametrize("context", ["sv"], indirect=True)
def test_new_pages_in_swedish_are_accessible(page, browser, live_server):
    with live_server.app.app_context():
        User.update(language="sv").where(User.username.in_(["maija", "asiakaspalvelu"])).execute()
    page.goto("/login")
    log_in(page, "maija", button="Logga in")
    for path in ("/compost/", "/compost/new", "/support/"):
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == "sv"
        assert_accessible(page)
    context, staff = staff_page(browser, live_server, "sv")
    for path in ("/staff/", "/staff/requests", "/staff/support", "/staff/readings",
                 "/staff/customers?q=Virtanen", "/staff/audit", "/staff/compost", "/staff/billing",
                 "/staff/jobs"):
        staff.goto(path)
        assert staff.locator("html").get_attribute("lang") == "sv"
        assert_accessible(staff)
    context.close()


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_customer_service_credits_a_billed_row_and_the_resident_sees_why(browser, live_server, lang):
    """Audit #22, 8, in Chromium: from the customer's page to an invoice, a row credited with
    a reason after a first try without one; Maija sees the credit note and the reason."""
    from models import Invoice, InvoiceRow
    with live_server.app.app_context():
        maija = User.by_login("maija")
        invoice = (Invoice.select().join(InvoiceRow).where((Invoice.customer == maija.customer_id) & ~Invoice.imported &
                                                           (InvoiceRow.amount > 0) & (Invoice.kind != "credit_note"))
                   .order_by(Invoice.id).first())
        row = invoice.rows.where(InvoiceRow.amount > 0).order_by(InvoiceRow.position).first()
        customer_id = maija.customer_id
        User.update(language=lang).where(User.username.in_(["maija", "asiakaspalvelu"])).execute()
    context, staff = staff_page(browser, live_server, lang)
    staff.goto(f"/staff/customers/{customer_id}")
    staff.get_by_role("link", name=invoice.number).click()
    assert_accessible(staff)
    words = {"fi": ("Hyvitä rivi", "Kirjoita, miksi rivi hyvitetään", "Hyvitetty hyvityslaskulla"),
             "sv": ("Kreditera raden", "Skriv varför raden krediteras", "Krediterad på kreditnota")}[lang]
    item = staff.locator(f"#row-{row.id}")
    item.get_by_text(words[0]).click()
    item.get_by_role("button").click()  # no reason: refused, said why
    expect(staff.locator(".error-summary, #error-summary").first).to_contain_text(words[1])
    assert_accessible(staff)
    staff.locator(f"#row-{row.id} textarea").fill("Tyhjennys merkittiin väärälle kohteelle.")
    staff.locator(f"#row-{row.id}").get_by_role("button").click()
    expect(staff.locator(f"#row-{row.id}")).to_contain_text(words[2])
    assert_accessible(staff)
    staff.screenshot(path=f"test-artifacts/screens/staff-invoice-credited-{lang}.png", full_page=True)
    context.close()
    with live_server.app.app_context():
        note = Invoice.get((Invoice.kind == "credit_note") & (Invoice.customer == customer_id))
    resident = browser.new_context(viewport=PHONE, locale=LOCALES[lang], base_url=live_server.url).new_page()
    resident.goto("/login")
    log_in(resident, "maija", button={"fi": "Kirjaudu sisään", "sv": "Logga in"}[lang])
    resident.goto(f"/invoices/{note.id}")
    expect(resident.locator("main")).to_contain_text("Tyhjennys merkittiin väärälle kohteelle.")
    assert_accessible(resident)
    resident.screenshot(path=f"test-artifacts/screens/credit-note-{lang}.png", full_page=True)
    resident.context.close()
