"""The pickup schedule: which days a contract's bins are emptied.

One engine computes the planned emptyings of a contract for any date range from the route
weekday, the interval in weeks counted from an anchor week, the contract's start and end,
approved changes from their effective dates, suspensions, extra emptyings and the Finnish
public holidays.

THE RULES, in one place:

1. Rhythm. A contract is emptied on its route weekday in every `interval`-th ISO week,
   counted from the anchor week: the week of the contract's start, or the week a change
   of interval or route takes effect (the new rhythm starts that week).
2. Biowaste in summer. In ISO weeks 18-40 biowaste is emptied at least every second week:
   a longer interval becomes 2 weeks. The gaps are counted from the previous emptying,
   starting at the anchor week, so that no gap is ever shorter than the interval unless
   the summer rule demands it: entering summer the next emptying comes 2 weeks after the
   last one, leaving it the first autumn emptying comes a whole interval after the last
   summer one (not on the anchor's rhythm, which could give a 1- or 2-week gap).
3. Holidays. An emptying that falls on a Finnish public holiday (the `holidays` package,
   which includes Midsummer Eve and Christmas Eve) moves to the next working day
   (Monday-Friday, not a holiday). The calendar names the holiday that moved it. This and
   routing are why residents are told "±1 day". A move never carries an emptying into a
   suspension or past the end of the service: it then goes to the working day before the
   planned one, or, when none is free either, is left out. Where a move is more than the
   promised one day (Good Friday and Easter Monday, Christmas), the calendar and the
   pickup reminder say so in words (`PlannedEmptying.shift_days`).
   The utility's announced days (admin page, `CalendarException`) count as holidays too:
   an extra non-working day moves its emptyings to the next working day by the same rule,
   and a day announced as moved sends them to the day named (a Saturday, say) instead.
4. Suspensions. No planned emptying falls inside an approved suspension (first and last
   day included; the planned date before a holiday move decides).
5. End. An approved termination ends the service the day before its date; a contract's
   own end date is its last possible emptying day.
6. Extra emptyings are added on the day ordered (a working day chosen by the resident),
   pending or approved; they do not move.
7. Route changes. When the route of a collection area moves to another weekday, its
   contracts get an approved `route_change` order: the same weeks, the new weekday, from
   its date.
"""
from __future__ import annotations

import datetime as dt
import bisect
import functools
from dataclasses import dataclass, field, replace
from itertools import groupby
from types import SimpleNamespace
from typing import NamedTuple

import holidays
from peewee import JOIN

from database import as_date
from domain import per_context
from models import CalendarException, WasteContract, WasteOrder

SUMMER_WEEKS = range(18, 41)
BIOWASTE_SUMMER_MAX_INTERVAL = 2
HOLIDAY_LANGUAGES = {"fi": "fi", "sv": "sv_FI", "en": "en_US"}
ONE_DAY = dt.timedelta(days=1)
SATURDAY = 5  # date.weekday(): Monday is 0; the trucks drive Monday to Friday


@functools.cache
def _holidays(year: int, lang: str = "fi") -> holidays.HolidayBase:
    return holidays.Finland(years=year, language=HOLIDAY_LANGUAGES.get(lang, "fi"))


@functools.cache
def _holiday_dates(year: int) -> frozenset[dt.date]:
    return frozenset(_holidays(year))


@functools.cache
def _holiday_names(year: int, lang: str) -> dict[dt.date, str]:
    return dict(_holidays(year, lang).items())


@dataclass
class Announced:
    """The days the utility announces (no emptyings on each; `moved_to` names the day they
    go to instead of the next working day)."""

    days: dict[dt.date, CalendarException] = field(default_factory=dict)
    _closed: dict[int, frozenset] = field(default_factory=dict)

    def closed(self, year: int) -> frozenset[dt.date]:
        """The days of `year` without emptyings: public holidays and announced days."""
        found = self._closed.get(year)
        if found is None:
            found = self._closed[year] = _holiday_dates(year) | {d for d in self.days if d.year == year}
        return found


def announced() -> Announced:
    """The announced days, read once per request or job; outside an app context (the
    engine's own tests) there are none."""
    return per_context.cached("announced_days", lambda: Announced({r.day: r for r in CalendarException.select()}),
                              outside=Announced())


def holiday_name(day: dt.date, lang: str = "fi") -> str | None:
    exception = announced().days.get(day)
    if exception is not None:
        return exception.name(lang)
    return _holiday_names(day.year, lang).get(day)


def holidays_between(first: dt.date, last: dt.date, lang: str = "fi") -> list[str]:
    """The names of the public holidays from `first` to `last`, for saying why a move was long."""
    names, day = [], min(first, last)
    while day <= max(first, last):
        name = holiday_name(day, lang)
        if name and name not in names:
            names.append(name)
        day += ONE_DAY
    return names


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < SATURDAY and day not in announced().closed(day.year)


