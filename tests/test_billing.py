"""Billing: the water invariant as a property, tariff splits, runs that never bill twice."""
import datetime as dt
import json
from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from domain.errors import FieldError
from domain import billing, billing_runs, invoicing, price_list, water
from domain.billing import EstimateSpan, PointHistory, Tariffs
from domain.positions import MeterPosition
from models import (BillingCalendar, ConsumptionPoint, Credit, Emptying, Invoice, InvoiceRow, Meter,
                    PriceListRow, Reading)
from tests import factories

SETTINGS = invoicing.BillingSettings(credit_refund_threshold=Decimal(200), minimum_invoice=Decimal(10))


def tariffs(change_on=None):
    """The demo price list, with an extra water price change when asked."""
    rows = [SimpleNamespace(**r) for r in price_list.price_rows()]
    if change_on:
        for r in list(rows):
            if r.component == "water" and r.valid_to is None:
                rows.append(SimpleNamespace(**{**r.__dict__, "valid_from": change_on,
                                               "unit_price": r.unit_price + Decimal("0.35")}))
                r.valid_to = change_on - dt.timedelta(days=1)
    return Tariffs(rows)


def quarters(start: dt.date, count: int):
    for _ in range(count):
        end = (start + dt.timedelta(days=95)).replace(day=1) - dt.timedelta(days=1)
        yield start, end
        start = end + dt.timedelta(days=1)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 120), st.integers(0, 90)), min_size=1, max_size=10),
       st.integers(2, 12), st.integers(20, 400),
       st.one_of(st.none(), st.dates(min_value=dt.date(2024, 2, 1), max_value=dt.date(2026, 6, 1))))
def test_estimates_plus_balancing_equal_the_actual_consumption(steps, n_quarters, annual, change_on):
    prices = tariffs(change_on)
    first = MeterPosition(dt.date(2023, 12, 15), 1000)
    readings, day, value = [], first.day, first.value
    for gap, used in steps:
        day, value = day + dt.timedelta(days=gap), value + used
        readings.append(MeterPosition(day, value))
    history = PointHistory(first)
    all_rows = []
    for start, end in quarters(dt.date(2024, 1, 1), n_quarters):
        latest = max((r for r in readings if history.base.day < r.day <= end), key=lambda r: r.day, default=None)
        actual = latest.value - history.base.value if latest else None
        bill = billing.water_bill(history, period_start=start, period_end=end, latest=latest,
                                  actual_m3=actual, annual_m3=annual, meter_size="DN20", tariffs=prices)
        all_rows += bill.rows
        assert billing.total(bill.rows) == sum(r.amount for r in bill.rows)
        history.estimates += [EstimateSpan(r.period_start, r.period_end + dt.timedelta(days=1), r.quantity,
                                           r.code.removesuffix("_estimate"), r.unit_price, r.vat_rate, r.amount)
                              for r in bill.rows if r.code.endswith("_estimate")]
        history.estimated_until = bill.estimated_until
        if bill.balanced:
            history.base = bill.balanced
    m3 = lambda code: sum((r.quantity for r in all_rows if r.code == code), Decimal(0))  # noqa: E731
    estimated, actual = m3("water_estimate"), m3("water_actual")
    deducted = -m3("water_estimate_deduction")
    last = history.base
    after_last = estimated - history.deducted_before(last.day)
    # Every m³ billed up to the last balanced reading is real consumption, exactly.
    assert estimated + actual - deducted - after_last == last.value - first.value
    assert m3("wastewater_actual") == actual and m3("wastewater_estimate") == estimated
    # The estimates wholly before the last reading are taken back to the cent, in euros.
    euros = lambda rows: sum((r.amount for r in rows), Decimal(0))  # noqa: E731
    for component in ("water", "wastewater"):
        done = [r for r in all_rows if r.code == f"{component}_estimate" and r.period_end < last.day]
        cut = [r for r in all_rows if r.code == f"{component}_estimate" and r.period_start < last.day <= r.period_end]
        if not cut:
            assert euros(r for r in all_rows if r.code == f"{component}_estimate_deduction") == -euros(done)


