"""Water: meter readings and their rules, the annual estimate, consumption by period.

Readings are whole cubic metres on a meter. Consumption between two readings of the same
meter is apportioned to calendar days evenly; a new meter starts from its start reading.
"""
from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from domain import accounts
from domain.errors import FieldError, unique_or
from domain.money import largest_remainder
from domain.positions import MeterPosition
from models import AuditLog, BillingCalendar, ConsumptionPoint, Meter, Property, Reading, db
from models.water import M3_PER_PERSON

IMPLAUSIBLE_HIGH = 2  # more than twice the estimate asks for a confirmation
IMPLAUSIBLE_LOW = Fraction(1, 4)  # less than a quarter of it, too
MIN_DAYS_FOR_RATE = 14  # a shorter span says little about a yearly rate
LEAK_FACTOR = 2
PRECISION = Decimal("0.001")


@dataclass(frozen=True)
class Implausible:
    """A reading far from the estimate: the resident confirms it and staff review it."""

    yearly_m3: int
    estimate_m3: int
    days: int


# -- readings --------------------------------------------------------------------------

def counted_readings(meter: Meter):
    return meter.readings.where(Reading.counted()).order_by(Reading.read_on)


def previous_position(meter: Meter, before: dt.date) -> MeterPosition:
    """The latest reading before `before`, or the meter's start reading."""
    reading = counted_readings(meter).where(Reading.read_on < before).order_by(Reading.read_on.desc()).first()
    if reading is None:
        return MeterPosition(meter.installed_on, meter.start_reading)
    return MeterPosition(reading.read_on, reading.value)


def check_reading(meter: Meter, value: int, day: dt.date, *, today: dt.date,
                  estimate_m3: int) -> Implausible | None:
    """Raise FieldError when the reading cannot be taken; return Implausible when it
    can, but only after the resident confirms it."""
    if meter.kind == "remote":
        raise FieldError("value", "remote_meter")
    if value < 0:
        raise FieldError("value", "negative")
    if day > today:
        raise FieldError("day", "date_future")
    if day < today - dt.timedelta(days=365):
        raise FieldError("day", "date_too_old")
    if day < meter.installed_on or (meter.removed_on and day > meter.removed_on):
        raise FieldError("day", "meter_not_in_use", installed=meter.installed_on)
    latest = counted_readings(meter).order_by(Reading.read_on.desc()).first()
    if latest is not None and day < latest.read_on:
        raise FieldError("day", "before_previous", date=latest.read_on, value=latest.value)
    previous = previous_position(meter, day)
    if value < previous.value:
        raise FieldError("value", "below_previous", date=previous.day, value=previous.value)
    days = (day - previous.day).days
    if days < MIN_DAYS_FOR_RATE or estimate_m3 <= 0:
        return None
    yearly = Fraction(value - previous.value) * 365 / days
    if yearly > IMPLAUSIBLE_HIGH * estimate_m3 or yearly < IMPLAUSIBLE_LOW * estimate_m3:
        return Implausible(round(yearly), estimate_m3, days)
    return None


def report_reading(user, meter: Meter, value: int, day: dt.date, *, confirmed: bool,
                   today: dt.date, ip: str | None = None) -> tuple[Reading, Implausible | None]:
    """Save a resident's reading. A second one for the same date replaces the first.

    Returns the reading and, when it was implausible and confirmed, why it awaits review.
    Raises FieldError, or NeedsConfirmation when an implausible reading is not confirmed.
    """
    point = meter.point
    implausible = check_reading(meter, value, day, today=today, estimate_m3=annual_estimate(point))
    if implausible and not confirmed:
        raise NeedsConfirmation(implausible)
    status = "flagged" if implausible else "accepted"
    with db.atomic():
        existing = Reading.get_or_none((Reading.meter == meter) & (Reading.read_on == day))
        if existing is not None:
            before = {"value": existing.value, "status": existing.status, "source": existing.source}
            existing.value, existing.status, existing.source = value, status, "resident"
            existing.reported_by, existing.review_reason = user, "implausible" if implausible else None
            existing.save()
            reading = existing
            AuditLog.record(user, "reading_replace", reading, before=before,
                            after={"value": value, "status": status}, ip=ip)
        else:
            reading = Reading.create(meter=meter, read_on=day, value=value, source="resident",
                                     status=status, reported_by=user,
                                     review_reason="implausible" if implausible else None)
            AuditLog.record(user, "reading_report", reading, after={"value": value, "status": status,
                                                                    "read_on": day}, ip=ip)
        if status == Reading.COUNTED_STATUS:
            refresh_estimate(point, today)
    return reading, implausible


