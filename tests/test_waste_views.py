"""The waste pages through HTTP: calendar, orders, requests, the ICS feed, and 404s."""
import datetime as dt
import re

import pytest
from icalendar import Calendar

from domain import price_list
from models.clock import HELSINKI, set_clock
from models import PriceListRow, Property, WasteOrder
from tests import factories
from tests.conftest import csrf_token, login, post_form

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=HELSINKI)  # Monday


@pytest.fixture
def homes(app):
    set_clock(NOW)
    PriceListRow.insert_many(price_list.price_rows()).execute()
    alice, bob = factories.resident(), factories.resident()
    a = Property.get(Property.customer == alice.customer)
    b = Property.get(Property.customer == bob.customer)
    return alice, a, a.waste_contracts.get(), bob, b, b.waste_contracts.get()


def test_property_page_shows_continuing_services_with_next_emptying(client, homes):
    alice, a, contract, *_ = homes
    login(client, alice.username)
    page = client.get(f"/properties/{a.id}").get_data(as_text=True)
    assert "Sekajäte, astian 240 L tyhjennys" in page
    assert 'ke 2.12.</strong> <span class="muted">(±1 päivä)' in page  # route Wednesday, every 2 weeks from 3.1.2022
    assert "6,79" in page


def test_calendar_month_in_the_url_and_as_an_htmx_fragment(client, homes):
    alice, a, *_ = homes
    login(client, alice.username)
    page = client.get(f"/properties/{a.id}/calendar?month=2026-12").get_data(as_text=True)
    assert "<h1" in page and "Joulukuu 2026" in page
    assert 'aria-current="date"' not in page  # today is in November
    assert "Jouluaatto" in page
    fragment = client.get(f"/properties/{a.id}/calendar?month=2026-12",
                          headers={"HX-Request": "true", "HX-Target": "calendar"})
    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith("<section id=\"calendar\"")
    assert "<html" not in body
    assert "HX-Request" in fragment.headers["Vary"]
    weeks = re.findall(r'<th scope="row" class="week-number">(\d+)</th>', body)
    assert weeks == ["49", "50", "51", "52", "53"]  # 2026 has 53 ISO weeks


def test_extra_emptying_double_submit_makes_one_order(client, homes):
    alice, a, contract, *_ = homes
    login(client, alice.username)
    url = f"/properties/{a.id}/contracts/{contract.id}/extra-emptying"
    form = client.get(url).get_data(as_text=True)
    key = re.search(r'name="request_key" type="hidden" value="([^"]+)"', form).group(1)
    token = csrf_token(client, url)
    data = {"csrf_token": token, "day": "2026-11-25", "bins": "1", "info": "Portti auki",
            "terms": "y", "request_key": key}
    first, second = client.post(url, data=data), client.post(url, data=data)
    assert first.status_code == second.status_code == 303
    assert WasteOrder.select().count() == 1
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "Lisätyhjennys" in page and "25.11.2026" in page