def test_a_tariff_change_inside_the_balancing_span_goes_on_separate_rows():
    prices = tariffs()
    history = PointHistory(MeterPosition(dt.date(2024, 6, 1), 100))
    bill = billing.water_bill(history, period_start=dt.date(2024, 10, 1), period_end=dt.date(2024, 12, 31),
                              latest=MeterPosition(dt.date(2024, 12, 1), 183), actual_m3=83, annual_m3=150,
                              meter_size="DN20", tariffs=prices)
    actual = [r for r in bill.rows if r.code == "water_actual"]
    assert [r.vat_rate for r in actual] == [Decimal("24"), Decimal("25.5")]
    assert sum(r.quantity for r in actual) == 83
    assert actual[0].period_end == dt.date(2024, 8, 31) and actual[1].period_start == dt.date(2024, 9, 1)
    assert actual[0].meta == {"previous": ["2024-06-01", 100], "latest": ["2024-12-01", 183]}
    fees = [r for r in bill.rows if r.code == "water_basic_fee"]
    assert [(r.quantity, r.unit) for r in fees] == [(Decimal(3), "month")]


def test_a_balancing_deducts_to_the_cent_the_estimate_euros_billed_for_its_days():
    """Seed 004 item 5: the deducted estimates are the euros billed. Q1 2024 is estimated in
    two water prices; a reading on 1.4. balances exactly that quarter."""
    prices = tariffs(change_on=dt.date(2025, 2, 10))
    history = PointHistory(MeterPosition(dt.date(2025, 1, 1), 100))
    q1 = billing.water_bill(history, period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 3, 31),
                            latest=None, actual_m3=None, annual_m3=137, meter_size="DN20", tariffs=prices)
    billed = [r for r in q1.rows if r.code.endswith("_estimate")]
    assert len(billed) == 4  # two price periods × water and wastewater
    history.estimates = [EstimateSpan(r.period_start, r.period_end + dt.timedelta(days=1), r.quantity,
                                      r.code.removesuffix("_estimate"), r.unit_price, r.vat_rate, r.amount)
                         for r in billed]
    history.estimated_until = q1.estimated_until
    q2 = billing.water_bill(history, period_start=dt.date(2025, 4, 1), period_end=dt.date(2025, 6, 30),
                            latest=MeterPosition(dt.date(2025, 4, 1), 140), actual_m3=40, annual_m3=137,
                            meter_size="DN20", tariffs=prices)
    deductions = [r for r in q2.rows if r.code.endswith("_estimate_deduction")]
    # One deduction row per component and billed price: the billed m³ and euros, negated.
    by_price = {}
    for r in billed:
        m3, euros = by_price.get((r.code, r.unit_price), (0, 0))
        by_price[(r.code, r.unit_price)] = (m3 + r.quantity, euros + r.amount)
    assert len(by_price) == 3  # water changed price on 10.2., wastewater did not
    assert {(r.code.removesuffix("_deduction"), r.unit_price): (-r.quantity, -r.amount) for r in deductions} \
        == by_price
    # A reading inside a row's days deducts by days, and two balancings add up to the row.
    first = billing.deduction_rows(history.estimates, dt.date(2025, 1, 1), dt.date(2025, 3, 3), prices)
    second = billing.deduction_rows(history.estimates, dt.date(2025, 3, 3), dt.date(2025, 4, 1), prices)
    total = sum((r.amount for r in first + second), Decimal(0))
    assert total == -sum((r.amount for r in billed), Decimal(0))


def test_fixed_fees_of_part_of_a_month_are_billed_by_days():
    prices = tariffs()
    rows = billing.basic_fee_rows(dt.date(2026, 5, 16), dt.date(2026, 6, 30), "DN20", prices)
    fee = prices.price("water_basic_fee", dt.date(2026, 5, 16), "DN20").unit_price
    water = [r for r in rows if r.code == "water_basic_fee"]
    assert [(r.unit, r.quantity) for r in water] == [("day", 16), ("month", 1)]
    assert water[0].amount == (fee * 16 / 31).quantize(Decimal("0.01"))  # 16.–31.5.: 16 of 31 days


