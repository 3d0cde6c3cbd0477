"""Waste orders and requests: their rules, and that one form makes one order."""
import datetime as dt

import pytest

from domain.errors import FieldError
from domain import price_list, schedule, waste
from domain.waste import WasteSettings
from models import PriceListRow, Property, WasteContract, WasteOrder
from tests import factories

TODAY = dt.date(2026, 11, 23)  # a Monday
SETTINGS = WasteSettings()
pytestmark = pytest.mark.usefixtures("ctx")


@pytest.fixture
def home(app):
    PriceListRow.insert_many(price_list.price_rows()).execute()
    user = factories.resident()
    prop = Property.get(Property.customer == user.customer)
    return user, prop, prop.waste_contracts.get()


def extra(home, day, bins=1, key="k1"):
    user, prop, contract = home
    return waste.order_extra_emptying(user, prop, contract, day=day, bins=bins, info="",
                                      request_key=key, today=TODAY, settings=SETTINGS)


@pytest.mark.parametrize("day, code", [
    (TODAY, "extra_too_soon"),
    (dt.date(2026, 11, 28), "not_working_day"),  # Saturday
    (dt.date(2026, 12, 24), "not_working_day"),  # Christmas Eve
    (dt.date(2028, 1, 3), "too_far"),
])
def test_extra_emptying_date_rules(home, day, code):
    with pytest.raises(FieldError) as error:
        extra(home, day)
    assert (error.value.field, error.value.code) == ("day", code)


def test_extra_emptying_one_working_day_ahead_with_its_price(home):
    order = extra(home, dt.date(2026, 11, 24))
    assert order.status == "pending"
    assert str(order.price) == "6.79"


def test_bins_cannot_exceed_the_contract(home):
    with pytest.raises(FieldError) as error:
        extra(home, dt.date(2026, 11, 25), bins=2)
    assert error.value.code == "bins_range"


def test_the_same_form_sent_twice_makes_one_order(home):
    first = extra(home, dt.date(2026, 11, 25), key="same")
    second = extra(home, dt.date(2026, 11, 25), key="same")
    assert first.id == second.id
    assert WasteOrder.select().count() == 1


def test_a_request_key_of_another_property_is_refused(home):
    extra(home, dt.date(2026, 11, 25), key="mine")
    other = factories.resident()
    other_prop = Property.get(Property.customer == other.customer)
    with pytest.raises(FieldError):
        waste.order_extra_emptying(other, other_prop, other_prop.waste_contracts.get(),
                                   day=dt.date(2026, 11, 25), bins=1, info="", request_key="mine",
                                   today=TODAY, settings=SETTINGS)


@pytest.mark.parametrize("kind, values, field, code", [
    ("interval", {"interval": 6}, "interval", "interval_choice"),
    ("interval", {"interval": 2}, "interval", "no_change"),
    ("bin_count", {"bins": 1}, "bins", "no_change"),
    ("suspension", {"end": dt.date(2026, 12, 1)}, "end", "end_before_start"),
    ("suspension", {"end": dt.date(2026, 12, 10)}, "end", "suspension_too_short"),
    ("suspension", {"end": dt.date(2028, 1, 10)}, "end", "suspension_too_long"),
])
def test_change_request_rules(home, kind, values, field, code):
    user, prop, contract = home
    with pytest.raises(FieldError) as error:
        waste.request_change(user, prop, contract, kind=kind, effective=dt.date(2026, 12, 2),
                             request_key="x", today=TODAY, settings=SETTINGS, **values)
    assert (error.value.field, error.value.code) == (field, code)


def test_a_change_takes_effect_after_the_lead_time(home):
    user, prop, contract = home
    with pytest.raises(FieldError) as error:
        waste.request_change(user, prop, contract, kind="interval", effective=TODAY,
                             interval=4, request_key="x", today=TODAY, settings=SETTINGS)
    assert error.value.code == "change_too_soon"


def test_an_approved_interval_change_moves_the_calendar_from_its_date(home):
    user, prop, contract = home
    order = waste.request_change(user, prop, contract, kind="interval", effective=dt.date(2027, 1, 4),
                                 interval=4, request_key="x", today=TODAY, settings=SETTINGS)
    [plan] = schedule.plans_for(WasteContract.select().where(WasteContract.id == contract.id))
    assert len(plan.segments) == 1  # pending changes nothing
    WasteOrder.update(status="approved").where(WasteOrder.id == order.id).execute()
    [plan] = schedule.plans_for(WasteContract.select().where(WasteContract.id == contract.id))
    days = [e.planned_day for e in schedule.planned_emptyings(plan, dt.date(2027, 1, 4), dt.date(2027, 4, 1))]
    assert all((b - a).days == 28 for a, b in zip(days, days[1:]))
    assert days[0] == dt.date(2027, 1, 6)  # Wednesday of the effective week: a new rhythm


def test_biowaste_only_in_the_central_areas_and_from_may_2024(app):
    central = Property(collection_area="Kouvola keskusta", building_type="detached")
    rural = Property(collection_area="Iitti", building_type="detached")
    assert waste.biowaste_unavailable_reason(central, dt.date(2024, 5, 2), SETTINGS) is None
    assert waste.biowaste_unavailable_reason(central, dt.date(2024, 5, 1), SETTINGS) == "biowaste_not_started"
    assert waste.biowaste_unavailable_reason(rural, TODAY, SETTINGS) == "biowaste_area"


def test_order_service_with_price_and_yearly_estimate(home):
    user, prop, contract = home
    order = waste.order_service(user, prop, waste_type="mixed", bin_size=360, bins=1, interval=2,
                                effective=dt.date(2026, 12, 7), replaces=contract, info="",
                                request_key="svc", today=TODAY, settings=SETTINGS)
    assert order.kind == "change_bin" and str(order.price) == "8.61"
    count, cost = waste.yearly_estimate("mixed", 360, 1, 2, dt.date(2026, 12, 7))
    assert count == 26 and cost == order.price * 26