def test_extra_emptying_error_keeps_the_input(client, homes):
    alice, a, contract, *_ = homes
    login(client, alice.username)
    url = f"/properties/{a.id}/contracts/{contract.id}/extra-emptying"
    response = post_form(client, url, {"day": "2026-11-28", "bins": "1", "info": "Koira pihalla",
                                       "terms": "y", "request_key": "k"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "arkipäivä" in page and "Koira pihalla" in page
    htmx = client.post(url, data={"day": "2026-11-28", "bins": "1", "terms": "y", "request_key": "k"},
                       headers={"HX-Request": "true", "HX-Target": "extra-emptying", "X-CSRFToken": csrf_token(client, url)})
    assert htmx.status_code == 422 and "<html" not in htmx.get_data(as_text=True)
    ok = client.post(url, data={"day": "2026-11-25", "bins": "1", "terms": "y", "request_key": "k2"},
                     headers={"HX-Request": "true", "HX-Target": "extra-emptying", "X-CSRFToken": csrf_token(client, url)})
    assert ok.status_code == 204 and ok.headers["HX-Redirect"].startswith(f"/properties/{a.id}")


def test_interval_request_is_pending_and_listed(client, homes):
    alice, a, contract, *_ = homes
    login(client, alice.username)
    url = f"/properties/{a.id}/contracts/{contract.id}/change/interval"
    assert "12 viikon" in client.get(url).get_data(as_text=True)  # the longer-interval note
    response = post_form(client, url, {"effective": "2027-01-04", "interval": "4", "request_key": "r"})
    assert response.status_code == 303
    order = WasteOrder.get()
    assert (order.kind, order.status, order.interval_weeks) == ("interval", "pending", 4)
    history = client.get(f"/properties/{a.id}/orders").get_data(as_text=True)
    assert "Odottaa asiakaspalvelua" in history


def test_order_service_wizard_without_javascript(client, homes):
    alice, a, contract, *_ = homes
    login(client, alice.username)
    base = f"/properties/{a.id}/order-service"
    assert "Biojäteastia" in client.get(base).get_data(as_text=True)  # central Kouvola
    step2 = client.get(base + "?waste_type=mixed").get_data(as_text=True)
    assert "360 litran astia" in step2 and "8,61" in step2
    assert "Vaihe 2/4" in step2
    # "Back" shows the earlier step with the choice made there still chosen.
    back = re.search(r'href="([^"]*at=1[^"]*)"', step2).group(1).replace("&amp;", "&")
    step1 = client.get(back).get_data(as_text=True)
    assert "Vaihe 1/4" in step1 and re.search(r'id="waste_type-mixed"[^>]*checked', step1)
    step2_back = client.get(base + "?waste_type=mixed&bin_size=360&at=2").get_data(as_text=True)
    assert "Vaihe 2/4" in step2_back and re.search(r'id="bin_size-360"[^>]*checked', step2_back)
    step4 = client.get(base + "?waste_type=mixed&bin_size=360&step=confirm&effective=2026-12-07"
                              "&bins=1&interval=2").get_data(as_text=True)
    assert "26" in step4 and "223,86" in step4  # 26 emptyings × 8,61 €
    key = re.search(r'name="request_key" value="([^"]+)"', step4).group(1)
    response = post_form(client, base, {"waste_type": "mixed", "bin_size": "360", "bins": "1",
                                        "interval": "2", "effective": "2026-12-07", "terms": "y",
                                        "request_key": key}, page=base)
    assert response.status_code == 303
    assert WasteOrder.get().kind == "change_bin"
    # The order list names the bin ordered (360 L), not the contract's current one (240 L),
    # and every part of the line is set apart by " · ".
    listed = client.get(f"/properties/{a.id}?start=2026-12-01").get_data(as_text=True)
    title = re.search(r'<p class="order-title">(.*?)</p>', listed, re.S).group(1)
    assert "360 L" in title and "240 L" not in title
    assert re.search(r"välein · 8,61", listed), "a space on both sides of the separator"


def test_biowaste_is_explained_where_it_is_not_offered(client, app):
    set_clock(NOW)
    PriceListRow.insert_many(price_list.price_rows()).execute()
    owner = factories.customer()
    factories.property_(owner, collection_area="Iitti", municipality="Iitti")
    user = factories.resident(customer=owner, with_property=False)
    prop = Property.get(Property.customer == owner)
    login(client, user.username)
    page = client.get(f"/properties/{prop.id}/order-service").get_data(as_text=True)
    assert 'value="bio"' not in page and "keräysalueilla: Kouvola keskusta, Kotka keskusta" in page
    refused = client.get(f"/properties/{prop.id}/order-service?waste_type=bio")
    assert refused.status_code == 422


def test_calendar_feed_is_valid_and_renewing_revokes_the_old_address(client, homes):
    alice, a, *_ = homes
    login(client, alice.username)
    post_form(client, f"/properties/{a.id}/calendar-feed", {}, page=f"/properties/{a.id}/calendar")
    first = Property.get_by_id(a.id).calendar_token
    feed = client.get(f"/feed/{first}.ics")
    assert feed.mimetype == "text/calendar"
    calendar = Calendar.from_ical(feed.data)
    events = [c for c in calendar.walk("VEVENT")]
    assert 20 <= len(events) <= 28  # every second week for a year
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == len(uids)
    assert all(e.walk("VALARM") for e in events)
    assert str(events[0]["SUMMARY"]).startswith("Sekajäte")
    again = Calendar.from_ical(client.get(f"/feed/{first}.ics").data)
    assert [str(e["UID"]) for e in again.walk("VEVENT")] == uids  # stable
    post_form(client, f"/properties/{a.id}/calendar-feed", {}, page=f"/properties/{a.id}/calendar")
    assert client.get(f"/feed/{first}.ics").status_code == 404


def test_another_residents_things_are_not_found(client, homes):
    alice, a, a_contract, bob, b, b_contract = homes
    login(client, bob.username)
    post_form(client, f"/properties/{b.id}/calendar-feed", {}, page=f"/properties/{b.id}/calendar")
    client.post(f"/properties/{b.id}/contracts/{b_contract.id}/extra-emptying",
                data={"csrf_token": csrf_token(client, f"/properties/{b.id}/calendar"),
                      "day": "2026-11-25", "bins": "1", "terms": "y", "request_key": "bob"})
    client.post("/logout", data={"csrf_token": csrf_token(client, "/properties/")})
    login(client, alice.username)
    token = csrf_token(client, "/properties/")
    for path in (f"/properties/{b.id}", f"/properties/{b.id}/calendar", f"/properties/{b.id}/orders",
                 f"/properties/{b.id}/order-service", f"/properties/{b.id}/billing-address",
                 f"/properties/{b.id}/contracts/{b_contract.id}/extra-emptying",
                 f"/properties/{b.id}/contracts/{b_contract.id}/change",
                 f"/properties/{a.id}/contracts/{b_contract.id}/extra-emptying",  # B's contract under A
                 f"/properties/{a.id}/contracts/{b_contract.id}/change/interval"):
        assert client.get(path).status_code == 404, path
    for path in (f"/properties/{b.id}/calendar-feed", f"/properties/{b.id}/billing-address",
                 f"/properties/{a.id}/contracts/{b_contract.id}/extra-emptying"):
        assert client.post(path, data={"csrf_token": token}).status_code == 404, path
    assert WasteOrder.select().where(WasteOrder.property == a).count() == 0
    assert WasteOrder.select().where(WasteOrder.property == b).count() == 1
    assert client.get("/feed/not-a-real-token-at-all.ics").status_code == 404


def test_property_search_as_you_type_and_without_javascript(client, app):
    owner = factories.customer()
    factories.property_(owner, street="MÄNTYTIE 4")
    factories.property_(owner, street="KOIVUKUJA 9")
    user = factories.resident(customer=owner, with_property=False)
    login(client, user.username)
    page = client.get("/properties/?q=mänty").get_data(as_text=True)
    assert "MÄNTYTIE 4" in page and "KOIVUKUJA 9" not in page
    fragment = client.get("/properties/?q=koivu", headers={"HX-Request": "true", "HX-Target": "property-list"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="property-list"') and "KOIVUKUJA 9" in fragment


def test_billing_address_inline_edit(client, homes):
    alice, a, *_ = homes
    login(client, alice.username)
    url = f"/properties/{a.id}/billing-address"
    bad = post_form(client, url, {"name": "Alice", "street": "Uusi katu 1", "postal_code": "451",
                                  "post_office": "Kouvola"}, page=f"/properties/{a.id}")
    assert bad.status_code == 422 and "viisi numeroa" in bad.get_data(as_text=True)
    assert 'value="Uusi katu 1"' in bad.get_data(as_text=True)
    ok = post_form(client, url, {"name": "Alice", "street": "Uusi katu 1", "postal_code": "45100",
                                 "post_office": "Kouvola"}, page=f"/properties/{a.id}")
    assert ok.status_code == 303
    assert "UUSI KATU 1" in client.get(f"/properties/{a.id}").get_data(as_text=True)


def test_orders_filter_by_dates(client, homes):
    alice, a, contract, *_ = homes
    login(client, alice.username)
    for key, day in (("o1", "2026-11-25"), ("o2", "2027-02-03")):
        post_form(client, f"/properties/{a.id}/contracts/{contract.id}/extra-emptying",
                  {"day": day, "bins": "1", "terms": "y", "request_key": key})
    everything = client.get(f"/properties/{a.id}").get_data(as_text=True)
    assert "25.11.2026" in everything and "3.2.2027" in everything
    only_first = client.get(f"/properties/{a.id}?start=2026-11-01&end=2026-12-31").get_data(as_text=True)
    assert "25.11.2026" in only_first and "3.2.2027" not in only_first


def test_a_long_holiday_move_is_said_in_words_on_the_calendar_and_in_the_reminder(client, homes, app):
    """Wednesday 24.12.2025 is Christmas Eve, 25.–26.12. are holidays: the weekly emptying
    moves to Monday 29.12., five days, beyond the promised ±1 day."""
    from domain import notifications
    from models import Outbox, WasteContract
    alice, a, contract, *_ = homes
    WasteContract.update(interval_weeks=1).where(WasteContract.id == contract.id).execute()
    login(client, alice.username)
    page = client.get(f"/properties/{a.id}/calendar?month=2025-12").get_data(as_text=True)
    assert "Sekajäte: siirtyy 24.12.2025 → 29.12.2025 pyhien vuoksi (Jouluaatto, Joulupäivä, Tapaninpäivä)" in page
    with app.app_context():
        notifications.set_preference(alice, "pickup", True)
        notifications.pickup_reminders(dt.date(2025, 12, 28))
        [mail] = Outbox.select().where(Outbox.kind == "pickup")
    assert "29.12.2025" in mail.body_text
    assert "Pyhien vuoksi (Jouluaatto, Joulupäivä, Tapaninpäivä) tämä tyhjennys siirtyi 24.12.2025" in mail.body_text


def test_the_properties_list_shows_each_propertys_next_emptying(client, homes):
    alice, a, contract, *_ = homes
    factories.property_(alice.customer)  # a second property: the list is shown, not the one property
    login(client, alice.username)
    page = client.get("/properties/").get_data(as_text=True)
    card = re.search(rf'href="/properties/{a.id}">(.*?)</a>', page, re.S).group(1)
    assert '<span class="waste-chip waste-mixed">Sekajäte</span> Seuraava tyhjennys ke 2.12.' in card


def test_a_pending_request_can_be_cancelled_until_staff_decide(client, homes):
    alice, a, contract, *_ = homes
    login(client, alice.username)
    url = f"/properties/{a.id}/contracts/{contract.id}/extra-emptying"
    post_form(client, url, {"day": "2026-11-25", "bins": "1", "terms": "y", "request_key": "c1"})
    order = WasteOrder.get(WasteOrder.request_key == "c1")
    page = client.get(f"/properties/{a.id}").get_data(as_text=True)
    cancel = f"/properties/{a.id}/orders/{order.id}/cancel"
    assert f'action="{cancel}"' in page
    response = post_form(client, cancel, {}, page=f"/properties/{a.id}")
    assert response.status_code == 303 and WasteOrder.get_by_id(order.id).status == "cancelled"
    assert f'action="{cancel}"' not in client.get(f"/properties/{a.id}").get_data(as_text=True)
    assert "Peruttu" in client.get(f"/properties/{a.id}").get_data(as_text=True)
    # Once cancelled (or decided) it cannot be cancelled again; another resident's is a 404.
    again = post_form(client, cancel, {}, page=f"/properties/{a.id}", follow_redirects=True)
    assert "Tämä on jo ratkaistu." in again.get_data(as_text=True)
    b, b_contract = homes[4], homes[5]
    other = WasteOrder.create(property=b, contract=b_contract, kind="extra_emptying", status="pending",
                              effective_date=dt.date(2026, 11, 25), bin_count=1, request_key="b1")
    assert post_form(client, f"/properties/{b.id}/orders/{other.id}/cancel", {},
                     page=f"/properties/{a.id}").status_code == 404
    assert post_form(client, f"/properties/{a.id}/orders/{other.id}/cancel", {},
                     page=f"/properties/{a.id}").status_code == 404
    # Staff see it as cancelled in the queue.
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account/")})
    login(client, factories.staff().username)
    queue = client.get("/staff/requests?status=cancelled").get_data(as_text=True)
    assert "Peruttu" in queue and a.street in queue


def test_my_bin_was_not_emptied_reaches_staff_who_order_a_catch_up(client, homes):
    from models import SupportThread
    alice, a, contract, *_ = homes
    set_clock(dt.datetime(2026, 11, 19, 8, 0, tzinfo=HELSINKI))  # the day after Wednesday 18.11.
    login(client, alice.username)
    card = client.get(f"/properties/{a.id}").get_data(as_text=True)
    link = f"/properties/{a.id}/contracts/{contract.id}/missed?day=2026-11-18"
    assert f'href="{link}"' in card and "Eikö tyhjennetty ke 18.11.?" in card
    form = client.get(link).get_data(as_text=True)
    assert 'value="2026-11-18"' in form
    # A day with no planned emptying, or a future one, is refused with the reason.
    bad = post_form(client, link, {"day": "2026-11-17", "request_key": "m0"})
    assert bad.status_code == 422 and "17.11.2026" in bad.get_data(as_text=True)
    sent = post_form(client, link, {"day": "2026-11-18", "info": "Astia oli tien varressa.", "request_key": "m1"})
    thread = SupportThread.get(SupportThread.request_key == "m1")
    assert sent.status_code == 303 and sent.headers["Location"] == f"/support/{thread.id}"
    assert (thread.property_id, thread.contract_id, thread.missed_on) == (a.id, contract.id, dt.date(2026, 11, 18))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account/")})
    login(client, factories.staff().username)
    page = client.get(f"/staff/support/{thread.id}").get_data(as_text=True)
    assert "Ei tyhjennetty 18.11.2026" in page and "Tilaa korvaava tyhjennys" in page
    done = post_form(client, f"/staff/support/{thread.id}/catch-up", {}, page=f"/staff/support/{thread.id}")
    assert done.status_code == 303
    post_form(client, f"/staff/support/{thread.id}/catch-up", {}, page=f"/staff/support/{thread.id}")  # twice: once
    [order] = WasteOrder.select().where(WasteOrder.request_key == f"catch-up:{thread.id}")
    assert (order.status, order.kind, order.effective_date, order.price) == (
        "approved", "extra_emptying", dt.date(2026, 11, 20), 0)  # the next working day, free
    assert "tulee 20.11.2026" in client.get(f"/staff/support/{thread.id}").get_data(as_text=True)
    calendar = client.get(f"/properties/{a.id}/calendar?month=2026-11")
    assert calendar.status_code == 404  # staff do not open a resident's calendar …
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account/")})
    login(client, alice.username)  # … the resident sees the reply and the extra emptying
    assert "tulee 20.11.2026" in client.get(f"/support/{thread.id}").get_data(as_text=True)
    month = client.get(f"/properties/{a.id}/calendar?month=2026-11").get_data(as_text=True)
    assert re.search(r'<span class="day-number">20</span>\s*<span class="emptying waste-chip waste-mixed">', month)