@pytest.fixture
def billed_point(ctx):
    PriceListRow.insert_many(price_list.price_rows()).execute()
    BillingCalendar.insert_many(price_list.billing_calendar_rows(2026, 2027)).execute()
    owner = factories.customer()
    prop = factories.property_(owner)
    point = ConsumptionPoint.create(number="100321", property=prop, billing_group="1", persons=2,
                                    annual_estimate_m3=100)
    meter = Meter.create(point=point, number="21000321", size="DN20", installed_on=dt.date(2020, 1, 1))
    Reading.create(meter=meter, read_on=dt.date(2025, 12, 10), value=500)
    return owner, point, meter


def test_a_run_makes_one_invoice_per_point_and_period_and_a_rerun_makes_none(billed_point):
    owner, point, meter = billed_point
    first = billing_runs.run_water(dt.date(2026, 4, 4), SETTINGS)  # group 1, Jan-Mar 2026
    again = billing_runs.run_water(dt.date(2026, 4, 4), SETTINGS)
    assert (first.invoices, again.invoices) == (1, 0)
    invoice = Invoice.get(Invoice.point == point)
    assert invoice.billing_key == f"water:{point.id}:2026-01-01"
    assert invoice.total == sum(r.amount for r in invoice.rows)
    assert invoice.rf_reference.startswith("RF") and invoice.due_date == dt.date(2026, 4, 26)
    codes = [r.code for r in invoice.rows.order_by(InvoiceRow.position)]
    assert codes == ["water_basic_fee", "wastewater_basic_fee", "water_estimate", "wastewater_estimate"]


def test_a_reading_makes_the_next_invoice_a_balancing_one(billed_point):
    owner, point, meter = billed_point
    billing_runs.run_water(dt.date(2026, 4, 4), SETTINGS)
    Reading.create(meter=meter, read_on=dt.date(2026, 6, 15), value=560)
    billing_runs.run_water(dt.date(2026, 7, 4), SETTINGS)
    second = Invoice.get(Invoice.billing_key == f"water:{point.id}:2026-04-01")
    rows = {r.code: r for r in second.rows}
    assert rows["water_actual"].quantity == 60
    estimated_q1 = Invoice.get(Invoice.billing_key == f"water:{point.id}:2026-01-01").rows.where(
        InvoiceRow.code == "water_estimate").get().quantity
    assert -rows["water_estimate_deduction"].quantity == estimated_q1  # Jan-Mar estimate deducted
    assert rows["water_estimate"].period_start == dt.date(2026, 6, 15)
    assert second.balanced_reading.value == 560


@pytest.mark.parametrize("q1_estimate, refund", [(160, False), (1000, True)])
def test_a_credit_is_carried_once_or_refunded(billed_point, q1_estimate, refund):
    owner, point, meter = billed_point
    ConsumptionPoint.update(annual_estimate_m3=q1_estimate).execute()
    billing_runs.run_water(dt.date(2026, 4, 4), SETTINGS)  # Q1 estimated generously
    Reading.create(meter=meter, read_on=dt.date(2026, 4, 2), value=501)  # 1 m³ really used
    ConsumptionPoint.update(annual_estimate_m3=10).execute()
    billing_runs.run_water(dt.date(2026, 7, 4), SETTINGS)
    q2 = Invoice.get(Invoice.billing_key == f"water:{point.id}:2026-04-01")
    assert q2.total < 0 and q2.status == "credit"
    credit = Credit.get(Credit.source_invoice == q2)
    assert credit.amount == -q2.total and credit.refund_due == refund
    billing_runs.run_water(dt.date(2026, 10, 4), SETTINGS)
    billing_runs.run_water(dt.date(2027, 1, 4), SETTINGS)
    used = [r for r in InvoiceRow.select().where(InvoiceRow.code == "credit")]
    if refund:
        assert used == [] and Credit.get_by_id(credit.id).used_invoice_id is None  # paid out instead
    else:
        q3 = Invoice.get(Invoice.billing_key == f"water:{point.id}:2026-07-01")
        from_q2 = [r for r in used if json.loads(r.meta_json)["invoice"] == q2.number]
        assert [(r.invoice_id, r.amount) for r in from_q2] == [(q3.id, -credit.amount)]  # once, on Q3
        assert Credit.get_by_id(credit.id).used_invoice_id == q3.id
        assert q3.total == sum(r.amount for r in q3.rows)
        # A credit left over on Q3 is in turn carried once: every credit is used exactly once.
        for c in Credit.select():
            rows = [r for r in used if json.loads(r.meta_json)["invoice"] == c.source_invoice.number]
            assert len(rows) == (1 if c.used_invoice_id else 0)


