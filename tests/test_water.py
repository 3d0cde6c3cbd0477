"""Water readings: every rule in a table, apportioning as a property, the estimate."""
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from domain.errors import FieldError
from domain import invoicing, water
from models import AuditLog, ConsumptionPoint, Meter, Reading
from tests import factories

TODAY = dt.date(2026, 11, 23)
pytestmark = pytest.mark.usefixtures("ctx")


@pytest.fixture
def point(app):
    owner = factories.customer()
    prop = factories.property_(owner)
    point = ConsumptionPoint.create(number="100900", property=prop, billing_group="1", persons=3)
    meter = Meter.create(point=point, number="21000900", size="DN20", installed_on=dt.date(2020, 1, 1),
                         start_reading=100)
    Reading.create(meter=meter, read_on=dt.date(2025, 11, 20), value=500)
    Reading.create(meter=meter, read_on=dt.date(2026, 5, 20), value=550)  # 100 m³ a year
    return point


def meter_of(point, number="21000900"):
    return Meter.get(Meter.number == number)


def report(point, value, day, confirmed=False, number="21000900"):
    return water.report_reading(None, meter_of(point, number), value, day, confirmed=confirmed,
                                today=TODAY)


@pytest.mark.parametrize("value, day, field, code", [
    (600, TODAY + dt.timedelta(days=1), "day", "date_future"),
    (600, TODAY - dt.timedelta(days=366), "day", "date_too_old"),
    (600, dt.date(2026, 5, 1), "day", "before_previous"),
    (549, TODAY, "value", "below_previous"),
    (-1, TODAY, "value", "negative"),
])
def test_a_reading_that_breaks_a_rule_is_refused(point, value, day, field, code):
    with pytest.raises(FieldError) as error:
        report(point, value, day)
    assert (error.value.field, error.value.code) == (field, code)
    assert Reading.select().count() == 2


def test_a_plausible_reading_is_accepted_and_updates_the_estimate(point):
    reading, implausible = report(point, 600, TODAY)  # 50 m³ in ~187 days: ~98 m³ a year
    assert implausible is None and reading.status == "accepted"
    assert ConsumptionPoint.get_by_id(point.id).annual_estimate_m3 == 98


@pytest.mark.parametrize("value", [700, 555])  # ~293 m³ or ~10 m³ a year against 101
def test_a_far_off_reading_asks_for_confirmation_then_waits_for_review(point, value):
    with pytest.raises(water.NeedsConfirmation) as needs:
        report(point, value, TODAY)
    assert needs.value.implausible.estimate_m3 == 101  # 50 m³ in 181 days
    assert Reading.select().count() == 2
    reading, implausible = report(point, value, TODAY, confirmed=True)
    assert implausible and reading.status == "flagged" and reading.review_reason == "implausible"


def test_a_remote_read_meter_is_refused_with_the_explanation(point):
    Meter.update(kind="remote").execute()
    with pytest.raises(FieldError) as error:
        report(point, 600, TODAY)
    assert error.value.code == "remote_meter"


def test_a_second_reading_for_the_same_date_replaces_the_first_and_the_log_keeps_both(point):
    report(point, 600, TODAY)
    report(point, 602, TODAY)
    readings = Reading.select().where(Reading.read_on == TODAY)
    assert [r.value for r in readings] == [602]
    log = [(e.action, e.before_json, e.after_json) for e in AuditLog.select().order_by(AuditLog.id)]
    assert log[0][0] == "reading_report" and '"value": 600' in log[0][2]
    assert log[1][0] == "reading_replace" and '"value": 600' in log[1][1] and '"value": 602' in log[1][2]


def test_after_a_meter_change_the_new_meter_counts_from_its_start_reading(point):
    old = meter_of(point)
    Meter.update(removed_on=dt.date(2026, 9, 1)).where(Meter.id == old.id).execute()
    Reading.create(meter=old, read_on=dt.date(2026, 9, 1), value=590)
    Meter.create(point=point, number="21000901", size="DN20", installed_on=dt.date(2026, 9, 1),
                 start_reading=0)
    reading, _ = report(point, 25, TODAY, number="21000901")  # lower than 590, but a new meter
    assert reading.value == 25
    with pytest.raises(FieldError) as error:
        report(point, 600, TODAY, number="21000900")  # the old meter is out of use
    assert error.value.code == "meter_not_in_use"
    spans = water.consumption_spans(ConsumptionPoint.get_by_id(point.id))
    assert sum(m3 for s, e, m3 in spans if s >= dt.date(2026, 5, 20)) == 40 + 25


def test_estimate_without_two_readings_is_persons_times_35(app):
    owner = factories.customer()
    point = ConsumptionPoint.create(number="100901", property=factories.property_(owner),
                                    billing_group="1", persons=4)
    Meter.create(point=point, number="21000999", size="DN20", installed_on=dt.date(2026, 1, 1))
    assert water.annual_estimate(point) == 140


@given(st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 1, 1)),
       st.integers(1, 1500), st.integers(0, 5000))
