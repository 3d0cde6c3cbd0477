"""Septic and holding tanks (sako- ja umpikaivot): the systems a property records, the
emptyings residents order for a week, staff's route list and the m³ they report, the
reminder when a tank has waited too long, and the rows the waste invoice bills.

Rules (settings in SludgeSettings, from the municipal waste regulations,
jätehuoltomääräykset, as Kymenlaakso's and most Finnish ones write them):
- sludge is removed from a septic tank (saostussäiliö) and a small treatment plant as
  needed and at least once a year; a tank that takes washing water only (no toilet) at
  least every three years; a holiday home with a dry toilet typically every two years;
- a holding tank (umpisäiliö) is emptied as it fills, or on a fixed rhythm the resident
  chooses like a bin's (an order is made for it when the rhythm comes round);
- an emptying is ordered for a week, at least SLUDGE_LEAD_DAYS ahead; the truck comes on a
  working day of that week (never a weekend or public holiday);
- the price is a base fee per emptying plus € per m³ (price list, with validity and VAT);
  the order shows it for the tank's volume, the invoice bills the m³ actually emptied.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from peewee import IntegrityError, fn

from domain import notifications, schedule
from domain.billing import Row, Tariffs
from domain.errors import FieldError
from domain.pricing import SLUDGE_COMPONENTS, sludge_price
from models import AuditLog, Property, SludgeOrder, WastewaterSystem, db


@dataclass(frozen=True)
class SludgeSettings:
    lead_days: int = 7  # an emptying is ordered for a week starting at least this far ahead
    weeks_ahead: int = 12  # how many weeks the order form offers
    years: int = 1  # a septic tank or treatment plant at least this often
    greywater_years: int = 3  # a tank of washing water only
    dry_toilet_years: int = 2  # a holiday home with a dry toilet

    @classmethod
    def from_config(cls, config) -> "SludgeSettings":
        return cls(lead_days=int(config.get("SLUDGE_LEAD_DAYS", 7)),
                   weeks_ahead=int(config.get("SLUDGE_WEEKS_AHEAD", 12)),
                   years=int(config.get("SLUDGE_YEARS", 1)),
                   greywater_years=int(config.get("SLUDGE_GREYWATER_YEARS", 3)),
                   dry_toilet_years=int(config.get("SLUDGE_DRY_TOILET_YEARS", 2)))


# -- the systems ------------------------------------------------------------------------

def _decimal(value, field: str, code: str, low: Decimal, high: Decimal, **params) -> Decimal:
    try:
        number = Decimal(str(value).replace(",", ".").strip()).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise FieldError(field, code, **params) from None
    if not low <= number <= high:
        raise FieldError(field, code, **params)
    return number


def check_system(*, kind: str, volume_m3, chambers: int, hose_distance_m: int,
                 interval_weeks: int | None, last_emptied_on: dt.date | None, today: dt.date) -> dict:
    """The system's fields, checked and normalised; FieldError names the first wrong one."""
    if kind not in WastewaterSystem.KINDS:
        raise FieldError("kind", "system_kind")
    volume = _decimal(volume_m3, "volume_m3", "volume_range", Decimal("0.5"), Decimal("50"))
    if not 1 <= (chambers or 0) <= 4:
        raise FieldError("chambers", "chambers_range")
    if not 0 <= (hose_distance_m or 0) <= 100:
        raise FieldError("hose_distance_m", "hose_range")
    if interval_weeks is not None and kind != "holding_tank":
        raise FieldError("interval_weeks", "interval_holding_only")
    if interval_weeks is not None and not 1 <= interval_weeks <= 52:
        raise FieldError("interval_weeks", "interval_weeks_range")
    if last_emptied_on is not None and not today - dt.timedelta(days=3650) <= last_emptied_on <= today:
        raise FieldError("last_emptied_on", "last_emptied_range")
    return dict(kind=kind, volume_m3=volume, chambers=chambers, hose_distance_m=hose_distance_m or 0,
                interval_weeks=interval_weeks, last_emptied_on=last_emptied_on)


def save_system(user, prop: Property, system: WastewaterSystem | None, *, today: dt.date, greywater_only: bool,
                dry_toilet: bool, access_notes: str, ip=None, **fields) -> WastewaterSystem:
    values = check_system(today=today, **fields)
    values.update(greywater_only=bool(greywater_only), dry_toilet=bool(dry_toilet),
                  access_notes=access_notes.strip())
    with db.atomic():
        if system is None:
            system = WastewaterSystem.create(property=prop, **values)
            AuditLog.record(user, "wastewater_system_add", system, after=values, ip=ip)
        else:
            before = {k: getattr(system, k) for k in values}
            for key, value in values.items():
                setattr(system, key, value)
            system.save()
            AuditLog.record(user, "wastewater_system_edit", system, before=before, after=values, ip=ip)
    return system