def test_waste_run_bills_emptyings_once_and_small_sums_wait(ctx):
    PriceListRow.insert_many(price_list.price_rows()).execute()
    owner = factories.customer()
    prop = factories.property_(owner)
    contract = prop.waste_contracts.get()
    Emptying.create(contract=contract, emptied_on=dt.date(2026, 10, 7), bin_count=1)
    first = billing_runs.run_waste(dt.date(2026, 10, 1), dt.date(2026, 12, 31), dt.date(2027, 1, 20), SETTINGS)
    assert first.invoices == 0  # 6,79 € is below the minimum invoice: it waits
    for day in (21, 28):
        Emptying.create(contract=contract, emptied_on=dt.date(2026, 10, day), bin_count=1)
    second = billing_runs.run_waste(dt.date(2026, 10, 1), dt.date(2026, 12, 31), dt.date(2027, 1, 20), SETTINGS)
    third = billing_runs.run_waste(dt.date(2026, 10, 1), dt.date(2026, 12, 31), dt.date(2027, 1, 20), SETTINGS)
    assert (second.invoices, third.invoices) == (1, 0)
    invoice = Invoice.get(Invoice.kind == "waste")
    rows = {r.code: r for r in invoice.rows}
    assert rows["waste_treatment"].quantity == 3 and rows["bin_emptying"].quantity == 3
    assert invoice.total == Decimal("20.37")  # 3 × (2,84 + 3,95)
    assert Emptying.select().where(Emptying.invoice.is_null()).count() == 0


def test_owner_change_makes_a_final_invoice_and_the_new_owner_starts_from_it(billed_point):
    from domain import owner_change
    owner, point, meter = billed_point
    billing_runs.run_water(dt.date(2026, 4, 4), SETTINGS)  # Q1 estimated
    new_owner = factories.customer()
    staff = factories.staff()
    final = owner_change.change_owner(point, possession=dt.date(2026, 5, 15), reading_value=540,
                                      new_customer=new_owner, staff=staff, settings=SETTINGS,
                                      today=dt.date(2026, 5, 20))
    assert final.customer_id == owner.id and final.kind == "final"
    rows = {r.code: r for r in final.rows}
    assert rows["water_actual"].quantity == 40  # 500 -> 540
    fees = sorted((r.period_start, r.unit, r.quantity) for r in final.rows if r.code == "water_basic_fee")
    assert fees == [(dt.date(2026, 4, 1), "month", 1), (dt.date(2026, 5, 1), "day", 15)]  # April, 1.–15.5.
    assert "water_estimate" not in rows
    assert final.total == sum(r.amount for r in final.rows)
    assert ConsumptionPoint.get_by_id(point.id).property.customer_id == new_owner.id
    billing_runs.run_water(dt.date(2026, 7, 4), SETTINGS)
    q2 = Invoice.get(Invoice.billing_key == f"water:{point.id}:2026-04-01")
    assert q2.customer_id == new_owner.id
    assert "water_actual" not in {r.code for r in q2.rows}  # no new reading since the final one
    estimates = [r for r in q2.rows if r.code == "water_estimate"]
    assert min(r.period_start for r in estimates) == dt.date(2026, 5, 15)  # nothing billed twice
    q2_fees = sorted((r.period_start, r.unit, r.quantity) for r in q2.rows if r.code == "water_basic_fee")
    assert q2_fees == [(dt.date(2026, 5, 16), "day", 16), (dt.date(2026, 6, 1), "month", 1)]  # 16.–31.5., June
    # Audit #22, 7: the new owner's second invoice bills July–September only (three whole
    # months); it billed 16.5.–30.6. again.
    billing_runs.run_water(dt.date(2026, 10, 4), SETTINGS)
    q3 = Invoice.get(Invoice.billing_key == f"water:{point.id}:2026-07-01")
    q3_fees = sorted((r.period_start, r.period_end, r.unit, r.quantity) for r in q3.rows if r.code == "water_basic_fee")
    assert q3_fees == [(dt.date(2026, 7, 1), dt.date(2026, 9, 30), "month", 3)]
    fee_days = [(r.period_start, r.period_end) for i in Invoice.select().where(Invoice.point == point.id)
                for r in i.rows if r.code == "water_basic_fee" and r.amount > 0]
    days = [d for first, last in fee_days for d in range((last - first).days + 1) for d in [first + dt.timedelta(d)]]
    assert len(days) == len(set(days)) == (dt.date(2026, 9, 30) - dt.date(2026, 1, 1)).days + 1  # each day once
    with pytest.raises(FieldError):
        owner_change.change_owner(point, possession=dt.date(2026, 5, 15), reading_value=540,
                                  new_customer=owner, staff=staff, settings=SETTINGS, today=dt.date(2026, 5, 20))