def next_working_day(day: dt.date) -> dt.date:
    closed = announced().closed
    while day.weekday() >= SATURDAY or day in closed(day.year):
        day += ONE_DAY
    return day


def add_working_days(day: dt.date, count: int) -> dt.date:
    """The `count`-th working day after `day`."""
    for _ in range(count):
        day = next_working_day(day + ONE_DAY)
    return day


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@dataclass(frozen=True)
class Terms:
    """The terms of a contract from `start` until the next change."""

    start: dt.date
    interval_weeks: int
    route_weekday: int
    bin_count: int
    bin_size: int
    anchor: dt.date  # Monday of the week the rhythm counts from


@dataclass
class ContractPlan:
    """Everything the engine needs of one contract, with no database behind it."""

    contract_id: int
    waste_type: str
    start: dt.date
    end: dt.date | None
    segments: list[Terms]
    suspensions: list[tuple[dt.date, dt.date]] = field(default_factory=list)
    extras: list[tuple[dt.date, int]] = field(default_factory=list)

    def terms_on(self, day: dt.date) -> Terms:
        current = self.segments[0]
        for terms in self.segments:
            if terms.start <= day:
                current = terms
        return current


class PlannedEmptying(NamedTuple):
    day: dt.date
    planned_day: dt.date  # the rhythm's day before a holiday moved it
    contract_id: int
    waste_type: str
    bin_count: int
    extra: bool = False

    @property
    def moved(self) -> bool:
        return self.day != self.planned_day

    @property
    def shift_days(self) -> int:
        """Calendar days the holiday rule moved it (negative: moved earlier)."""
        return (self.day - self.planned_day).days

    @property
    def beyond_promise(self) -> bool:
        """Moved more than the "±1 day" residents are promised."""
        return abs(self.shift_days) > 1


def _due_weeks(terms: Terms, waste_type: str, first_monday: dt.date, last_monday: dt.date):
    """Mondays of the weeks in which `terms` plan an emptying."""
    interval = terms.interval_weeks
    summer_rule = waste_type == "bio" and interval > BIOWASTE_SUMMER_MAX_INTERVAL
    if not summer_rule:
        weeks_from_anchor = (first_monday - terms.anchor).days // 7
        week = first_monday + dt.timedelta(weeks=(-weeks_from_anchor) % interval)
        step = dt.timedelta(weeks=interval)
        while week <= last_monday:
            yield week
            week += step
        return
    weeks = _biowaste_weeks(terms.anchor, interval, last_monday.year)
    yield from weeks[bisect.bisect_left(weeks, first_monday):bisect.bisect_right(weeks, last_monday)]


@functools.cache
def _biowaste_weeks(anchor: dt.date, interval: int, until_year: int) -> tuple[dt.date, ...]:
    """Mondays of the biowaste weeks from the anchor to the end of `until_year` (rule 2):
    each gap is the interval, or 2 weeks once in summer. Shared by every contract with the
    same anchor and interval, so a whole route is computed once."""
    weeks, last, week = [], None, anchor
    end = dt.date(until_year + 1, 1, 7)
    while week <= end:
        summer = week.isocalendar()[1] in SUMMER_WEEKS
        gap = (week - last).days // 7 if last else None
        if last is None or gap >= (BIOWASTE_SUMMER_MAX_INTERVAL if summer else interval):
            weeks.append(week)
            last = week
        week += dt.timedelta(weeks=1)
    return tuple(weeks)


def planned_emptyings(plan: ContractPlan, start: dt.date, end: dt.date) -> list[PlannedEmptying]:
    """The emptyings of `plan` whose day falls in [start, end], in date order."""
    last_day = min(end, plan.end) if plan.end else end
    found = []
    segments = plan.segments
    days = announced()
    closed = days.closed
    for i, terms in enumerate(segments):
        seg_start = max(terms.start, plan.start, start - dt.timedelta(days=7))
        seg_end = segments[i + 1].start - ONE_DAY if i + 1 < len(segments) else last_day
        seg_end = min(seg_end, last_day)
        if seg_start > seg_end:
            continue
        offset = dt.timedelta(days=terms.route_weekday)
        suspensions = plan.suspensions
        earliest = max(seg_start, plan.start)
        cid, waste_type, bins = plan.contract_id, plan.waste_type, terms.bin_count
        for week in _due_weeks(terms, waste_type, monday(seg_start), monday(seg_end)):
            planned = week + offset
            if planned < earliest or planned > seg_end:
                continue
            if suspensions and any(s <= planned <= e for s, e in suspensions):
                continue
            if planned.weekday() < SATURDAY and planned not in closed(planned.year):
                day = planned  # inline of next_working_day's common case: this loop is hot
            else:
                exception = days.days.get(planned)
                day = _moved_day(planned, earliest, plan.end or dt.date.max, suspensions,
                                 exception.moved_to if exception else None)
                if day is None:
                    continue
            if start <= day <= end:
                found.append(PlannedEmptying(day, planned, cid, waste_type, bins))
    for day, bins in plan.extras:
        if start <= day <= last_day:
            found.append(PlannedEmptying(day, day, plan.contract_id, plan.waste_type, bins, True))
    found.sort(key=lambda e: (e.day, e.extra))
    return found