def interval_years(system: WastewaterSystem, prop: Property, settings: SludgeSettings) -> int | None:
    """How many years a system may go without an emptying, or None (a holding tank is
    emptied as it fills, or on its own rhythm)."""
    if system.kind == "holding_tank":
        return None
    if system.greywater_only:
        return settings.greywater_years
    if system.dry_toilet and prop.occupancy == "holiday":
        return settings.dry_toilet_years
    return settings.years


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29.2. -> 28.2.
        return day.replace(year=day.year + years, day=28)


def last_emptyings(systems) -> dict:
    """{system id: the day of its latest emptying}: done orders, else what the resident told."""
    done = dict(SludgeOrder.select(SludgeOrder.system, fn.MAX(SludgeOrder.emptied_on))
                .where(SludgeOrder.system.in_([s.id for s in systems]) & (SludgeOrder.status == "done"))
                .group_by(SludgeOrder.system).tuples())
    found = {}
    for system in systems:
        days = [d for d in (_as_date(done.get(system.id)), system.last_emptied_on) if d]
        found[system.id] = max(days) if days else None
    return found


def _as_date(value):
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def due_by(system: WastewaterSystem, prop: Property, last: dt.date | None, settings: SludgeSettings) -> dt.date | None:
    """The day by which the system must be emptied again, or None when no rule says so. A
    system whose last emptying is not known counts from the day it was added."""
    years = interval_years(system, prop, settings)
    if years is None:
        return None
    return _add_years(last or system.created_at.date(), years)


def overview(prop: Property, settings: SludgeSettings) -> list[dict]:
    """Each system of the property with its last emptying, the day it is due by, its open
    order and its latest done one: the property page's card (three queries)."""
    systems = list(WastewaterSystem.of_property(prop))
    last = last_emptyings(systems)
    open_orders = SludgeOrder.open_of(systems)
    return [{"system": s, "last": last[s.id], "due_by": due_by(s, prop, last[s.id], settings),
             "open": open_orders.get(s.id)} for s in systems]


# -- orders ------------------------------------------------------------------------------

def orderable_weeks(today: dt.date, settings: SludgeSettings) -> list[dt.date]:
    """The Mondays of the weeks an emptying can be ordered for."""
    earliest = today + dt.timedelta(days=settings.lead_days)
    first = schedule.monday(earliest)
    if first < earliest:
        first += dt.timedelta(weeks=1)
    return [first + dt.timedelta(weeks=n) for n in range(settings.weeks_ahead)]


def working_days(week: dt.date) -> list[dt.date]:
    """The days of the week a truck can come: Monday to Friday without public holidays."""
    return [d for d in (week + dt.timedelta(days=n) for n in range(5)) if schedule.is_working_day(d)]


def check_week(week: dt.date | None, today: dt.date, settings: SludgeSettings, field: str = "week") -> None:
    """A week an emptying can be ordered for: offered, and with a working day in it."""
    if week is None or week not in orderable_weeks(today, settings) or not working_days(week):
        raise FieldError(field, "week_choice")


def order(user, prop: Property, system: WastewaterSystem, *, week: dt.date | None, info: str, request_key: str,
          today: dt.date, settings: SludgeSettings, scheduled: bool = False) -> SludgeOrder:
    """An emptying for `week`, made once however often the form is sent."""
    existing = SludgeOrder.get_or_none(SludgeOrder.request_key == request_key)
    if existing is not None:
        if existing.system_id != system.id:
            raise FieldError("request_key", "request_reused")
        return existing
    check_week(week, today, settings)
    current = SludgeOrder.open_of([system]).get(system.id)
    if current is not None:
        raise FieldError("week", "sludge_open_order", week=current.week.isocalendar()[1])
    price = sludge_price(system.volume_m3, week)
    try:
        with db.atomic():
            made = SludgeOrder.create(system=system, property=prop, week=week, extra_info=info.strip(),
                                      price_estimate=price.total if price else None, scheduled=scheduled,
                                      request_key=request_key, created_by=user)
            AuditLog.record(user, "sludge_order", made, after={"week": week, "system": system.id})
    except IntegrityError:  # the same form twice at the same moment
        return SludgeOrder.get(SludgeOrder.request_key == request_key)
    return made


def cancel(user, item: SludgeOrder, *, ip=None) -> None:
    """A resident takes back an order staff have not planned yet."""
    with db.atomic():
        done = (SludgeOrder.update(status="cancelled")
                .where((SludgeOrder.id == item.id) & (SludgeOrder.status == "pending")).execute())
        if not done:
            raise FieldError("", "already_decided")
        AuditLog.record(user, "sludge_cancel", item, ip=ip)