def test_a_rejected_reading_of_the_day_does_not_block_an_owner_change(billed_point):
    from domain import owner_change
    owner, point, meter = billed_point
    Reading.create(meter=meter, read_on=dt.date(2026, 5, 15), value=9999, status="rejected")
    final = owner_change.change_owner(point, possession=dt.date(2026, 5, 15), reading_value=540,
                                      new_customer=factories.customer(), staff=factories.staff(),
                                      settings=SETTINGS, today=dt.date(2026, 5, 20))
    day = Reading.get((Reading.meter == meter) & (Reading.read_on == dt.date(2026, 5, 15)))
    assert (day.value, day.status, final.balanced_reading_id) == (540, "accepted", day.id)
    # An accepted reading of another value still is a conflict.
    with pytest.raises(FieldError) as error:
        owner_change.change_owner(ConsumptionPoint.get_by_id(point.id), possession=dt.date(2026, 5, 15), reading_value=541,
                                  new_customer=owner, staff=factories.staff(), settings=SETTINGS,
                                  today=dt.date(2026, 5, 20))
    assert error.value.code == "conflicting_reading"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(-500, 400), min_size=1, max_size=8))
def test_every_credit_is_used_exactly_once(ctx, amounts):
    InvoiceRow.delete().execute()
    Credit.delete().execute()
    Invoice.delete().execute()
    customer = factories.customer()
    numbers = invoicing.Numbers()
    made = []
    for i, euros in enumerate(amounts):
        draft = invoicing.Draft(customer.id, "water", f"test:{customer.id}:{i}",
                                   [billing.Row("water_estimate", Decimal(1), "pcs", Decimal(euros), Decimal(0))],
                                   dt.date(2026, 1, 1), dt.date(2026, 1, 22), (None, None))
        made += invoicing.save_batch([draft], numbers=numbers, run=None, settings=SETTINGS)
    order = [m.id for m in made]
    credit_rows = list(InvoiceRow.select().where(InvoiceRow.code == "credit"))
    for credit in Credit.select():
        uses = [r for r in credit_rows if json.loads(r.meta_json)["invoice"] == credit.source_invoice.number]
        if credit.refund_due:
            assert uses == [] and credit.used_invoice_id is None
        elif credit.source_invoice_id == order[-1]:
            assert uses == [] and credit.used_invoice_id is None  # waits for the next invoice
        else:
            following = order[order.index(credit.source_invoice_id) + 1]
            assert [r.invoice_id for r in uses] == [following] == [credit.used_invoice_id]
            assert uses[0].amount == -credit.amount
    for invoice in Invoice.select():
        assert invoice.total == sum(r.amount for r in invoice.rows)