def test_apportioned_parts_add_up_to_the_consumption(start, days, m3):
    parts = water.apportion(start, start + dt.timedelta(days=days), m3)
    assert sum(parts.values()) == Decimal(m3)
    assert all(part >= 0 for part in parts.values())
    assert all(month.day == 1 for month in parts)
    if m3:
        # Parts follow the days: no month gets more than its days' share plus a litre.
        for month, part in parts.items():
            assert part <= Decimal(m3) * 31 / days + Decimal("0.001")


@given(st.lists(st.integers(0, 400), min_size=1, max_size=8), st.integers(5, 200))
def test_grouped_consumption_keeps_the_total(steps, gap):
    months = {}
    day = dt.date(2022, 1, 15)
    for m3 in steps:
        end = day + dt.timedelta(days=gap)
        for month, part in water.apportion(day, end, m3).items():
            months[month] = months.get(month, Decimal(0)) + part
        day = end
    total = sum(steps)
    for by in ("month", "quarter", "year"):
        assert sum(v for _, v in water.group_consumption(months, by)) == total


def test_leak_notice_when_the_latest_period_doubles_a_year_earlier(point):
    meter = meter_of(point)
    Reading.create(meter=meter, read_on=dt.date(2026, 8, 20), value=575)  # 25 m³ in 3 months
    assert not water.leak_suspected(ConsumptionPoint.get_by_id(point.id))
    Reading.create(meter=meter, read_on=dt.date(2026, 11, 20), value=700)  # 125 m³ in 3 months
    assert water.leak_suspected(ConsumptionPoint.get_by_id(point.id))


def test_the_estimate_follows_a_reading_staff_accept_and_the_next_estimates_use_it(app):
    """A new meter (start 0 on 1.1.2026) and one reading, 200 m³ on 1.7.2026: far above the
    70 m³ of two persons, so it waits for staff. Accepted, the estimate is the start and the
    reading: 200 × 365 / 181 days = 403 m³ a year; the next estimate rows use it."""
    from domain import billing_runs, decisions, price_list
    from models import BillingCalendar, Invoice, PriceListRow
    PriceListRow.insert_many(price_list.price_rows()).execute()
    BillingCalendar.insert_many(price_list.billing_calendar_rows(2026, 2026)).execute()
    owner = factories.customer()
    point = ConsumptionPoint.create(number="100901", property=factories.property_(owner), billing_group="1",
                                    persons=2)
    meter = Meter.create(point=point, number="21000901", size="DN20", installed_on=dt.date(2026, 1, 1))
    reading, implausible = water.report_reading(None, meter, 200, dt.date(2026, 7, 1), confirmed=True,
                                                today=dt.date(2026, 7, 2))
    assert reading.status == "flagged" and implausible.estimate_m3 == 70
    assert ConsumptionPoint.get_by_id(point.id).annual_estimate_m3 is None  # not counted yet
    decisions.review_reading(reading, factories.staff(), accept=True)
    accepted = ConsumptionPoint.get_by_id(point.id)
    assert accepted.annual_estimate_m3 == round(200 * 365 / 181) == 403
    assert accepted.annual_estimate_changed_on is not None
    billing_runs.run_water(dt.date(2026, 10, 4), invoicing.BillingSettings())  # Q3 1.7.–30.9.
    q3 = Invoice.get(Invoice.point == point.id)
    estimated = sum(r.quantity for r in q3.rows if r.code == "water_estimate")
    assert abs(estimated - Decimal(403 * 92) / 365) < Decimal("0.002")  # 92 days at 403 m³ a year


def test_one_rule_for_which_readings_count_in_the_chart_and_billing(point):
    """A flagged reading waits for staff: neither the chart nor billing counts it."""
    meter = meter_of(point)
    Reading.create(meter=meter, read_on=dt.date(2026, 8, 20), value=900, status="flagged")
    spans = water.consumption_spans(point)
    assert spans[-1][1] == dt.date(2026, 5, 20)  # the chart ends at the last accepted reading
    assert 900 not in [p.value for _m, ps in water.positions(point) for p in ps]
    from domain import billing_runs
    _history, _meters, counted = billing_runs.load_water_batch([point], dt.date(2026, 7, 1))[point.id]
    assert [r.value for r in counted] == [500, 550]


def test_consumption_is_compared_with_the_year_before():
    from decimal import Decimal as D
    from domain.water import compare_years
    months = {dt.date(2025, 3, 1): D("10.0"), dt.date(2026, 3, 1): D("12.0"), dt.date(2026, 4, 1): D("5.5"),
              dt.date(2024, 3, 1): D("99")}  # two years back: not shown
    by_month = compare_years(months, "month", 2026)
    assert len(by_month) == 12 and by_month[2] == ("3", D("12.0"), D("10.0")) and by_month[3] == ("4", D("5.5"), 0)
    assert compare_years(months, "quarter", 2026) == [("Q1", D("12.0"), D("10.0")), ("Q2", D("5.5"), 0),
                                                      ("Q3", 0, 0), ("Q4", 0, 0)]