def refresh_estimate(point: ConsumptionPoint, today: dt.date) -> int:
    """Recompute the annual estimate from the readings after one was accepted (by the
    resident's report or by staff from the review queue); the next estimate rows use it.
    The day it last changed is kept to show the resident."""
    estimate = annual_estimate(point, stored=False)
    if estimate != point.annual_estimate_m3:
        point.annual_estimate_m3, point.annual_estimate_changed_on = estimate, today
        point.save(only=[ConsumptionPoint.annual_estimate_m3, ConsumptionPoint.annual_estimate_changed_on])
    return estimate


def replace_meter(user, old: Meter, *, day: dt.date, final_value: int | None, new_number: str,
                  start_value: int, today: dt.date, by_staff: bool, new_size: str | None = None,
                  new_kind: str = "mechanical", ip: str | None = None) -> Meter:
    """A meter replacement in one step: the old meter's final reading (when known) and the
    new meter with its start reading, both on the day of the change.

    Staff record it as fact; a resident's report is kept, its final reading flagged for
    staff (review reason "meter_change"), so billing counts it once staff accept it.
    Billing never drops the old meter's consumption: without a final reading its use up to
    the change is estimated (see `positions_from`)."""
    new_number = (new_number or "").strip()
    if not new_number or len(new_number) > 30:
        raise FieldError("new_meter", "meter_number")
    if Meter.select().where(Meter.number == new_number).exists():
        raise FieldError("new_meter", "meter_exists")
    if day > today:
        raise FieldError("day", "date_future")
    if day <= old.installed_on or (old.removed_on and day > old.removed_on):
        raise FieldError("day", "meter_not_in_use", installed=old.installed_on)
    latest = counted_readings(old).order_by(Reading.read_on.desc()).first()
    if latest is not None and day < latest.read_on:
        raise FieldError("day", "before_previous", date=latest.read_on, value=latest.value)
    if final_value is not None:
        previous = previous_position(old, day + dt.timedelta(days=1))
        if final_value < previous.value:
            raise FieldError("final_value", "below_previous", date=previous.day, value=previous.value)
    if start_value < 0:
        raise FieldError("value", "negative")
    with unique_or("new_meter", "meter_exists"):
        if final_value is not None:
            Reading.delete().where((Reading.meter == old) & (Reading.read_on == day)).execute()
            Reading.create(meter=old, read_on=day, value=final_value, source="utility" if by_staff else "resident",
                           status=Reading.COUNTED_STATUS if by_staff else "flagged",
                           review_reason=None if by_staff else "meter_change", reported_by=user)
        old.removed_on = day
        old.save(only=[Meter.removed_on])
        new = Meter.create(point=old.point_id, number=new_number, size=new_size or old.size, kind=new_kind,
                           installed_on=day, start_reading=start_value)
        AuditLog.record(user, "meter_change", old.point, before={"meter": old.number},
                        after={"meter": new_number, "day": day, "final": final_value, "start": start_value}, ip=ip)
    return new


class NeedsConfirmation(Exception):
    def __init__(self, implausible: Implausible):
        super().__init__("needs confirmation")
        self.implausible = implausible


def next_billing_date(point: ConsumptionPoint, after: dt.date) -> dt.date | None:
    period = BillingCalendar.next_billing(point.billing_group, after)
    return period.billing_date if period else None


# -- the annual estimate ------------------------------------------------------------------

def positions(point: ConsumptionPoint) -> list[tuple[Meter, list[MeterPosition]]]:
    """Each meter of the point with its start and its counted readings, oldest first."""
    meters = list(point.meters.order_by(Meter.installed_on))
    readings = (Reading.select().where(Reading.meter.in_([m.id for m in meters]) & Reading.counted())
                .order_by(Reading.read_on))
    return positions_from(meters, readings)


def positions_from(meters, readings, annual_m3: int | None = None) -> list[tuple[Meter, list[MeterPosition]]]:
    """The same from meters and readings already loaded (in bulk, for billing).

    With `annual_m3` (billing), a meter removed without a final reading gets an estimated
    one on its removal day, from the annual estimate, so its use up to the change is
    billed (and the invoice says it was estimated)."""
    by_meter = defaultdict(list)
    for reading in sorted(readings, key=lambda r: r.read_on):
        if reading.status == Reading.COUNTED_STATUS:
            by_meter[reading.meter_id].append(MeterPosition(reading.read_on, reading.value))
    found = []
    for m in sorted(meters, key=lambda m: m.installed_on):
        points = [MeterPosition(m.installed_on, m.start_reading), *by_meter[m.id]]
        if annual_m3 and m.removed_on and points[-1].day < m.removed_on:
            days = (m.removed_on - points[-1].day).days
            points.append(MeterPosition(m.removed_on, points[-1].value + round(Fraction(annual_m3 * days, 365)),
                                        estimated=True))
        found.append((m, points))
    return found


