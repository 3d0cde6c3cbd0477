"""A shared bin (jätekimppa) in Chromium, from the invitation to the members' calendars:
Maija starts one at her Kotka home and invites her neighbour Anna, Anna confirms, Maija
sends it, customer service approves, and the emptyings show on Anna's calendar."""
import re

import pytest
from playwright.sync_api import expect

from domain import schedule, waste
from models import Property, SharedBin, User
from tests.journeys.conftest import assert_accessible
from tests.journeys.test_foundation import log_in

pytestmark = pytest.mark.journey


def test_a_shared_bin_from_the_invitation_to_the_members_calendars(page, live_server):
    app = live_server.app
    with app.app_context():
        maija_home = Property.of_user(User.by_login("maija")).where(Property.municipality == "Kotka").get()
        anna_home = Property.of_user(User.by_login("anna")).get()
        # Anna lives next door: the same collection area
        Property.update(collection_area=maija_home.collection_area).where(Property.id == anna_home.id).execute()
        anna_number = anna_home.customer.number
    page.goto("/login")
    log_in(page, "maija")
    page.goto(f"/properties/{maija_home.id}")
    page.get_by_role("link", name="Jaa astia naapureiden kanssa (jätekimppa)").click()
    assert_accessible(page)
    page.get_by_label("Lasiastia").check()
    page.select_option("#bin_size", "240")
    page.select_option("#interval", "4")
    page.fill("#invites", f"{anna_number} {anna_home.street.title()}")
    page.get_by_role("button", name="Perusta ja kutsu").click()
    page.wait_for_url(re.compile(r"/shared-bins/\d+$"))
    expect(page.locator("main")).to_contain_text("Muodostumassa")
    assert_accessible(page)
    shared_url = page.url

    page.context.clear_cookies()
    page.goto("/login")
    log_in(page, "anna")
    page.goto(f"/properties/{anna_home.id}")
    page.get_by_role("link", name=re.compile(maija_home.street)).first.click()
    expect(page.get_by_role("heading", name="Sinut on kutsuttu")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Liity jätekimppaan").click()
    expect(page.locator("main")).to_contain_text("Liityit jätekimppaan.")

    page.context.clear_cookies()
    page.goto("/login")
    log_in(page, "maija")
    page.goto(shared_url)
    page.get_by_role("button", name="Lähetä asiakaspalveluun").click()
    expect(page.locator("main")).to_contain_text("Odottaa asiakaspalvelua")

    page.context.clear_cookies()
    page.goto("/login")
    log_in(page, "asiakaspalvelu", lands=re.compile(r"/staff/"))
    page.goto("/staff/shared-bins")
    assert_accessible(page)
    page.get_by_role("button", name=re.compile(f"Hyväksy – {maija_home.street}")).click()
    expect(page.locator("main")).to_contain_text("Ei odottavia jätekimppoja.")

    with app.app_context():
        shared = SharedBin.select().order_by(SharedBin.id.desc()).get()  # the demo has one too
        [plan] = schedule.plans_for(waste.property_contracts(anna_home).where(
            waste.WasteContract.id == shared.contract_id))
        first = schedule.next_emptying(plan, shared.start_date).day
    page.context.clear_cookies()
    page.goto("/login")
    log_in(page, "anna")
    page.goto(f"/properties/{anna_home.id}/calendar?month={first:%Y-%m}")
    day_cell = page.locator("td.has-emptying", has=page.locator(".day-number", has_text=re.compile(f"^{first.day}$")))
    expect(day_cell.locator(".waste-glass").first).to_contain_text("LA")
    assert_accessible(page)
