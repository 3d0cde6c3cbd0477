"""Joining as a customer: the public application, customer service's decision, and the
one-time registration code that works in place of an invoice number."""
import datetime as dt
import re

import pytest

from domain import accounts, joining, price_list
from domain.accounts import Throttled
from domain.errors import FieldError
from domain.waste import WasteSettings
from models import Customer, JoinApplication, Outbox, PriceListRow, Property, User, WasteContract
from models.clock import HELSINKI, set_clock
from tests import factories
from tests.conftest import login, post_form

TODAY = dt.date(2026, 11, 24)
LIMITS = {"LOGIN_WINDOW_MINUTES": 15, "LOGIN_MAX_FAILURES": 10, "LOGIN_MAX_FAILURES_PER_IP": 30}


def application(**changes):
    values = dict(first_name="Liisa", last_name="Laine", email="Liisa.Laine@example.fi", phone="040 1112223",
                  street="Uusitie 5", postal_code="45100", post_office="Kouvola", municipality="Kouvola",
                  building_type="detached", persons=3, dwellings=1, services=["mixed", "glass", "water"],
                  start_date=dt.date(2026, 12, 7), extra_info="Uudisrakennus")
    return joining.Application(**{**values, **changes})


@pytest.fixture
def prices(app):
    set_clock(dt.datetime(2026, 11, 24, 9, 0, tzinfo=HELSINKI))
    PriceListRow.insert_many(price_list.price_rows()).execute()


@pytest.mark.parametrize("changes, field, code", [
    ({"first_name": " "}, "first_name", "required"),
    ({"email": "liisa@"}, "email", "email_format"),
    ({"postal_code": "4510"}, "postal_code", "postal_code_format"),
    ({"building_type": "castle"}, "building_type", "building_type_choice"),
    ({"persons": 0}, "persons", "persons_range"),
    ({"services": ["asbestos"]}, "services", "services_needed"),
    ({"start_date": dt.date(2026, 11, 23)}, "start_date", "start_range"),
])
def test_an_application_is_checked(changes, field, code):
    with pytest.raises(FieldError) as error:
        joining.check(application(**changes), TODAY)
    assert (error.value.field, error.value.code) == (field, code)


def test_apply_once_approve_and_register_with_the_code(prices, ctx):
    made = joining.apply(application(), request_key="k1", today=TODAY, ip="10.0.0.1", settings=LIMITS)
    again = joining.apply(application(), request_key="k1", today=TODAY, ip="10.0.0.1", settings=LIMITS)
    assert again.id == made.id and JoinApplication.select().count() == 1
    assert (made.email, made.street, made.services) == ("liisa.laine@example.fi", "UUSITIE 5", "mixed,glass,water")
    assert Outbox.get(Outbox.recipient == "liisa.laine@example.fi").subject == "Saimme hakemuksesi"
    staff = factories.staff()
    bins = {"mixed": joining.BinChoice(240, 2), "glass": joining.BinChoice(140, 8)}
    with pytest.raises(FieldError) as error:
        joining.approve(made, staff, collection_area="Kouvola keskusta", route_weekday=1,
                        bins={**bins, "glass": joining.BinChoice(660, 8)}, today=TODAY, settings=WasteSettings())
    assert error.value.field == "size_glass" and error.value.code == "bin_size_choice"
    code = joining.approve(made, staff, collection_area="Kouvola keskusta", route_weekday=1, bins=bins, today=TODAY,
                           settings=WasteSettings())
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{10}", code)
    made = JoinApplication.get_by_id(made.id)
    customer = Customer.get_by_id(made.customer_id)
    assert re.fullmatch(r"62-\d{7}-00", customer.number) and customer.number == f"62-{customer.id:07d}-00"
    prop = Property.get(Property.customer == customer)
    assert (prop.street, prop.collection_area, prop.occupancy) == ("UUSITIE 5", "Kouvola keskusta", "permanent")
    contracts = {(c.waste_type, c.bin_size, c.interval_weeks, c.route_weekday, c.start_date)
                 for c in WasteContract.select().where(WasteContract.property == prop)}
    assert contracts == {("mixed", 240, 2, 1, dt.date(2026, 12, 7)), ("glass", 140, 8, 1, dt.date(2026, 12, 7))}
    welcome = Outbox.select().where(Outbox.recipient == made.email).order_by(Outbox.id.desc()).first()
    assert code in welcome.body_text and customer.number in welcome.body_text
    with pytest.raises(FieldError) as error:
        joining.approve(made, staff, collection_area="x", route_weekday=1, bins=bins, today=TODAY,
                        settings=WasteSettings())
    assert error.value.code == "already_decided"
    data = accounts.Registration(customer_number=customer.number, invoice_number="XXXXXXXXXX", first_name="Liisa",
                                 last_name="Laine", phone="040", email="liisa.laine@example.fi", username="liisa",
                                 password="Kotipiha-testi-2026!")
    with pytest.raises(FieldError) as error:
        accounts.register(data)
    assert error.value.code == "invoice_mismatch"
    data.invoice_number = f" {code[:5].lower()}-{code[5:]} "  # as typed from the letter
    user = accounts.register(data)
    assert user.customer_id == customer.id
    assert JoinApplication.get_by_id(made.id).code_used_at is not None
    assert accounts.registration_code(customer, code) is None  # once


