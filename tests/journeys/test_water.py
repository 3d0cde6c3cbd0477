"""Water self-service in Chromium: the meter-number access, readings, consumption."""
import re

import pytest
from playwright.sync_api import expect

from domain import water
from models.clock import today
from models import ConsumptionPoint, Meter, Property, User
from tests.journeys.conftest import assert_accessible, open_menu
from tests.journeys.test_foundation import log_in

pytestmark = pytest.mark.journey


def pekkas_point(live_server):
    with live_server.app.app_context():
        pekka = User.by_login("pekka")
        point = (ConsumptionPoint.select().join(Property).where(Property.customer == pekka.customer).get())
        meter = point.meters.where(Meter.removed_on.is_null()).get()
        latest = water.previous_position(meter, today() + __import__("datetime").timedelta(days=1))
        return point, meter, latest


def test_meter_number_access_reading_history_and_chart(page, live_server):
    point, meter, latest = pekkas_point(live_server)
    page.goto("/")
    page.get_by_role("link", name="Ilmoita lukema").click()
    assert_accessible(page)
    page.fill("#point_number", point.number)
    page.fill("#meter_number", "0000")
    page.get_by_role("button", name="Jatka").click()
    assert "eivät täsmää" in page.locator("#error-summary").inner_text()
    assert page.input_value("#point_number") == point.number
    page.fill("#meter_number", meter.number)
    page.get_by_role("button", name="Jatka").click()
    page.wait_for_url(re.compile(rf"/water/points/{point.id}$"))
    assert_accessible(page)

    # A lower reading is refused, and what was typed stays.
    page.fill("#value", str(latest.value - 1))
    page.get_by_role("button", name="Lähetä lukema").click()
    expect(page.locator("#value-error")).to_contain_text("pienempi kuin edellinen")
    assert page.input_value("#value") == str(latest.value - 1)
    assert_accessible(page)

    new_value = latest.value + 20
    page.fill("#value", str(new_value))
    page.get_by_role("button", name="Lähetä lukema").click()
    done = page.locator(".notice-success")
    expect(page.locator("#confirm").or_(done)).to_be_visible()
    if page.locator("#confirm").is_visible():  # far from the estimate: confirm it
        assert_accessible(page)
        page.check("#confirm")
        page.get_by_role("button", name="Lähetä lukema").click()
    expect(done).to_contain_text("seuraavassa laskussasi")
    readings = page.get_by_role("table", name="Viimeisimmät lukemat")
    expect(readings.locator("tbody tr").first).to_contain_text(str(new_value))
    assert page.locator("svg.bar-chart rect.bar").count() >= 1
    page.get_by_role("link", name="Vuosittain", exact=True).click()
    expect(page.get_by_role("table", name="Kulutus vuosittain")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Laskutuskalenteri").first.click()
    assert_accessible(page)
    page.goto(f"/water/points/{point.id}/feedback")
    assert_accessible(page)
    open_menu(page)
    page.get_by_role("button", name="Sulje lukemapalvelu").click()
    assert page.get_by_text("Olet sulkenut lukemapalvelun.").is_visible()


def test_logged_in_resident_reports_a_reading(page, live_server):
    point, meter, latest = pekkas_point(live_server)
    page.goto("/login")
    log_in(page, "pekka")
    page.get_by_role("navigation", name="Päävalikko").get_by_role("link", name="Vesi").click()
    assert_accessible(page)
    page.get_by_role("link", name="Ilmoita lukema").first.click()
    assert_accessible(page)
    page.fill("#value", str(latest.value - 5))
    page.get_by_role("button", name="Lähetä lukema").click()
    expect(page.locator("#value-error")).to_contain_text("pienempi kuin edellinen")
    assert page.input_value("#value") == str(latest.value - 5)


@pytest.mark.parametrize("context", ["sv"], indirect=True)
def test_water_pages_in_swedish_are_accessible(page, live_server):
    point, meter, latest = pekkas_point(live_server)
    page.goto("/water/access")
    assert_accessible(page)
    page.fill("#point_number", point.number)
    page.fill("#meter_number", meter.number)
    page.get_by_role("button", name="Fortsätt").click()
    page.wait_for_url(re.compile(rf"/water/points/{point.id}$"))
    assert page.locator("html").get_attribute("lang") == "sv"
    assert_accessible(page)
    for path in (f"/water/points/{point.id}?by=quarter", f"/water/points/{point.id}/reading",
                 "/water/billing-calendar", f"/water/points/{point.id}/feedback"):
        page.goto(path)
        assert_accessible(page)
