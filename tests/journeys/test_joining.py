"""Joining without an account, in Chromium: the public form, customer service's approval
with the registration code, and the new customer's registration and first login."""
import re

import pytest
from playwright.sync_api import expect

from tests.journeys.conftest import assert_accessible
from tests.journeys.test_foundation import fill_registration, log_in

pytestmark = pytest.mark.journey


def test_joining_without_an_account_to_the_first_login(page, live_server):
    page.goto("/login")
    page.get_by_role("link", name="Liity asiakkaaksi").click()
    assert_accessible(page)
    values = {"first_name": "Liisa", "last_name": "Laine", "email": "liisa.laine@example.fi", "phone": "040 7654321",
              "street": "Uusitie 5", "postal_code": "45100", "post_office": "Kouvola", "municipality": "Kouvola",
              "persons": "3"}
    for name, value in values.items():
        page.fill(f"#{name}", value)
    page.check("#building_type-detached")
    page.get_by_role("button", name="Lähetä hakemus").click()
    expect(page.locator(".error-summary")).to_contain_text("Valitse vähintään yksi palvelu.")
    assert page.input_value("#street") == "Uusitie 5"  # nothing typed is lost
    assert_accessible(page)
    page.check("#services-mixed")
    page.check("#services-bio")
    page.get_by_role("button", name="Lähetä hakemus").dblclick()
    page.wait_for_url("**/join/sent")
    expect(page.locator("main")).to_contain_text("liisa.laine@example.fi")
    assert_accessible(page)

    page.goto("/login")
    log_in(page, "asiakaspalvelu", lands=re.compile(r"/staff/"))
    page.goto("/staff/joining")
    assert page.locator("main li a", has_text="UUSITIE 5").count() == 1  # a double click applies once
    page.locator("main li a", has_text="UUSITIE 5").click()
    assert_accessible(page)
    page.fill("#collection_area", "Kouvola keskusta")
    page.select_option("#route_weekday", "3")
    page.select_option("#size_mixed", "240")
    page.select_option("#interval_mixed", "2")
    page.select_option("#size_bio", "140")
    page.select_option("#interval_bio", "2")
    page.get_by_role("button", name="Hyväksy ja lähetä koodi").click()
    status = page.get_by_role("status")
    expect(status).to_contain_text("Hyväksytty")
    found = re.search(r"Asiakasnumero (62-\d{7}-00), rekisteröitymiskoodi ([A-Z2-9]{10})", status.inner_text())
    number, code = found.groups()
    assert_accessible(page)

    page.context.clear_cookies()
    page.goto("/register")
    fill_registration(page, number, code, username="liisa", email="liisa.laine@example.fi")
    page.get_by_role("button", name="Rekisteröidy").click()
    page.wait_for_url(re.compile(r"/properties/"))
    expect(page.locator("main")).to_contain_text("UUSITIE 5")
    assert_accessible(page)