def test_an_expired_code_does_not_register(prices, ctx):
    made = joining.apply(application(), request_key="k1", today=TODAY, ip="10.0.0.1", settings=LIMITS)
    code = joining.approve(made, factories.staff(), collection_area="Kouvola", route_weekday=0,
                           bins={"mixed": joining.BinChoice(240, 2), "glass": joining.BinChoice(240, 8)},
                           today=TODAY, settings=WasteSettings())
    customer = JoinApplication.get_by_id(made.id).customer
    assert accounts.registration_code(customer, code) is not None
    set_clock(dt.datetime(2027, 1, 24, 9, 0, tzinfo=HELSINKI))  # 61 days later
    assert accounts.registration_code(customer, code) is None


def test_applications_are_throttled_and_a_rejection_needs_a_reason(prices, ctx):
    for n in range(10):  # ten in the window; the eleventh is refused
        joining.apply(application(), request_key=f"k{n}", today=TODAY, ip="10.0.0.2", settings=LIMITS)
    with pytest.raises(Throttled):
        joining.apply(application(), request_key="k-last", today=TODAY, ip="10.0.0.2", settings=LIMITS)
    made = JoinApplication.get(JoinApplication.request_key == "k0")
    with pytest.raises(FieldError) as error:
        joining.reject(made, factories.staff(), note=" ")
    assert error.value.code == "note_needed"
    joining.reject(made, factories.staff(), note="Kohde on jo asiakkaana.")
    assert JoinApplication.get_by_id(made.id).status == "rejected"
    assert "Kohde on jo asiakkaana." in Outbox.select().order_by(Outbox.id.desc()).first().body_text


def test_the_pages_from_the_public_form_to_the_first_login(client, app, prices):
    page = client.get("/join").get_data(as_text=True)
    assert 'name="services" value="glass"' in page
    form = {"first_name": "Liisa", "last_name": "Laine", "email": "liisa@example.fi", "phone": "040 1",
            "street": "Uusitie 5", "postal_code": "45100", "post_office": "Kouvola", "municipality": "Kouvola",
            "building_type": "detached", "persons": "3", "dwellings": "1", "start_date": "7.12.2026",
            "request_key": "web-1"}
    missing = post_form(client, "/join", form)
    assert missing.status_code == 422 and "Valitse vähintään yksi palvelu." in missing.get_data(as_text=True)
    assert 'value="Uusitie 5"' in missing.get_data(as_text=True)
    sent = post_form(client, "/join", {**form, "services": ["mixed", "septic"]})
    assert sent.status_code == 303 and "liisa@example.fi" in client.get("/join/sent").get_data(as_text=True)
    made = JoinApplication.get()
    assert made.services == "mixed,septic"
    login(client, factories.staff().username)
    url = f"/staff/joining/{made.id}"
    assert "UUSITIE 5" in client.get("/staff/joining").get_data(as_text=True)
    wrong = post_form(client, url, {"decision": "approve", "collection_area": "Kouvola keskusta",
                                    "route_weekday": "2", "size_mixed": "", "interval_mixed": "2"})
    assert wrong.status_code == 422
    done = post_form(client, url, {"decision": "approve", "collection_area": "Kouvola keskusta",
                                   "route_weekday": "2", "size_mixed": "240", "interval_mixed": "2"})
    body = done.get_data(as_text=True)
    code = re.search(r"rekisteröitymiskoodi ([A-Z2-9]{10})", body).group(1)
    number = JoinApplication.get_by_id(made.id).customer.number
    client.post("/logout", data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', body).group(1)})
    registered = post_form(client, "/register", {
        "customer_number": number, "invoice_number": code, "first_name": "Liisa", "last_name": "Laine",
        "phone": "040 1", "email": "liisa@example.fi", "username": "liisa", "password": "Kotipiha-testi-2026!",
        "confirm": "Kotipiha-testi-2026!", "terms": "y"})
    assert registered.status_code == 303
    assert User.get(User.username == "liisa").customer.number == number
    home = client.get("/properties/", follow_redirects=True).get_data(as_text=True)
    assert "UUSITIE 5" in home