def test_an_owner_change_recorded_after_the_quarter_was_billed(billed_point):
    """Possession 15.5.2026 recorded on 10.7., after the old owner's Q2 invoice (estimates
    and fixed fees to 30.6.) was sent: the final invoice still balances up to the
    possession reading, credits the fees and estimates after it, and the new owner pays
    from 16.5. without ever being credited the old owner's estimates."""
    from domain import owner_change
    owner, point, meter = billed_point
    billing_runs.run_water(dt.date(2026, 4, 4), SETTINGS)
    billing_runs.run_water(dt.date(2026, 7, 4), SETTINGS)
    q1, q2 = (Invoice.get(Invoice.billing_key == f"water:{point.id}:{d}") for d in ("2026-01-01", "2026-04-01"))
    new_owner = factories.customer()
    final = owner_change.change_owner(point, possession=dt.date(2026, 5, 15), reading_value=540,
                                      new_customer=new_owner, staff=factories.staff(), settings=SETTINGS,
                                      today=dt.date(2026, 7, 10))
    rows = list(final.rows)
    assert sum(r.quantity for r in rows if r.code == "water_actual") == 40  # 500 -> 540
    # Every estimate euro billed to the old owner is taken back: up to possession by the
    # balancing, after it as a credit.
    billed = sum(r.amount for q in (q1, q2) for r in q.rows if r.code.endswith("_estimate"))
    taken_back = sum(r.amount for r in rows if "_estimate" in r.code)
    assert taken_back == -billed
    # Fixed fees after possession credited: 16 days of May and the month of June.
    fee = next(r for r in q2.rows if r.code == "water_basic_fee").unit_price
    credits = sorted((r.period_start, r.amount) for r in rows if r.code == "water_basic_fee")
    assert credits == [(dt.date(2026, 5, 16), -(fee * 16 / 31).quantize(Decimal("0.01"))),
                       (dt.date(2026, 6, 1), -fee)]
    assert final.total == sum(r.amount for r in rows)
    # The new owner: fixed fees from 16.5., estimates from where billing stood (1.7.).
    billing_runs.run_water(dt.date(2026, 10, 4), SETTINGS)
    q3 = Invoice.get(Invoice.billing_key == f"water:{point.id}:2026-07-01")
    assert q3.customer_id == new_owner.id
    q3_fees = sorted((r.period_start, r.unit, r.quantity) for r in q3.rows if r.code == "water_basic_fee")
    assert q3_fees == [(dt.date(2026, 5, 16), "day", 16), (dt.date(2026, 6, 1), "month", 4)]
    # Their first balancing deducts only their own estimates (Q3's, 1.7.–19.9.: 81 of 92 days).
    Reading.create(meter=meter, read_on=dt.date(2026, 9, 20), value=580)
    billing_runs.run_water(dt.date(2027, 1, 4), SETTINGS)
    q4 = Invoice.get(Invoice.billing_key == f"water:{point.id}:2026-10-01")
    q3_m3 = sum(r.quantity for r in q3.rows if r.code == "water_estimate")
    deducted = -sum(r.quantity for r in q4.rows if r.code == "water_estimate_deduction")
    assert abs(deducted - q3_m3 * 81 / 92) <= Decimal("0.002")
    assert sum(r.quantity for r in q4.rows if r.code == "water_actual") == 40  # 540 -> 580


