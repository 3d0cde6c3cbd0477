"""The schedule engine: property-based tests of its written rules, and examples."""
import datetime as dt

from hypothesis import assume, given, settings, strategies as st

from domain import schedule
from domain.schedule import ContractPlan, Terms, monday, planned_emptyings

YEAR_START = dt.date(2024, 1, 1)
dates = st.dates(min_value=dt.date(2023, 1, 2), max_value=dt.date(2028, 12, 31))


def plan_of(start, interval, weekday, waste_type="mixed", bins=1, **extra):
    terms = Terms(start, interval, weekday, bins, 240, monday(start))
    return ContractPlan(1, waste_type, start, extra.pop("end", None), [terms], **extra)


contracts = st.builds(plan_of, start=dates, interval=st.sampled_from([1, 2, 3, 4]),
                      weekday=st.integers(0, 4))


@settings(max_examples=200, deadline=None)
@given(contracts, dates, st.integers(30, 400))
def test_emptyings_keep_the_interval_and_the_route_day(plan, start, days):
    emptyings = planned_emptyings(plan, start, start + dt.timedelta(days=days))
    terms = plan.segments[0]
    for e in emptyings:
        assert e.planned_day.weekday() == terms.route_weekday
        assert ((monday(e.planned_day) - terms.anchor).days // 7) % terms.interval_weeks == 0
        assert start <= e.day <= start + dt.timedelta(days=days)
        assert e.planned_day >= plan.start
    planned = [e.planned_day for e in emptyings]
    for a, b in zip(planned, planned[1:]):
        assert (b - a).days == 7 * terms.interval_weeks


@settings(max_examples=200, deadline=None)
@given(contracts, dates, st.integers(30, 400))
def test_every_emptying_is_on_a_working_day_and_holidays_move_to_the_next(plan, start, days):
    for e in planned_emptyings(plan, start, start + dt.timedelta(days=days)):
        assert schedule.is_working_day(e.day)
        if e.moved:
            assert not schedule.is_working_day(e.planned_day)
            assert e.day == schedule.next_working_day(e.planned_day)
            assert schedule.holiday_name(e.planned_day)
        else:
            assert e.day == e.planned_day


@settings(max_examples=200, deadline=None)
@given(contracts, dates, st.integers(1, 120), st.integers(0, 200))
def test_nothing_is_planned_inside_a_suspension(plan, suspension_start, length, offset):
    end = suspension_start + dt.timedelta(days=length)
    plan.suspensions.append((suspension_start, end))
    window = suspension_start - dt.timedelta(days=offset)
    for e in planned_emptyings(plan, window, end + dt.timedelta(days=60)):
        assert not suspension_start <= e.planned_day <= end


@settings(max_examples=200, deadline=None)
@given(contracts, st.integers(14, 300), st.sampled_from([1, 2, 3, 4]), st.integers(1, 4))
def test_a_change_applies_from_its_effective_date(plan, after_days, new_interval, new_bins):
    old = plan.segments[0]
    effective = plan.start + dt.timedelta(days=after_days)
    plan.segments.append(Terms(effective, new_interval, old.route_weekday, new_bins, old.bin_size,
                               monday(effective) if new_interval != old.interval_weeks else old.anchor))
    emptyings = planned_emptyings(plan, plan.start, effective + dt.timedelta(days=200))
    before = [e for e in emptyings if e.planned_day < effective]
    after = [e for e in emptyings if e.planned_day >= effective]
    assert all(e.bin_count == old.bin_count for e in before)
    assert all(e.bin_count == new_bins for e in after)
    planned = [e.planned_day for e in after]
    assert all((b - a).days == 7 * new_interval for a, b in zip(planned, planned[1:]))


@settings(max_examples=100, deadline=None)
@given(dates, st.integers(0, 4))
def test_biowaste_in_summer_at_least_every_second_week(start, weekday):
    plan = plan_of(start, 4, weekday, waste_type="bio")
    emptyings = planned_emptyings(plan, start, start + dt.timedelta(days=730))
    summer = [e.planned_day for e in emptyings if e.planned_day.isocalendar()[1] in schedule.SUMMER_WEEKS]
    assert summer
    for a, b in zip(summer, summer[1:]):
        if b.isocalendar()[1] - a.isocalendar()[1] >= 0 and b.year == a.year:
            assert (b - a).days <= 14


@given(contracts, dates)
def test_the_range_is_respected_exactly(plan, start):
    assume(start >= plan.start)
    everything = planned_emptyings(plan, start, start + dt.timedelta(days=120))
    first_half = planned_emptyings(plan, start, start + dt.timedelta(days=60))
    second_half = planned_emptyings(plan, start + dt.timedelta(days=61), start + dt.timedelta(days=120))
    assert everything == first_half + second_half


def test_christmas_eve_moves_to_the_next_working_day():
    # Thursday 24.12.2026 is Christmas Eve; 25.12 Friday is Christmas Day: Monday 28.12.
    plan = plan_of(dt.date(2026, 12, 3), 1, 3)
    [christmas] = planned_emptyings(plan, dt.date(2026, 12, 21), dt.date(2026, 12, 30))
    assert christmas.planned_day == dt.date(2026, 12, 24)
    assert christmas.day == dt.date(2026, 12, 28)
    assert schedule.holiday_name(christmas.planned_day, "fi") == "Jouluaatto"
    assert schedule.holiday_name(christmas.planned_day, "sv") == "Julafton"


def test_a_termination_and_an_extra_emptying():
    plan = plan_of(dt.date(2026, 1, 5), 2, 0, end=dt.date(2026, 3, 1))
    plan.extras.append((dt.date(2026, 2, 4), 2))
    emptyings = planned_emptyings(plan, dt.date(2026, 1, 1), dt.date(2026, 6, 1))
    assert max(e.day for e in emptyings) <= dt.date(2026, 3, 1)
    extra = [e for e in emptyings if e.extra]
    assert [(e.day, e.bin_count) for e in extra] == [(dt.date(2026, 2, 4), 2)]


def test_add_working_days_skips_weekends_and_holidays():
    # Friday 4.12.2026 + 1 working day = Monday 7.12 (Sunday 6.12 is Independence Day anyway).
    assert schedule.add_working_days(dt.date(2026, 12, 4), 1) == dt.date(2026, 12, 7)
    # Wednesday 23.12 + 1 = Monday 28.12 (24.12 and 25.12 are holidays).
    assert schedule.add_working_days(dt.date(2026, 12, 23), 1) == dt.date(2026, 12, 28)


bounded = st.builds(plan_of, start=dates, interval=st.sampled_from([1, 2, 3, 4]), weekday=st.integers(0, 4),
                    end=st.one_of(st.none(), dates))


@settings(max_examples=300, deadline=None)
@given(bounded, dates, st.integers(1, 60))
def test_a_holiday_move_never_lands_in_a_suspension_or_after_the_end(plan, suspension_start, length):
    suspension_end = suspension_start + dt.timedelta(days=length)
    plan.suspensions.append((suspension_start, suspension_end))
    window_start = min(plan.start, suspension_start) - dt.timedelta(days=30)
    for e in planned_emptyings(plan, window_start, suspension_end + dt.timedelta(days=400)):
        if e.extra:
            continue
        assert not suspension_start <= e.day <= suspension_end
        assert plan.end is None or e.day <= plan.end
        assert schedule.is_working_day(e.day)


def test_good_friday_before_a_suspension_moves_back_not_into_it():
    # Good Friday 3.4.2026 and Easter Monday 6.4.: the next working day is Tuesday 7.4.,
    # inside a suspension from 6.4., so the emptying goes to Thursday 2.4. instead.
    plan = plan_of(dt.date(2026, 1, 2), 1, 4, suspensions=[(dt.date(2026, 4, 6), dt.date(2026, 5, 3))])
    [easter] = planned_emptyings(plan, dt.date(2026, 3, 30), dt.date(2026, 4, 10))
    assert (easter.planned_day, easter.day) == (dt.date(2026, 4, 3), dt.date(2026, 4, 2))
    # And a service ending on Easter Monday is not emptied after it.
    ending = plan_of(dt.date(2026, 1, 2), 1, 4, end=dt.date(2026, 4, 6))
    assert [e.day for e in planned_emptyings(ending, dt.date(2026, 3, 30), dt.date(2026, 4, 30))] == [
        dt.date(2026, 4, 2)]


@settings(max_examples=150, deadline=None)
@given(dates, st.integers(0, 4), st.sampled_from([3, 4]))
def test_biowaste_gaps_are_never_shorter_than_the_interval_unless_summer_demands(start, weekday, interval):
    plan = plan_of(start, interval, weekday, waste_type="bio")
    days = [e.planned_day for e in planned_emptyings(plan, start, start + dt.timedelta(days=900))]
    for a, b in zip(days, days[1:]):
        weeks = (b - a).days // 7
        in_summer = b.isocalendar()[1] in schedule.SUMMER_WEEKS
        assert weeks >= (2 if in_summer else interval), (a, b)
        if in_summer and a.isocalendar()[1] in schedule.SUMMER_WEEKS:
            assert weeks == 2


def test_a_move_beyond_the_promised_day_is_said_in_words():
    plan = plan_of(dt.date(2026, 1, 2), 1, 4)  # Fridays
    [easter] = planned_emptyings(plan, dt.date(2026, 4, 1), dt.date(2026, 4, 8))
    assert (easter.planned_day, easter.day, easter.shift_days) == (dt.date(2026, 4, 3), dt.date(2026, 4, 7), 4)
    assert easter.beyond_promise
    assert schedule.holidays_between(easter.planned_day, easter.day, "fi") == [
        "Pitkäperjantai", "Pääsiäispäivä", "Toinen pääsiäispäivä"]