def emptyings_of(plans, start: dt.date, end: dt.date) -> list[PlannedEmptying]:
    """The emptyings of every plan in [start, end], in date order."""
    found = [e for plan in plans for e in planned_emptyings(plan, start, end)]
    found.sort(key=lambda e: (e.day, e.extra))
    return found


def _moved_day(planned: dt.date, earliest: dt.date, last_day: dt.date, suspensions,
               announced_day: dt.date | None = None) -> dt.date | None:
    """Rule 3: the day the utility announced, or the next working day, unless that is in a
    suspension or past the end; then the working day before, unless that is not free either."""
    def free(day):
        return earliest <= day <= last_day and not any(s <= day <= e for s, e in suspensions)
    if announced_day is not None and free(announced_day):
        return announced_day
    later = next_working_day(planned)
    if free(later):
        return later
    earlier = planned - ONE_DAY
    while not is_working_day(earlier):
        earlier -= ONE_DAY
    return earlier if free(earlier) else None


def next_emptying(plan: ContractPlan, after: dt.date) -> PlannedEmptying | None:
    """The first planned emptying on or after `after` (looking a year ahead)."""
    upcoming = planned_emptyings(plan, after, after + dt.timedelta(days=366))
    return upcoming[0] if upcoming else None


# -- building plans from the database, in bulk --------------------------------------------

def plan_from_rows(contract, orders) -> ContractPlan:
    """A plan from a WasteContract and its orders that are in effect."""
    base = Terms(start=contract.start_date, interval_weeks=contract.interval_weeks,
                 route_weekday=contract.route_weekday, bin_count=contract.bin_count,
                 bin_size=contract.bin_size, anchor=monday(contract.start_date))
    segments, suspensions, extras, end = [base], [], [], contract.end_date
    for order in sorted(orders, key=lambda o: (o.effective_date, o.id)):
        if order.kind == "extra_emptying":
            extras.append((order.effective_date, order.bin_count or 1))
        elif order.status != "approved":
            continue
        elif order.kind == "suspension":
            suspensions.append((order.effective_date, order.end_date))
        elif order.kind == "termination":
            last = order.effective_date - ONE_DAY
            end = min(end, last) if end else last
        elif order.kind in WasteOrder.RHYTHM_KINDS:
            current = segments[-1]
            new_interval = order.interval_weeks or current.interval_weeks
            changed_rhythm = new_interval != current.interval_weeks
            segments.append(replace(
                current, start=order.effective_date, interval_weeks=new_interval,
                route_weekday=current.route_weekday if order.route_weekday is None else order.route_weekday,
                bin_count=order.bin_count or current.bin_count,
                bin_size=order.bin_size or current.bin_size,
                anchor=monday(order.effective_date) if changed_rhythm else current.anchor))
    return ContractPlan(contract.id, contract.waste_type, contract.start_date, end, segments,
                        suspensions, extras)


def plans_for(contracts_query) -> list[ContractPlan]:
    """Plans for every contract of a query, with their orders, in one query."""
    O = WasteOrder  # noqa: N806 - short, the columns below are many
    in_effect = O.in_effect()
    order_columns = [O.id.alias("o_id"), O.kind.alias("o_kind"), O.status.alias("o_status"),
                     O.effective_date.alias("o_effective"), O.end_date.alias("o_end"),
                     O.bin_count.alias("o_bins"), O.interval_weeks.alias("o_interval"),
                     O.bin_size.alias("o_size"), O.route_weekday.alias("o_weekday")]
    rows = (contracts_query.select(WasteContract, *order_columns)
            .join(O, JOIN.LEFT_OUTER, on=(O.contract == WasteContract.id) & in_effect)
            .order_by(WasteContract.id, O.id).objects())
    plans = []
    for _cid, group in groupby(rows, key=lambda row: row.id):
        group = list(group)
        orders = [SimpleNamespace(id=r.o_id, kind=r.o_kind, status=r.o_status,
                                  effective_date=as_date(r.o_effective), end_date=as_date(r.o_end),
                                  bin_count=r.o_bins, interval_weeks=r.o_interval, bin_size=r.o_size,
                                  route_weekday=r.o_weekday)
                  for r in group if r.o_id is not None]
        plans.append(plan_from_rows(group[0], orders))
    return plans
