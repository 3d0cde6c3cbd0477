"""Waste self-service in Chromium: calendar, extra emptying, requests, in Finnish and Swedish."""
import re

import pytest
from playwright.sync_api import expect

from models import Property, User, WasteOrder
from tests.journeys.conftest import LOCALES, PHONE, assert_accessible
from tests.journeys.test_foundation import log_in

pytestmark = pytest.mark.journey


def maijas_home(live_server):
    with live_server.app.app_context():
        maija = User.by_login("maija")
        return (Property.of_user(maija).where(Property.collection_area == "Kouvola keskusta").get())


def test_calendar_months_then_an_extra_emptying_that_shows_in_orders(page, live_server):
    home = maijas_home(live_server)
    page.goto("/login")
    log_in(page, "maija")
    page.get_by_role("link", name=re.compile(home.street)).click()
    assert_accessible(page)
    page.get_by_role("link", name="Tyhjennyskalenteri").click()
    assert_accessible(page)
    heading = page.locator("#calendar-heading")
    this_month = heading.inner_text()
    page.locator("#calendar a[rel=next]").click()
    expect(heading).not_to_have_text(this_month)
    assert "month=" in page.url  # the URL reflects the month
    next_month = heading.inner_text()
    assert_accessible(page)
    page.locator("#calendar a[rel=prev]").click()
    expect(heading).to_have_text(this_month)
    assert page.locator(".emptying").count() >= 1
    assert next_month != this_month

    page.get_by_role("link", name="Tilaa lisätyhjennys").first.click()
    assert_accessible(page)
    page.fill("#info", "Astia on portin vieressä")
    page.check("#terms")
    with live_server.app.app_context():
        before = WasteOrder.select().count()
    page.get_by_role("button", name="Tilaa lisätyhjennys").dblclick()
    page.wait_for_url(re.compile(rf"/properties/{home.id}"))
    orders = page.locator("#orders")
    assert "Lisätyhjennys" in orders.inner_text()
    assert "Odottaa asiakaspalvelua" in orders.inner_text()
    assert_accessible(page)
    with live_server.app.app_context():
        assert WasteOrder.select().count() == before + 1  # a double click makes one order


def test_the_calendar_works_without_javascript(browser, live_server):
    context = browser.new_context(viewport=PHONE, locale=LOCALES["fi"], base_url=live_server.url,
                                  java_script_enabled=False)
    page = context.new_page()
    home = maijas_home(live_server)
    page.goto("/login")
    log_in(page, "maija")
    page.goto(f"/properties/{home.id}/calendar")
    first = page.locator("#calendar-heading").inner_text()
    page.locator("#calendar a[rel=next]").click()
    page.wait_for_load_state()
    assert "month=" in page.url and page.locator("#calendar-heading").inner_text() != first
    page.locator("#calendar a[rel=prev]").click()
    assert page.locator("#calendar-heading").inner_text() == first
    # The billing address edit and the orders filter are plain forms too.
    page.goto(f"/properties/{home.id}")
    page.get_by_role("link", name="Muokkaa laskutusosoitetta").click()
    page.fill("#postal_code", "45130")
    page.get_by_role("button", name="Tallenna").click()
    assert "45130" in page.locator("#billing-address").inner_text()
    context.close()


def test_interval_request_with_a_wrong_date_keeps_the_input(page, live_server):
    home = maijas_home(live_server)
    page.goto("/login")
    log_in(page, "maija")
    page.goto(f"/properties/{home.id}")
    page.get_by_role("link", name="Muokkaa sopimusta").first.click()
    assert_accessible(page)
    page.get_by_role("link", name="Muuta tyhjennysväliä").click()
    page.fill("#effective", "2020-01-01")
    page.check("#interval-4" if page.locator("#interval-4").is_enabled() else "#interval-1")
    page.fill("#info", "Kompostoimme ruokajätteen")
    page.get_by_role("button", name="Lähetä pyyntö").click()
    assert "aikaisintaan" in page.locator("#effective-error").inner_text()
    assert page.input_value("#info") == "Kompostoimme ruokajätteen"
    assert_accessible(page)


