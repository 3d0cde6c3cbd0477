"""A septic tank emptying in Chromium: the resident orders it for a week, customer service
plans it on the route and marks it emptied with the m³, and the waste invoice bills them."""
import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from domain import billing_runs, sludge
from domain.invoicing import BillingSettings
from models import Property, SludgeOrder, User, WastewaterSystem
from models.clock import HELSINKI, set_clock
from tests.journeys.conftest import assert_accessible
from tests.journeys.test_foundation import log_in

pytestmark = pytest.mark.journey


def text_of(locator) -> str:
    return " ".join(locator.inner_text().replace("\xa0", " ").split())


def test_a_septic_emptying_from_the_order_to_the_route_and_the_invoice_row(page, live_server):
    app = live_server.app
    with app.app_context():
        maija = User.by_login("maija")
        holiday = Property.of_user(maija).where(Property.municipality == "Mäntyharju").get()
        system = WastewaterSystem.get(WastewaterSystem.property == holiday)
    page.goto("/login")
    log_in(page, "maija")
    page.goto(f"/properties/{holiday.id}")
    tanks = page.locator("#wastewater")
    assert "seuraava viimeistään" in tanks.inner_text()  # the demo tank is past its year
    assert_accessible(page)
    tanks.get_by_role("link", name="Tilaa säiliön tyhjennys").click()
    assert_accessible(page)
    assert "233,25 €" in text_of(page.locator("main"))  # 78,00 + 4,5 m³ × 34,50
    page.locator("input[name=week]").first.check()
    page.check("#terms")
    page.get_by_role("button", name="Tilaa tyhjennys").dblclick()
    page.wait_for_url(re.compile(rf"/properties/{holiday.id}"))
    expect(page.locator("#wastewater")).to_contain_text("Tilattu viikolle")
    assert_accessible(page)
    with app.app_context():
        [order] = SludgeOrder.select().where(SludgeOrder.system == system)  # a double click orders once
        day = sludge.working_days(order.week)[1]
    page.context.clear_cookies()

    set_clock(dt.datetime.combine(day, dt.time(7, 30), tzinfo=HELSINKI))
    try:
        page.goto("/login")
        log_in(page, "asiakaspalvelu", lands=re.compile(r"/staff/"))
        page.goto(f"/staff/sludge?day={order.week.isoformat()}")
        assert_accessible(page)
        page.select_option(f"#o{order.id}-day", day.isoformat())
        page.get_by_role("button", name=re.compile(f"Suunnittele – {holiday.street}")).click()
        page.wait_for_url(re.compile(rf"day={day.isoformat()}"))
        stop = page.locator(".route-stop", has_text=holiday.street).first
        expect(stop).to_contain_text("Kansi saunan takana.")
        assert_accessible(page)
        stop.locator(f"#o{order.id}-m3").fill("3,9")
        stop.get_by_role("button", name=re.compile("Merkitse tyhjennetyksi")).click()
        expect(page.locator(".route-stop", has_text=holiday.street).first).to_contain_text("Tyhjennetty: 3,9 m³")
        assert_accessible(page)
        with app.app_context():
            start = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
            end = (start + dt.timedelta(days=95)).replace(day=1) - dt.timedelta(days=1)
            billing_runs.run_waste(start, end, day, BillingSettings())
            invoice_id = SludgeOrder.get_by_id(order.id).invoice_id
            assert invoice_id is not None
        page.context.clear_cookies()
        page.goto("/login")
        log_in(page, "maija")
        page.goto(f"/invoices/{invoice_id}")
        rows = text_of(page.locator("main"))
        assert "Lietteen tyhjennys, perusmaksu" in rows and "78,00 €" in rows
        assert "Tyhjennetty liete" in rows and "134,55 €" in rows  # 3,9 m³ × 34,50 €
        assert holiday.street in rows
        assert_accessible(page)
    finally:
        set_clock(None)
