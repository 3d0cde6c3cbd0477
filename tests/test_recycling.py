"""Recycling at the property: the packaging and paper fractions and multi-compartment bins
as services of their own (areas, intervals, prices, billing, calendar, the order wizard)."""
import datetime as dt
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest

from domain import billing, decisions, price_list, schedule, waste
from domain.errors import FieldError
from domain.pricing import emptying_price
from domain.waste import WasteSettings
from models import PriceListRow, Property, User, WasteContract, WasteOrder
from models.clock import HELSINKI, set_clock
from tests import factories
from tests.conftest import login, post_form

TODAY = dt.date(2026, 11, 23)  # a Monday
SETTINGS = WasteSettings()


@pytest.fixture
def prices(app):
    set_clock(dt.datetime(2026, 11, 23, 9, 0, tzinfo=HELSINKI))
    PriceListRow.insert_many(price_list.price_rows()).execute()


def test_each_area_has_the_fractions_its_route_takes(app):
    centre = Property(collection_area="Kouvola keskusta", building_type="apartment")
    village = Property(collection_area="Kouvola", building_type="detached")
    holiday = Property(collection_area="Mäntyharju", building_type="holiday_home")
    for kind in ("plastic", "cardboard", "glass", "metal", "paper", "multi2", "multi4"):
        assert waste.unavailable_reason(centre, kind, TODAY, SETTINGS) is None
        assert waste.unavailable_reason(holiday, kind, TODAY, SETTINGS) == "fraction_area"
    assert waste.unavailable_reason(village, "plastic", TODAY, SETTINGS) is None
    assert waste.unavailable_reason(village, "paper", TODAY, SETTINGS) == "fraction_area"  # centres only
    assert waste.unavailable_reason(holiday, "mixed", TODAY, SETTINGS) is None  # everywhere
    assert waste.unavailable_reason(centre, "asbestos", TODAY, SETTINGS) == "kind_invalid"


def test_areas_and_intervals_are_settings(app):
    cfg = WasteSettings.from_config({"RECYCLING_AREAS": "paper,glass:Mäntyharju",
                                     "WASTE_INTERVALS": "glass:8,12,16;mixed:1,2"})
    holiday = Property(collection_area="Mäntyharju", building_type="holiday_home")
    assert waste.unavailable_reason(holiday, "glass", TODAY, cfg) is None
    assert waste.unavailable_reason(holiday, "plastic", TODAY, cfg) == "fraction_area"  # default kept
    assert cfg.intervals_for("glass") == (8, 12, 16)
    assert cfg.intervals_for("mixed") == (1, 2)
    assert cfg.intervals_for("plastic") == (4, 6, 8, 12)  # the default
    assert SETTINGS.intervals_for("mixed") == (1, 2, 3, 4)


def test_packaging_is_emptied_every_4_to_12_weeks(prices, ctx):
    prop = Property.get(Property.customer == factories.resident().customer)
    kwargs = dict(waste_type="glass", bin_size=240, bins=1, effective=dt.date(2026, 12, 7), today=TODAY,
                  settings=SETTINGS)
    with pytest.raises(FieldError) as error:
        waste.check_service(prop, interval=2, **kwargs)
    assert error.value.code == "interval_choice"
    waste.check_service(prop, interval=8, **kwargs)
    with pytest.raises(FieldError) as error:
        waste.check_service(prop, interval=6, **{**kwargs, "bin_size": 660})  # no 660 L glass bin
    assert error.value.code == "bin_size_choice"


def test_a_packaging_emptying_has_no_treatment_fee(prices, ctx):
    price = emptying_price("plastic", 240, 2, dt.date(2026, 12, 7))
    assert [(line.component, line.amount) for line in price.lines] == [("bin_emptying", Decimal("9.80"))]
    assert price.total == Decimal("9.80")  # 2 × 4,90 €
    four = emptying_price("multi4", 370, 1, dt.date(2026, 12, 7))
    assert four.total == Decimal("9.80") and four.vat_rate == Decimal("25.5")
    # before the VAT change the same net price at 24 %: 4,90 × 124 / 125,5 = 4,841…
    old = emptying_price("plastic", 240, 1, dt.date(2024, 8, 30))
    assert old.lines[0].unit_price == Decimal("4.841") and old.total == Decimal("4.84")


def test_the_waste_invoice_bills_each_fraction_with_its_own_rows(app):
    tariffs = billing.Tariffs([SimpleNamespace(**r) for r in price_list.price_rows()])
    days = [dt.date(2026, 10, 7), dt.date(2026, 11, 4)]
    rows = billing.waste_rows([(d, "plastic", 660, 1) for d in days] +
                              [(days[0], "mixed", 240, 1), (days[0], "multi4", 240, 1)], tariffs)
    found = {(r.code, r.meta["waste_type"]): (r.quantity, r.amount) for r in rows}
    assert found == {
        ("waste_treatment", "mixed"): (1, Decimal("2.84")), ("bin_emptying", "mixed"): (1, Decimal("3.95")),
        ("bin_emptying", "plastic"): (2, Decimal("14.80")),  # 2 × 7,40
        ("bin_emptying", "multi4"): (1, Decimal("8.90")),
    }