def test_go_live_the_first_balancing_starts_where_the_previous_system_balanced(ctx):
    """The previous system balanced to the reading of 10.12.2025 and billed estimates after
    it up to 30.6.2026 (three imported invoices). Kotipiha's first balancing, to the reading
    of 15.9.2026, deducts those estimates: no m³ is billed twice."""
    PriceListRow.insert_many(price_list.price_rows()).execute()
    BillingCalendar.insert_many(price_list.billing_calendar_rows(2026, 2027)).execute()
    owner = factories.customer()
    point = ConsumptionPoint.create(number="100888", property=factories.property_(owner), billing_group="1",
                                    persons=2, annual_estimate_m3=100)
    meter = Meter.create(point=point, number="21000888", size="DN20", installed_on=dt.date(2020, 1, 1))
    balanced = Reading.create(meter=meter, read_on=dt.date(2025, 12, 10), value=500)
    Reading.create(meter=meter, read_on=dt.date(2026, 3, 20), value=520)  # never balanced by the old system
    old = [(dt.date(2025, 10, 1), dt.date(2025, 12, 31), balanced, "5.753"),   # 10.–31.12.: 21 days
           (dt.date(2026, 1, 1), dt.date(2026, 3, 31), None, "24.658"),
           (dt.date(2026, 4, 1), dt.date(2026, 6, 30), None, "24.932")]
    for n, (start, end, reading, m3) in enumerate(old):
        factories.invoice(owner, number=str(4_100_000 + n), kind="water", point=point, period_start=start,
                          period_end=end, balanced_reading=reading, estimated_m3=Decimal(m3), imported=True,
                          status="paid", total=Decimal("99.00"))
    Reading.create(meter=meter, read_on=dt.date(2026, 9, 15), value=600)
    billing_runs.run_water(dt.date(2026, 10, 4), SETTINGS)
    first = Invoice.get(Invoice.billing_key == f"water:{point.id}:2026-07-01")
    rows = list(first.rows)
    assert sum(r.quantity for r in rows if r.code == "water_actual") == 100  # 500 -> 600
    deducted = -sum(r.quantity for r in rows if r.code == "water_estimate_deduction")
    assert deducted == Decimal("5.753") + Decimal("24.658") + Decimal("24.932")
    # At the price list's price of each span's first day (the old invoices give no euros).
    def price(component, day):
        return next(p["unit_price"] for p in price_list.price_rows() if p["component"] == component
                    and p["valid_from"] <= day and (p["valid_to"] is None or day <= p["valid_to"]))
    starts = [dt.date(2025, 12, 10), dt.date(2026, 1, 1), dt.date(2026, 4, 1)]
    expected = sum((Decimal(m3) * price("water", day)).quantize(Decimal("0.01"))
                   for day, (*_x, m3) in zip(starts, old))
    assert -sum(r.amount for r in rows if r.code == "water_estimate_deduction") == expected
    # Estimates after the reading only; fixed fees only for Kotipiha's own period.
    assert min(r.period_start for r in rows if r.code == "water_estimate") == dt.date(2026, 9, 15)
    assert [(r.period_start, r.quantity) for r in rows if r.code == "water_basic_fee"] == [(dt.date(2026, 7, 1), 3)]


@pytest.mark.parametrize("final, expected_old_m3", [
    (540, 40),    # the old meter's final reading: 500 -> 540
    (None, 39),   # none: 100 m³ a year × 142 days (10.12.2025–1.5.2026) / 365 = 38,9 -> 39, estimated
])
def test_a_meter_change_never_drops_the_old_meters_consumption(billed_point, final, expected_old_m3):
    owner, point, meter = billed_point
    new = water.replace_meter(factories.staff(), meter, day=dt.date(2026, 5, 1), final_value=final,
                              new_number="21999321", start_value=0, today=dt.date(2026, 5, 2), by_staff=True)
    Reading.create(meter=new, read_on=dt.date(2026, 6, 15), value=20)
    billing_runs.run_water(dt.date(2026, 7, 4), SETTINGS)  # group 1, Apr–Jun, reports by 30.6.
    invoice = Invoice.get(Invoice.billing_key == f"water:{point.id}:2026-04-01")
    actual = [r for r in invoice.rows if r.code == "water_actual"]
    assert sum(r.quantity for r in actual) == expected_old_m3 + 20  # old meter + new meter 0 -> 20
    marked = actual[0].meta.get("estimated_final")
    assert marked == (None if final is not None else [["2026-05-01", 539]])