def spans_from(meter_positions) -> list[tuple[dt.date, dt.date, int]]:
    spans = []
    for _meter, points in meter_positions:
        for a, b in zip(points, points[1:]):
            if b.day > a.day:
                spans.append((a.day, b.day, b.value - a.value))
    return sorted(spans)


def estimate_from(persons: int, meter_positions) -> int:
    """The annual estimate from the two latest readings (a meter's start reading counts as
    one, seeds 002/004), else persons × 35 m³. The two must be joined by known
    consumption (across a meter change, the old meter's final reading)."""
    by_day = {p.day: p for _, ps in meter_positions for p in sorted(ps, key=lambda p: p.day)}
    latest = [by_day[d] for d in sorted(by_day)[-2:]]
    if len(latest) == 2:
        first, last = latest
        inside = [(s, e, q) for s, e, q in spans_from(meter_positions) if s >= first.day and e <= last.day]
        if sum((e - s).days for s, e, _q in inside) == (last.day - first.day).days:
            used = sum(q for _s, _e, q in inside)
            return max(1, round(Fraction(used) * 365 / (last.day - first.day).days))
    return persons * M3_PER_PERSON


def annual_estimate(point: ConsumptionPoint, *, stored: bool = True) -> int:
    """m³ a year from the two latest readings; with fewer, persons × 35 m³."""
    if stored and point.annual_estimate_m3:
        return point.annual_estimate_m3
    # The two latest readings may straddle a meter change: then the new meter's
    # consumption is counted from its start reading.
    return estimate_from(point.persons, positions(point))


# -- consumption ---------------------------------------------------------------------------

def consumption_spans(point: ConsumptionPoint) -> list[tuple[dt.date, dt.date, int]]:
    """(start, end, m³) between consecutive positions of each meter."""
    return spans_from(positions(point))


def apportion(start: dt.date, end: dt.date, m3: int) -> dict[dt.date, Decimal]:
    """Split m³ used from `start` to `end` over the months by days.

    Each month's part is rounded down to a litre and the litres left over go to the
    months with the largest remainders, so the parts always add up to `m3` exactly.
    """
    days = (end - start).days
    if days <= 0:
        return {}
    shares, day = {}, start
    while day < end:
        first = day.replace(day=1)
        month_end = first.replace(day=calendar.monthrange(day.year, day.month)[1]) + dt.timedelta(days=1)
        stop = min(month_end, end)
        shares[first] = Fraction(m3 * (stop - day).days, days)
        day = stop
    return dict(zip(shares, largest_remainder(list(shares.values()), m3, PRECISION)))


def monthly_consumption(point: ConsumptionPoint, spans=None) -> dict[dt.date, Decimal]:
    """m³ by month. Pass `spans` (consumption_spans) when they are already read."""
    months: dict[dt.date, Decimal] = defaultdict(Decimal)
    for start, end, m3 in spans if spans is not None else consumption_spans(point):
        for month, part in apportion(start, end, m3).items():
            months[month] += part
    return dict(sorted(months.items()))


SHOWN = Decimal("0.1")  # m³ are shown to one decimal


def shown_months(months: dict[dt.date, Decimal]) -> dict[dt.date, Decimal]:
    """The months as shown, to 0,1 m³, adding up to each year's total as shown: the year is
    rounded once (half up) and its tenths go to the months by largest remainder (the earlier
    month first on a tie). A month, quarter and year shown side by side then add up as
    shown; rounding each month on its own made a year of 85,0 m³ read 84,8 in its months."""
    by_year: dict[int, list[dt.date]] = defaultdict(list)
    for month in sorted(months):
        by_year[month.year].append(month)
    shown = {}
    for year, keys in by_year.items():
        exact = [Fraction(months[m]) for m in keys]
        total = Decimal(sum(months[m] for m in keys)).quantize(SHOWN, rounding=ROUND_HALF_UP)
        shown.update(zip(keys, largest_remainder(exact, total, SHOWN)))
    return dict(sorted(shown.items()))


