"""A month as the calendar shows it: Monday first, ISO week numbers, emptyings per day."""
from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from domain import schedule


@dataclass
class Day:
    date: dt.date
    in_month: bool
    is_today: bool
    holiday: str | None
    emptyings: list = field(default_factory=list)


@dataclass
class Week:
    number: int
    days: list[Day]


def add_months(first: dt.date, months: int) -> dt.date:
    index = first.year * 12 + first.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_grid(first: dt.date, plans, today: dt.date, lang: str) -> list[Week]:
    last = dt.date(first.year, first.month, calendar.monthrange(first.year, first.month)[1])
    start = schedule.monday(first)
    end = schedule.monday(last) + dt.timedelta(days=6)
    by_day = defaultdict(list)
    for emptying in schedule.emptyings_of(plans, start, end):
        by_day[emptying.day].append(emptying)
    weeks, day = [], start
    while day <= end:
        days = []
        for _ in range(7):
            days.append(Day(day, day.month == first.month, day == today,
                            schedule.holiday_name(day, lang), by_day.get(day, [])))
            day += schedule.ONE_DAY
        weeks.append(Week(days[0].date.isocalendar()[1], days))
    return weeks