def test_the_annual_waste_basic_fee_is_billed_per_dwelling_once_a_year(ctx):
    """Price list: 32,00 € a dwelling a year for a permanent home, 16,00 € for a holiday
    home (VAT 25,5 % included). A customer with a detached house, an apartment building of
    12 dwellings and a holiday home pays 32,00 + 12 × 32,00 + 16,00 = 432,00 €."""
    PriceListRow.insert_many(price_list.price_rows()).execute()
    owner = factories.customer()
    factories.property_(owner, street="KOIVUKUJA 9")
    factories.property_(owner, street="ASEMATIE 1", building_type="apartment", dwellings=12)
    factories.property_(owner, street="RANTATIE 5", building_type="holiday_home", occupancy="holiday")
    other = factories.customer()
    factories.property_(other, street="MÄNTYTIE 4")
    settings_ = invoicing.BillingSettings(basic_fee_billed_on=(2, 15))
    assert billing_runs.run_due(dt.date(2027, 2, 14), settings_) == []  # not the day
    [run] = billing_runs.run_due(dt.date(2027, 2, 15), settings_)
    assert (run.kind, run.invoices) == ("basic_fee", 2)
    invoice = Invoice.get((Invoice.customer == owner) & (Invoice.kind == "basic_fee"))
    rows = sorted((r.meta["property"], r.quantity, r.unit_price, r.amount) for r in invoice.rows)
    assert rows == [("ASEMATIE 1", 12, Decimal("32.00"), Decimal("384.00")),
                    ("KOIVUKUJA 9", 1, Decimal("32.00"), Decimal("32.00")),
                    ("RANTATIE 5", 1, Decimal("16.00"), Decimal("16.00"))]
    assert invoice.total == Decimal("432.00")
    assert (invoice.period_start, invoice.period_end, invoice.due_date) == (
        dt.date(2027, 1, 1), dt.date(2027, 12, 31), dt.date(2027, 3, 8))  # 15.2. + 21 days
    again = billing_runs.run_basic_fees(2027, dt.date(2027, 2, 16), settings_)
    assert again.invoices == 0 and Invoice.select().where(Invoice.kind == "basic_fee").count() == 2


def test_the_basic_fee_can_ride_on_the_years_first_waste_invoice(ctx):
    """With WASTE_BASIC_FEE_ON_WASTE_INVOICE the fee has no invoice of its own: the first
    waste run of 2027 (20.1., for the emptyings of the last quarter) adds it, also for a
    customer with no emptyings, and the next run of the year does not add it again."""
    PriceListRow.insert_many(price_list.price_rows()).execute()
    owner = factories.customer()
    prop = factories.property_(owner, street="KOIVUKUJA 9")
    contract = prop.waste_contracts.get()
    Emptying.create(contract=contract, emptied_on=dt.date(2026, 12, 2), bin_count=1)
    quiet = factories.customer()
    factories.property_(quiet, street="RANTATIE 5", building_type="holiday_home", occupancy="holiday")
    settings_ = invoicing.BillingSettings(basic_fee_billed_on=(2, 15), basic_fee_with_waste=True)
    assert billing_runs.run_due(dt.date(2027, 2, 15), settings_) == []  # no invoice of its own
    [run] = billing_runs.run_due(dt.date(2027, 1, 20), settings_)
    assert (run.kind, run.invoices) == ("waste", 2)
    invoice = Invoice.get(Invoice.customer == owner)
    amounts = {r.code: r.amount for r in invoice.rows}
    # 240 L mixed waste on 2.12.2026: 2,84 + 3,95; the basic fee 32,00 for 2027
    assert amounts == {"waste_treatment": Decimal("2.84"), "bin_emptying": Decimal("3.95"),
                       "waste_basic_fee": Decimal("32.00")}
    assert invoice.total == Decimal("38.79")
    assert Invoice.get(Invoice.customer == quiet).total == Decimal("16.00")  # the holiday home's fee only
    Emptying.create(contract=contract, emptied_on=dt.date(2027, 2, 3), bin_count=1)
    Emptying.create(contract=contract, emptied_on=dt.date(2027, 2, 17), bin_count=1)  # over the 10 € minimum
    [later] = billing_runs.run_due(dt.date(2027, 4, 20), settings_)
    later_rows = [r.code for i in Invoice.select().where(Invoice.run == later.id) for r in i.rows]
    assert "waste_basic_fee" not in later_rows and later_rows  # billed once a year