def group_consumption(months: dict[dt.date, Decimal], by: str) -> list[tuple[str, Decimal]]:
    """Monthly parts summed by 'month', 'quarter' or 'year', labelled for display."""
    grouped: dict[tuple, Decimal] = defaultdict(Decimal)
    for month, m3 in months.items():
        key = {"year": (month.year,), "quarter": (month.year, (month.month - 1) // 3 + 1)}.get(
            by, (month.year, month.month))
        grouped[key] += m3
    labels = {1: "{0}", 2: "{1}/{0}" if by == "month" else "Q{1}/{0}"}
    return [(labels[len(k)].format(*k), v) for k, v in sorted(grouped.items())]


def group_areas(groups, names_setting: str = "") -> dict[str, str]:
    """What each billing group covers: the name the utility gives it in the setting
    ("1:Kaleva, Sompio;2:Ahjo"), else the municipalities of the points in it."""
    named = dict(part.split(":", 1) for part in names_setting.split(";") if ":" in part)
    areas: dict[str, set] = {g: set() for g in groups}
    for group, municipality in (ConsumptionPoint.select(ConsumptionPoint.billing_group, Property.municipality)
                                .join(Property).where(ConsumptionPoint.billing_group.in_(list(groups)))
                                .distinct().tuples()):
        areas[group].add(municipality)
    return {g: named.get(g, "").strip() or ", ".join(sorted(areas[g])) for g in groups}


def reading_week(report_by: dt.date) -> tuple[int, dt.date, dt.date]:
    """The reading week of a period: the ISO week of its last reporting day, (number,
    Monday, Sunday); remote meters are read and readings reported in it."""
    monday = report_by - dt.timedelta(days=report_by.weekday())
    return report_by.isocalendar()[1], monday, monday + dt.timedelta(days=6)


def compare_years(months: dict[dt.date, Decimal], by: str, year: int) -> list[tuple[str, Decimal, Decimal]]:
    """`year` beside the year before, by month (1–12) or quarter (Q1–Q4):
    [(label, m³ in `year`, m³ the year before)]. A period without readings is 0."""
    count = 12 if by == "month" else 4
    this, last = [Decimal(0)] * count, [Decimal(0)] * count
    for month, m3 in months.items():
        index = month.month - 1 if by == "month" else (month.month - 1) // 3
        if month.year == year:
            this[index] += m3
        elif month.year == year - 1:
            last[index] += m3
    labels = [str(n) for n in range(1, 13)] if by == "month" else [f"Q{n}" for n in range(1, 5)]
    return list(zip(labels, this, last))


def daily_average(spans, start: dt.date, end: dt.date) -> Fraction | None:
    """Average m³ a day over [start, end), from spans that cover it; None if they do not."""
    covered, used = 0, Fraction(0)
    for s, e, m3 in spans:
        overlap = (min(e, end) - max(s, start)).days
        if overlap > 0:
            covered += overlap
            used += Fraction(m3 * overlap, (e - s).days)
    if covered < (end - start).days * 0.9:
        return None
    return used / covered


def leak_suspected(point: ConsumptionPoint, spans=None) -> bool:
    """The latest period used more than twice a day what the same period a year earlier did."""
    spans = spans if spans is not None else consumption_spans(point)
    if not spans:
        return False
    start, end, m3 = spans[-1]
    if (end - start).days < MIN_DAYS_FOR_RATE:
        return False
    earlier = daily_average(spans, _year_before(start), _year_before(end))
    return bool(earlier) and Fraction(m3, (end - start).days) > LEAK_FACTOR * earlier


def _year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def forecast_for_year(point: ConsumptionPoint, today: dt.date, spans=None, estimate: int | None = None) -> int:
    """This year's m³: what readings cover so far, plus the annual estimate for the rest."""
    spans = spans if spans is not None else consumption_spans(point)
    year_start, year_end = dt.date(today.year, 1, 1), dt.date(today.year + 1, 1, 1)
    known_until = min(max(max((e for _s, e, _q in spans), default=year_start), year_start), year_end)
    used = Fraction(0)
    for s, e, m3 in spans:
        overlap = (min(e, known_until) - max(s, year_start)).days
        if overlap > 0:
            used += Fraction(m3 * overlap, (e - s).days)
    estimate = estimate if estimate is not None else annual_estimate(point)
    rest = Fraction(estimate * (year_end - known_until).days, 365)
    return round(used + rest)


def open_point(point_number: str, meter_number: str, *, ip: str, settings):
    """The point whose number and an active meter's number match (the water pages without
    an account), counted and throttled like a login."""
    key = f"point:{(point_number or '').strip()}"[:255]
    attempt = accounts.count_attempt(key, ip, settings)
    point = (ConsumptionPoint.select().join(Meter)
             .where((ConsumptionPoint.number == point_number.strip()) &
                    (Meter.number == meter_number.strip()) & Meter.removed_on.is_null())
             .first())
    if point is not None:
        accounts.succeeded(attempt)
    return point