@pytest.mark.parametrize("context", ["sv"], indirect=True)
def test_waste_pages_in_swedish_are_accessible(page, live_server):
    home = maijas_home(live_server)
    with live_server.app.app_context():
        User.update(language="sv").where(User.username == "maija").execute()
    page.goto("/login")
    log_in(page, "maija", button="Logga in")
    with live_server.app.app_context():
        contract = home.waste_contracts.first()
    for path in (f"/properties/?q={home.street[:4]}", f"/properties/{home.id}",
                 f"/properties/{home.id}/calendar", f"/properties/{home.id}/orders",
                 f"/properties/{home.id}/billing-address?edit=1",
                 f"/properties/{home.id}/contracts/{contract.id}/extra-emptying",
                 f"/properties/{home.id}/contracts/{contract.id}/change",
                 f"/properties/{home.id}/contracts/{contract.id}/change/suspension",
                 f"/properties/{home.id}/order-service",
                 f"/properties/{home.id}/order-service?waste_type=mixed",
                 f"/properties/{home.id}/order-service?waste_type=mixed&bin_size=240",
                 f"/properties/{home.id}/order-service?waste_type=mixed&bin_size=240&step=confirm"
                 f"&effective=2030-01-01&bins=1&interval=2"):
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == "sv", path
        assert_accessible(page)


def test_waste_pages_in_finnish_are_accessible(page, live_server):
    home = maijas_home(live_server)
    page.goto("/login")
    log_in(page, "maija")
    page.goto(f"/properties/{home.id}/order-service")
    page.check("#waste_type-bio")
    page.get_by_role("button", name="Seuraava").click()
    page.wait_for_selector("#bin_size-140")
    assert_accessible(page)
    page.check("#bin_size-140")
    page.get_by_role("button", name="Seuraava").click()
    page.wait_for_selector("#effective")
    assert_accessible(page)
    page.get_by_role("button", name="Näytä hinta").click()
    page.wait_for_selector("#terms")
    assert "Arvio vuodelle" in page.content()
    assert_accessible(page)
    page.check("#terms")
    page.get_by_role("button", name="Vahvista tilaus").click()
    page.wait_for_url(re.compile(rf"/properties/{home.id}"))
    assert "Astian vaihto" in page.locator("#orders").inner_text() or "Uusi astiapalvelu" in page.locator("#orders").inner_text()
    assert_accessible(page)


def test_a_recycling_bin_is_ordered_and_the_four_compartment_bin_is_on_the_calendar(page, live_server):
    """Maija's Kouvola home has a four-compartment bin (demo data) and orders a glass bin."""
    home = maijas_home(live_server)
    page.goto("/login")
    log_in(page, "maija")
    page.goto(f"/properties/{home.id}/calendar")
    legend = page.locator("#calendar").inner_text()
    assert "M4 = 4 lokeroa (muovi, kartonki, lasi, metalli)" in " ".join(legend.split())
    page.goto(f"/properties/{home.id}")
    page.get_by_role("link", name="Tilaa palvelu").first.click()
    assert_accessible(page)
    page.get_by_label("Lasiastia").check()
    page.get_by_role("button", name="Seuraava").click()
    expect(page.locator(".step-count")).to_have_text("Vaihe 2/4")
    assert_accessible(page)
    page.get_by_label(re.compile("240 litran astia")).check()
    page.get_by_role("button", name="Seuraava").click()
    expect(page.locator(".step-count")).to_have_text("Vaihe 3/4")
    assert page.locator("input[name=interval]").evaluate_all("els => els.map(e => e.value)") == ["4", "6", "8", "12"]
    page.locator("#interval-8").check()
    page.get_by_role("button", name="Näytä hinta").click()
    expect(page.locator(".step-count")).to_have_text("Vaihe 4/4")
    assert_accessible(page)
    assert "4,90" in page.locator("#order-service").inner_text()
    page.check("#terms")
    page.get_by_role("button", name="Vahvista tilaus").click()
    page.wait_for_url(re.compile(rf"/properties/{home.id}"))
    assert "Lasipakkaukset 240 L" in " ".join(page.locator("#orders").inner_text().split())
    assert_accessible(page)
    with live_server.app.app_context():
        order = WasteOrder.select().order_by(WasteOrder.id.desc()).get()
        assert (order.waste_type, order.bin_size, order.interval_weeks) == ("glass", 240, 8)