def plan(item: SludgeOrder, staff, day: dt.date | None, *, ip=None) -> None:
    """Staff put an order on the route of a working day of its week."""
    if item.status not in SludgeOrder.OPEN:
        raise FieldError("day", "already_decided")
    if day not in working_days(item.week):
        raise FieldError("day", "sludge_day_week")
    with db.atomic():
        before = {"status": item.status, "planned_day": item.planned_day}
        item.status, item.planned_day = "planned", day
        item.save(only=[SludgeOrder.status, SludgeOrder.planned_day])
        AuditLog.record(staff, "sludge_plan", item, before=before, after={"planned_day": day}, ip=ip)


def mark_done(item: SludgeOrder, staff, *, m3, day: dt.date, today: dt.date, ip=None) -> None:
    """The truck emptied the tank: the m³ it took are billed on the next waste invoice."""
    if item.status != "planned":
        raise FieldError("m3", "already_decided")
    if day > today:
        raise FieldError("m3", "sludge_done_future")
    emptied = _decimal(m3, "m3", "sludge_m3_range", Decimal("0.1"), Decimal("100"))
    with db.atomic():
        item.status, item.emptied_m3, item.emptied_on, item.done_by = "done", emptied, day, staff
        item.save(only=[SludgeOrder.status, SludgeOrder.emptied_m3, SludgeOrder.emptied_on, SludgeOrder.done_by])
        AuditLog.record(staff, "sludge_done", item, after={"m3": emptied, "day": day}, ip=ip)


# -- billing -----------------------------------------------------------------------------

def unbilled(period_end: dt.date) -> list[tuple]:
    """(order id, customer id, emptied on, m³, street, kind) of emptyings done up to the
    period end and not billed yet."""
    return list(SludgeOrder.select(SludgeOrder.id, Property.customer, SludgeOrder.emptied_on, SludgeOrder.emptied_m3,
                                   Property.street, WastewaterSystem.kind)
                .join(WastewaterSystem).switch(SludgeOrder).join(Property)
                .where((SludgeOrder.status == "done") & SludgeOrder.invoice.is_null() &
                       (SludgeOrder.emptied_on <= period_end))
                .order_by(Property.customer, SludgeOrder.emptied_on).tuples())


def rows(emptied_on: dt.date, m3: Decimal, street: str, kind: str, tariffs: Tariffs) -> list[Row]:
    """The base fee and the m³ of one emptying, at the prices of its day."""
    emptied_on = _as_date(emptied_on)
    found = []
    for component, quantity, unit in zip(SLUDGE_COMPONENTS, (Decimal(1), Decimal(str(m3))), ("emptying", "m3")):
        price = tariffs.price(component, emptied_on)
        found.append(Row(component, quantity, unit, price.unit_price, price.vat_rate, emptied_on, emptied_on,
                         {"property": street, "system": kind}))
    return found


# -- the daily job -------------------------------------------------------------------------

def daily(day: dt.date, settings: SludgeSettings) -> dict:
    """Orders for the holding tanks whose rhythm comes round, and reminders for the tanks
    past their interval (once per due date, to residents who want them)."""
    return {"sludge_orders": scheduled_orders(day, settings),
            "sludge_reminders": notifications.sludge_reminders(overdue(day, settings))}


def scheduled_orders(day: dt.date, settings: SludgeSettings) -> int:
    systems = list(WastewaterSystem.select(WastewaterSystem, Property).join(Property)
                   .where(WastewaterSystem.interval_weeks.is_null(False)))
    open_orders = SludgeOrder.open_of(systems)
    last = last_emptyings(systems)
    made = 0
    for system in systems:
        if system.id in open_orders:
            continue
        start = last[system.id] or system.created_at.date()
        due = start + dt.timedelta(weeks=system.interval_weeks)
        weeks = orderable_weeks(day, settings)
        if schedule.monday(due) > weeks[0]:
            continue  # not yet: the order is made when its week is the first one offered
        order(None, system.property, system, week=weeks[0], info="", request_key=f"scheduled:{system.id}:{due}",
              today=day, settings=settings, scheduled=True)
        made += 1
    return made


def overdue(day: dt.date, settings: SludgeSettings) -> list[tuple]:
    """(system with its property, due by, last emptying) of every system past its
    interval on `day` without an open order."""
    systems = list(WastewaterSystem.select(WastewaterSystem, Property).join(Property)
                   .where(WastewaterSystem.kind != "holding_tank"))
    open_orders = SludgeOrder.open_of(systems)
    last = last_emptyings(systems)
    found = []
    for system in systems:
        by = due_by(system, system.property, last[system.id], settings)
        if by is not None and by <= day and system.id not in open_orders:
            found.append((system, by, last[system.id]))
    return found