def test_a_multi_compartment_bin_is_one_service_with_several_fractions(prices, ctx):
    assert waste.fractions_of("multi4") == ("plastic", "cardboard", "glass", "metal")
    assert waste.fractions_of("glass") == ("glass",)
    prop = Property.get(Property.customer == factories.resident().customer)
    contract = WasteContract.create(property=prop, waste_type="multi4", bin_size=240, bin_count=1,
                                    interval_weeks=8, route_weekday=1, start_date=dt.date(2026, 1, 5))
    [plan] = schedule.plans_for(WasteContract.select().where(WasteContract.id == contract.id))
    emptyings = schedule.planned_emptyings(plan, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    planned = [e.planned_day for e in emptyings]
    assert planned[:3] == [dt.date(2026, 1, 6), dt.date(2026, 3, 3), dt.date(2026, 4, 28)]  # Tuesdays, 8 weeks
    assert all((b - a).days == 56 for a, b in zip(planned, planned[1:]))
    assert emptyings[0].day == dt.date(2026, 1, 7)  # Epiphany moves the first to Wednesday
    assert {e.waste_type for e in emptyings} == {"multi4"}  # one emptying for the four fractions


def test_the_wizard_offers_the_areas_fractions_and_orders_a_plastic_bin(client, app, prices):
    user = factories.resident()
    prop = Property.get(Property.customer == user.customer)  # Kouvola keskusta
    login(client, user.username)
    base = f"/properties/{prop.id}/order-service"
    step1 = client.get(base).get_data(as_text=True)
    offered = re.findall(r'name="waste_type" value="([^"]+)"', step1)
    assert offered == ["mixed", "bio", "plastic", "cardboard", "glass", "metal", "paper", "multi2", "multi4"]
    assert "4-lokeroinen astia (muovi, kartonki, lasi, metalli)" in step1
    step2 = client.get(base + "?waste_type=plastic").get_data(as_text=True)
    assert re.findall(r'name="bin_size" value="(\d+)"', step2) == ["240", "360", "660"]
    assert "4,90" in step2 and "7,40" in step2
    step3 = client.get(base + "?waste_type=plastic&bin_size=660").get_data(as_text=True)
    assert re.findall(r'name="interval" value="(\d+)"', step3) == ["4", "6", "8", "12"]
    step4 = client.get(base + "?waste_type=plastic&bin_size=660&step=confirm&effective=2026-12-07"
                              "&bins=1&interval=4").get_data(as_text=True)
    assert "96,20" in step4  # 13 emptyings a year × 7,40 €
    key = re.search(r'name="request_key" value="([^"]+)"', step4).group(1)
    response = post_form(client, base, {"waste_type": "plastic", "bin_size": "660", "bins": "1", "interval": "4",
                                        "effective": "2026-12-07", "terms": "y", "request_key": key}, page=base)
    assert response.status_code == 303
    order = WasteOrder.get()
    assert (order.kind, order.waste_type, order.price) == ("new_service", "plastic", Decimal("7.40"))
    with app.test_request_context():  # the decision is mailed to the resident
        decisions.decide_order(order, factories.staff(), approve=True)
    contract = WasteContract.get(WasteContract.waste_type == "plastic")
    assert (contract.bin_size, contract.interval_weeks, contract.route_weekday) == (660, 4, 2)
    calendar = client.get(f"/properties/{prop.id}/calendar?month=2026-12").get_data(as_text=True)
    # every 4 weeks from the week of 7.12. on Wednesdays: 9.12. (the next is 6.1.), and the legend
    assert calendar.count("waste-chip waste-plastic") == 1 + 1
    assert re.search(r'MU</span> = <a href="/sorting-guide\?fraction=plastic">Muovipakkaukset</a>', calendar)


def test_a_fraction_the_area_lacks_is_explained_and_refused(client, prices):
    owner = factories.customer()
    factories.property_(owner, collection_area="Mäntyharju", municipality="Mäntyharju",
                        building_type="holiday_home")
    user = factories.resident(customer=owner, with_property=False)
    prop = Property.get(Property.customer == owner)
    login(client, user.username)
    base = f"/properties/{prop.id}/order-service"
    page = client.get(base).get_data(as_text=True)
    assert re.findall(r'name="waste_type" value="([^"]+)"', page) == ["mixed"]
    assert "Alueen Mäntyharju keräysreitti ei vielä kerää näitä" in page
    assert client.get(base + "?waste_type=glass").status_code == 422
    assert User.select().count() == 1
