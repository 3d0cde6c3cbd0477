"""The administrator's pages in Chromium (axe on each): a new price from a date with a
mistake first, a billing period's dates; customer service reads the same pages."""
import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from domain import schedule
from models import PriceListRow, Property, User
from models.clock import today
from tests.journeys.conftest import LOCALES, PHONE, assert_accessible
from tests.journeys.test_foundation import log_in

pytestmark = pytest.mark.journey


def test_an_administrator_sets_next_years_water_price(page, live_server):
    page.goto("/login")
    log_in(page, "paakayttaja", lands="**/staff/")
    page.goto("/admin/")
    assert_accessible(page)
    page.get_by_role("link", name="Hinnasto").click()
    expect(page.get_by_role("heading", name="Hinnasto")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Vesi", exact=True).click()
    assert_accessible(page)
    # A mistake: a price that starts today, written with a letter.
    page.fill("#unit_price", "2,7o")
    page.fill("#valid_from", today().isoformat())
    page.get_by_role("button", name="Tallenna uusi hinta").click()
    expect(page.locator("#error-summary")).to_contain_text("Kirjoita hinta euroina")
    expect(page.locator("#unit_price")).to_have_value("2,7o")  # what was typed is kept
    assert_accessible(page)
    start = dt.date(today().year + 1, 1, 1)
    page.fill("#unit_price", "2,70")
    page.fill("#valid_from", start.isoformat())
    page.get_by_role("button", name="Tallenna uusi hinta").click()
    expect(page.get_by_role("heading", name="Hinnasto")).to_be_visible()
    expect(page.locator("main")).to_contain_text(f"2,70 € / m³ alkaen {start.day}.{start.month}.{start.year}")
    assert_accessible(page)
    with live_server.app.app_context():
        assert PriceListRow.get((PriceListRow.component == "water") & (PriceListRow.valid_from == start)).unit_price == Decimal("2.70")

    page.goto("/admin/calendars")
    assert_accessible(page)
    page.locator("table a.row-link").last.click()  # the year's last period: not billed yet
    assert_accessible(page)
    page.fill("#due_date", page.input_value("#billing_date"))  # due on the billing day: too early
    page.get_by_role("button", name="Tallenna päivät").click()
    expect(page.locator("#error-summary")).to_contain_text("vähintään 14 päivää")
    assert_accessible(page)


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_customer_service_reads_prices_and_calendars(browser, live_server, lang):
    with live_server.app.app_context():
        User.update(language=lang).where(User.username == "asiakaspalvelu").execute()
    context = browser.new_context(viewport=PHONE, locale=LOCALES[lang], base_url=live_server.url)
    page = context.new_page()
    try:
        page.goto("/login")
        log_in(page, "asiakaspalvelu", button={"fi": "Kirjaudu sisään", "sv": "Logga in"}[lang], lands="**/staff/")
        for url in ("/admin/", "/admin/prices", "/admin/vat", "/admin/calendars", "/admin/settings",
                    "/admin/areas", "/admin/area", "/admin/days"):
            page.goto(url)
            assert_accessible(page)
            expect(page.locator("main form[method=post]")).to_have_count(0)
        page.goto("/admin/prices")
        page.locator("table a.row-link").first.click()
        assert_accessible(page)
        expect(page.locator("main")).to_contain_text({"fi": "Pääkäyttäjät muuttavat hintoja.",
                                                      "sv": "Huvudanvändarna ändrar priserna."}[lang])
    finally:
        context.close()


def test_an_administrator_announces_a_day_sets_a_fee_and_moves_an_areas_route(page, live_server):
    """A Friday three weeks ahead (or later) closed, its emptyings moved to the Saturday;
    maija's calendar names the day; a reminder fee with a typo first; an area's route."""
    friday = today() + dt.timedelta(days=21)
    friday += dt.timedelta(days=(4 - friday.weekday()) % 7)
    with live_server.app.app_context():
        while schedule.holiday_name(friday) or schedule.holiday_name(friday + dt.timedelta(days=1)):
            friday += dt.timedelta(days=7)
        maija = User.get(User.username == "maija")
        prop = Property.select().where(Property.customer == maija.customer).first()
        area = prop.collection_area
    page.goto("/login")
    log_in(page, "paakayttaja", lands="**/staff/")
    page.goto("/admin/")
    page.get_by_role("link", name="Ilmoitetut päivät").click()
    assert_accessible(page)
    page.fill("#day", friday.isoformat())
    page.fill("#moved_to", (friday + dt.timedelta(days=2)).isoformat())  # a Sunday: refused
    page.fill("#name_fi", "Jäteaseman huoltopäivä")
    page.get_by_role("button", name="Ilmoita päivä").click()
    expect(page.locator("#error-summary")).to_contain_text("sunnuntaille")
    expect(page.locator("#name_fi")).to_have_value("Jäteaseman huoltopäivä")
    assert_accessible(page)
    page.fill("#moved_to", (friday + dt.timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Ilmoita päivä").click()
    expect(page.locator("main")).to_contain_text("Jäteaseman huoltopäivä")
    saturday = friday + dt.timedelta(days=1)
    expect(page.locator("main")).to_contain_text(
        f"Tyhjennykset siirtyvät päivälle {saturday.day}.{saturday.month}.{saturday.year}")
    assert_accessible(page)

    page.goto("/admin/settings")
    assert_accessible(page)
    page.fill("#reminder_fee_private", "7,5O")
    page.get_by_role("button", name="Tallenna asetukset").click()
    expect(page.locator("#error-summary")).to_contain_text("Kirjoita summa euroina")
    expect(page.locator("#reminder_fee_private")).to_have_value("7,5O")
    assert_accessible(page)
    page.fill("#reminder_fee_private", "7,50")
    page.get_by_role("button", name="Tallenna asetukset").click()
    expect(page.locator(".notice-success")).to_contain_text("Asetukset tallennettu: 1 muuttui.")
    expect(page.locator("#reminder_fee_private")).to_have_value("7,50")
    assert_accessible(page)

    page.goto("/admin/areas")
    assert_accessible(page)
    page.get_by_role("link", name=area, exact=True).click()
    assert_accessible(page)
    page.select_option("#route_weekday", "0")
    page.fill("#move_from", friday.isoformat())
    page.get_by_role("button", name="Tallenna alue").click()
    expect(page.get_by_role("heading", name="Keräysalueet")).to_be_visible()
    expect(page.locator("#area-1")).to_contain_text("maanantai")
    assert_accessible(page)

    maija_page = page.context.browser.new_context(viewport=PHONE, locale="fi-FI", base_url=live_server.url).new_page()
    maija_page.goto("/login")
    log_in(maija_page, "maija")
    maija_page.goto(f"/properties/{prop.id}/calendar?month={friday:%Y-%m}")
    expect(maija_page.locator("main")).to_contain_text("Jäteaseman huoltopäivä")
    assert_accessible(maija_page)
    maija_page.context.close()

    page.goto("/admin/days")
    page.get_by_role("button", name="Peru").click()
    expect(page.locator("main")).to_contain_text("Ei ilmoitettuja päiviä.")
    assert_accessible(page)
