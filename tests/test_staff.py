"""The back office: closed to everybody else, and each decision does what it says."""
import datetime as dt

import pytest
from flask import url_for

from domain import price_list, schedule
from models.clock import HELSINKI, set_clock
from models import (AuditLog, ConsumptionPoint, Meter, Outbox, PriceListRow, Property, Reading,
                    WasteContract, WasteOrder)
from tests import factories
from tests.conftest import csrf_token, login, post_form

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=HELSINKI)


def staff_urls(app):
    """Every route of the staff blueprint, with made-up ids: a new route cannot be forgotten."""
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint.startswith("staff."):
                values = {arg: 1 for arg in rule.arguments}
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    urls.append((method, url_for(rule.endpoint, **values)))
    assert len(urls) >= 10
    return urls


def test_every_staff_route_is_404_for_anonymous_and_residents(client, app):
    resident = factories.resident()
    for method, url in staff_urls(app):
        assert client.open(url, method=method, data={}).status_code in (400, 403, 404), (method, url)
    login(client, resident.username)
    token = csrf_token(client, "/properties/")
    for method, url in staff_urls(app):
        response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code in (403, 404), (method, url)


@pytest.fixture
def office(app):
    set_clock(NOW)
    PriceListRow.insert_many(price_list.price_rows()).execute()
    resident = factories.resident(language="sv")
    prop = Property.get(Property.customer == resident.customer)
    staff = factories.staff()
    return resident, prop, prop.waste_contracts.get(), staff


def test_approving_an_interval_request_changes_the_calendar_and_emails_the_resident(client, office):
    resident, prop, contract, staff = office
    order = WasteOrder.create(property=prop, contract=contract, kind="interval", effective_date=dt.date(2027, 1, 4),
                              interval_weeks=4, request_key="r1", created_by=resident)
    login(client, staff.username)
    page = client.get(f"/staff/requests/{order.id}").get_data(as_text=True)
    assert prop.street in page and "Hyväksy" in page
    response = post_form(client, f"/staff/requests/{order.id}", {"decision": "approve", "note": "OK"})
    assert response.status_code == 303
    assert WasteOrder.get_by_id(order.id).status == "approved"
    [plan] = schedule.plans_for(WasteContract.select().where(WasteContract.id == contract.id))
    after = [e.planned_day for e in schedule.planned_emptyings(plan, dt.date(2027, 1, 4), dt.date(2027, 3, 31))]
    assert all((b - a).days == 28 for a, b in zip(after, after[1:]))
    mail = Outbox.get(Outbox.recipient == resident.email)
    assert mail.language == "sv" and "kundtjänsten har godkänt din begäran" in mail.body_text
    entry = AuditLog.get(AuditLog.action == "order_approve")
    assert entry.actor_id == staff.id and '"pending"' in entry.before_json and '"approved"' in entry.after_json
    post_form(client, f"/staff/requests/{order.id}", {"decision": "reject"})
    assert WasteOrder.get_by_id(order.id).status == "approved"  # decided once


def test_approving_a_new_bin_service_creates_the_contract(client, office):
    resident, prop, contract, staff = office
    order = WasteOrder.create(property=prop, kind="new_service", effective_date=dt.date(2026, 12, 7),
                              waste_type="bio", bin_size=140, bin_count=1, interval_weeks=2,
                              request_key="r2", created_by=resident)
    login(client, staff.username)
    post_form(client, f"/staff/requests/{order.id}", {"decision": "approve"})
    new = WasteContract.get((WasteContract.property == prop) & (WasteContract.waste_type == "bio"))
    assert (new.start_date, new.route_weekday, new.bin_size) == (dt.date(2026, 12, 7), contract.route_weekday, 140)


def test_rejecting_a_reading_tells_the_resident(client, office):
    resident, prop, _, staff = office
    point = ConsumptionPoint.create(number="100777", property=prop, billing_group="1")
    meter = Meter.create(point=point, number="21000777", size="DN20", installed_on=dt.date(2020, 1, 1))
    reading = Reading.create(meter=meter, read_on=dt.date(2026, 11, 20), value=9000, status="flagged",
                             reported_by=resident, review_reason="implausible")
    login(client, staff.username)
    assert "21000777" in client.get("/staff/readings").get_data(as_text=True)
    post_form(client, f"/staff/readings/{reading.id}", {"decision": "reject", "note": "Lue mittari uudelleen"},
              page="/staff/readings")
    assert Reading.get_by_id(reading.id).status == "rejected"
    assert "9000" in Outbox.get(Outbox.recipient == resident.email).body_text


def test_customer_search_finds_by_every_key(client, office):
    resident, prop, _, staff = office
    point = ConsumptionPoint.create(number="100555", property=prop, billing_group="1")
    Meter.create(point=point, number="21000555", size="DN20", installed_on=dt.date(2020, 1, 1))
    login(client, staff.username)
    customer = resident.customer
    for q in (customer.name.split()[0], customer.number, prop.street.lower(), "100555", "21000555"):
        page = client.get(f"/staff/customers?q={q}").get_data(as_text=True)
        assert f"/staff/customers/{customer.id}" in page, q
    detail = client.get(f"/staff/customers/{customer.id}").get_data(as_text=True)
    assert prop.street in detail and "100555" in detail


def test_staff_sessions_end_after_30_idle_minutes(client, office):
    *_, staff = office
    login(client, staff.username)
    assert client.get("/staff/").status_code == 200
    set_clock(NOW + dt.timedelta(minutes=29))
    assert client.get("/staff/").status_code == 200
    set_clock(NOW + dt.timedelta(minutes=60))
    response = client.get("/staff/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/staff/").status_code == 404


def test_resident_sessions_do_not_idle_out(client, office):
    resident, *_ = office
    login(client, resident.username)
    set_clock(NOW + dt.timedelta(hours=3))
    assert client.get("/properties/").status_code == 200


def test_a_resident_who_turned_decisions_off_gets_no_decision_email(client, office):
    from domain import notifications
    resident, prop, contract, staff = office
    with client.application.app_context():
        notifications.set_preference(resident, "decisions", False)
    order = WasteOrder.create(property=prop, contract=contract, kind="bin_count", effective_date=dt.date(2027, 1, 4),
                              bin_count=2, request_key="r9", created_by=resident)
    login(client, staff.username)
    post_form(client, f"/staff/requests/{order.id}", {"decision": "approve"})
    assert WasteOrder.get_by_id(order.id).status == "approved"
    assert Outbox.select().where(Outbox.recipient == resident.email).count() == 0
