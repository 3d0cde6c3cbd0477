"""The municipality's own data, kept by its administrators: the price list, VAT by date and
the billing calendars. Customer service sees the same read-only.

- A price is never edited: a new price starts on a later date and the one in force ends the
  day before. The start must be after today, so no invoice can have used a day the change
  touches (invoices bill days up to their period's end, which is never in the future). A
  price that has not started yet may be removed; the one before it then goes on.
- A VAT change from a date keeps every net price: each price in force that day gets a new
  row from that day with the new rate, its VAT-included price recomputed to the cent's
  hundredth (four decimals, as the price list stores them).
- An empty installation starts from the example price list from a date; until the first
  billing run its prices may be corrected in place (nothing can have used them).
- A billing period's dates may be changed while its billing day is in the future; a year of
  a group's periods is added by carrying the previous year's dates over by a year.
- The utility announces days without emptyings (an extra non-working day, or a day whose
  emptyings move to another day, a Saturday say); the schedule reads them with the public
  holidays. Only days after today, within a week for a move; one not come yet may be
  withdrawn.
- Every change is in the audit log with what it was before and after.
"""
from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from decimal import Decimal, InvalidOperation

from peewee import fn

from database import as_date
from domain.errors import FieldError, unique_or
from domain import per_context, price_list, schedule
from models import AuditLog, BillingCalendar, BillingRun, CalendarException, PriceListRow, db

UNIT_PRICE = Decimal("0.0001")
KEY_FIELDS = ("component", "waste_type", "bin_size", "meter_size", "unit")


def _key(row: PriceListRow) -> tuple:
    return tuple(getattr(row, f) for f in KEY_FIELDS)


def _same_key(row: PriceListRow):
    condition = PriceListRow.id.is_null(False)
    for name in KEY_FIELDS:
        value, column = getattr(row, name), getattr(PriceListRow, name)
        condition &= column.is_null() if value is None else (column == value)
    return condition


def _snapshot(row: PriceListRow) -> dict:
    return {"component": row.component, "waste_type": row.waste_type, "bin_size": row.bin_size,
            "meter_size": row.meter_size, "unit": row.unit, "unit_price": str(row.unit_price),
            "vat_rate": str(row.vat_rate), "valid_from": row.valid_from.isoformat(),
            "valid_to": row.valid_to.isoformat() if row.valid_to else None}


def price_history(row: PriceListRow) -> list[PriceListRow]:
    """Every price of what `row` prices, the latest first."""
    return list(PriceListRow.select().where(_same_key(row)).order_by(PriceListRow.valid_from.desc()))


def price_table(today: dt.date) -> list[dict]:
    """Every priced thing once, in a stable order: the price in force today and the ones
    set to start later."""
    rows = list(PriceListRow.select().order_by(PriceListRow.component, PriceListRow.waste_type,
                                                PriceListRow.bin_size, PriceListRow.meter_size,
                                                PriceListRow.valid_from))
    by_key = defaultdict(list)
    for row in rows:
        by_key[_key(row)].append(row)
    table = []
    for key, found in by_key.items():
        current = next((r for r in found if r.valid_from <= today and (r.valid_to is None or r.valid_to >= today)),
                       None)
        upcoming = [r for r in found if r.valid_from > today]
        if current is None and not upcoming:
            continue  # ended: history only
        table.append({"key": key, "current": current, "upcoming": upcoming, "latest": found[-1]})
    return table


def parse_price(raw: str, field: str = "unit_price") -> Decimal:
    try:
        value = Decimal((raw or "").strip().replace(" ", "").replace(",", "."))
    except InvalidOperation:
        raise FieldError(field, "price_format") from None
    if not value.is_finite() or value < 0 or value >= Decimal("100000000"):
        raise FieldError(field, "price_format")
    if value != value.quantize(UNIT_PRICE):
        raise FieldError(field, "price_decimals")
    return value


def set_price(actor, row: PriceListRow, unit_price: Decimal, valid_from: dt.date, *, today: dt.date,
              ip=None) -> PriceListRow:
    """A new price for what `row` prices, from `valid_from` on."""
    if valid_from <= today:
        raise FieldError("valid_from", "price_not_future", today=today)
    with db.atomic():
        same = list(PriceListRow.select().where(_same_key(row)).order_by(PriceListRow.valid_from))
        later = [r for r in same if r.valid_from >= valid_from]
        if later:
            raise FieldError("valid_from", "price_later_exists", day=later[0].valid_from)
        before = next((r for r in reversed(same) if r.valid_from < valid_from), None)
        if before is not None and before.valid_to is not None and before.valid_to < valid_from - dt.timedelta(days=1):
            before = None  # it ended already: the new price follows a gap, as the list had it
        vat_rate = before.vat_rate if before is not None else row.vat_rate
        made = PriceListRow.create(component=row.component, waste_type=row.waste_type, bin_size=row.bin_size,
                                   meter_size=row.meter_size, unit=row.unit, unit_price=unit_price,
                                   vat_rate=vat_rate, valid_from=valid_from, valid_to=None)
        old = None
        if before is not None:
            old = _snapshot(before)
            PriceListRow.update(valid_to=valid_from - dt.timedelta(days=1)).where(
                PriceListRow.id == before.id).execute()
        AuditLog.record(actor, "price_set", made, before=old, after=_snapshot(made), ip=ip)
    return made


def before_first_billing() -> bool:
    """No billing run has been made: no invoice of Kotipiha's own can have used a price
    (imported invoices carry their totals), so prices may still be corrected in place."""
    return not BillingRun.select().exists()


def correct_price(actor, row: PriceListRow, unit_price: Decimal, *, ip=None) -> PriceListRow:
    """Before the first billing run: the price itself corrected, its dates kept."""
    if not before_first_billing():
        raise FieldError("unit_price", "price_in_use")
    with db.atomic():
        before = _snapshot(row)
        row.unit_price = unit_price
        row.save(only=[PriceListRow.unit_price])
        AuditLog.record(actor, "price_corrected", row, before=before, after=_snapshot(row), ip=ip)
    return row


def start_price_list(actor, valid_from: dt.date, *, ip=None) -> int:
    """An empty installation: the example price list (domain/price_list.py) from
    `valid_from`, and billing calendars for that year and the next when there are none.
    The prices are then corrected in place until the first billing run."""
    if PriceListRow.select().exists():
        raise FieldError("valid_from", "price_list_exists")
    rows = [{**r, "valid_from": valid_from} for r in price_list.price_rows() if r["valid_to"] is None]
    with db.atomic():
        PriceListRow.insert_many(rows).execute()
        if not BillingCalendar.select().exists():
            BillingCalendar.insert_many(price_list.billing_calendar_rows(valid_from.year, valid_from.year + 1)).execute()
        AuditLog.record(actor, "price_list_started", None, after={"valid_from": valid_from, "prices": len(rows)}, ip=ip)
    return len(rows)


def remove_price(actor, row: PriceListRow, *, today: dt.date, ip=None) -> None:
    """Take back a price that has not started: the one before it goes on as it did."""
    if row.valid_from <= today:
        raise FieldError("", "price_in_use")
    with db.atomic():
        previous = (PriceListRow.select().where(_same_key(row) & (PriceListRow.valid_from < row.valid_from))
                    .order_by(PriceListRow.valid_from.desc()).first())
        if previous is not None and previous.valid_to == row.valid_from - dt.timedelta(days=1):
            PriceListRow.update(valid_to=row.valid_to).where(PriceListRow.id == previous.id).execute()
        AuditLog.record(actor, "price_removed", row, before=_snapshot(row), ip=ip)
        row.delete_instance()


def vat_rates() -> list[tuple[dt.date, Decimal]]:
    """The VAT rates of the price list by the date they start."""
    found = {}
    for day, rate in (PriceListRow.select(PriceListRow.valid_from, PriceListRow.vat_rate)
                      .distinct().order_by(PriceListRow.valid_from).tuples()):
        found.setdefault(day, set()).add(Decimal(rate))
    changes, current = [], None
    for day, rates in sorted(found.items()):
        rate = max(rates)
        if rate != current:
            changes.append((day, rate))
            current = rate
    return changes


def change_vat(actor, rate: Decimal, valid_from: dt.date, *, today: dt.date, ip=None) -> int:
    """Every price in force on `valid_from` again from that day with VAT `rate`, its net
    price kept. Returns how many prices changed."""
    if valid_from <= today:
        raise FieldError("valid_from", "price_not_future", today=today)
    if not Decimal(0) <= rate < Decimal(100):
        raise FieldError("vat_rate", "vat_format")
    with db.atomic():
        later = PriceListRow.select(fn.MIN(PriceListRow.valid_from)).where(
            PriceListRow.valid_from > valid_from).scalar()
        if later is not None:
            raise FieldError("valid_from", "price_later_exists", day=as_date(later))
        changed = []
        for row in PriceListRow.in_force(valid_from):
            if row.vat_rate == rate:
                continue
            net = row.unit_price / (1 + row.vat_rate / 100)
            price = (net * (1 + rate / 100)).quantize(UNIT_PRICE)
            if row.valid_from == valid_from:  # set today for that day: the row itself is not used yet
                PriceListRow.update(unit_price=price, vat_rate=rate).where(PriceListRow.id == row.id).execute()
            else:
                PriceListRow.update(valid_to=valid_from - dt.timedelta(days=1)).where(
                    PriceListRow.id == row.id).execute()
                PriceListRow.create(component=row.component, waste_type=row.waste_type, bin_size=row.bin_size,
                                    meter_size=row.meter_size, unit=row.unit, unit_price=price, vat_rate=rate,
                                    valid_from=valid_from, valid_to=row.valid_to)
            changed.append({"component": row.component, "waste_type": row.waste_type, "bin_size": row.bin_size,
                            "meter_size": row.meter_size, "before": str(row.unit_price), "after": str(price)})
        AuditLog.record(actor, "vat_changed", None, before={"prices": [c["before"] for c in changed]},
                        after={"vat_rate": str(rate), "valid_from": valid_from.isoformat(), "prices": changed},
                        ip=ip)
    return len(changed)


# -- billing calendars ------------------------------------------------------------------

def calendar_groups() -> list[str]:
    return [g for (g,) in BillingCalendar.select(BillingCalendar.billing_group).distinct()
            .order_by(BillingCalendar.billing_group).tuples()]


def calendar_years(group: str) -> list[int]:
    return sorted({p.period_start.year for p in BillingCalendar.select(BillingCalendar.period_start)
                   .where(BillingCalendar.billing_group == group)})


def periods(group: str, year: int):
    return (BillingCalendar.select().where((BillingCalendar.billing_group == group) &
                                           (BillingCalendar.period_start >= dt.date(year, 1, 1)) &
                                           (BillingCalendar.period_start <= dt.date(year, 12, 31)))
            .order_by(BillingCalendar.period_start))


def _calendar_snapshot(period: BillingCalendar) -> dict:
    return {f: getattr(period, f).isoformat() if f != "billing_group" else period.billing_group
            for f in ("billing_group", "period_start", "period_end", "report_by", "billing_date", "due_date")}


def save_period(actor, period: BillingCalendar, *, report_by: dt.date, billing_date: dt.date, due_date: dt.date,
                today: dt.date, ip=None) -> None:
    """New dates for a period not billed yet."""
    if period.billing_date <= today:
        raise FieldError("", "period_billed")
    if billing_date <= today:
        raise FieldError("billing_date", "billing_date_future")
    if report_by < period.period_start:
        raise FieldError("report_by", "report_by_in_period")
    if billing_date < report_by:
        raise FieldError("billing_date", "billing_after_report")
    if due_date < billing_date + dt.timedelta(days=14):
        raise FieldError("due_date", "due_two_weeks")
    before = _calendar_snapshot(period)
    with db.atomic():
        BillingCalendar.update(report_by=report_by, billing_date=billing_date, due_date=due_date).where(
            BillingCalendar.id == period.id).execute()
        period = BillingCalendar.get_by_id(period.id)
        AuditLog.record(actor, "billing_calendar_changed", period, before=before, after=_calendar_snapshot(period),
                        ip=ip)


def _next_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def add_year(actor, group: str, year: int, *, ip=None) -> int:
    """The group's periods of `year`: the year before's, each date a year later (a period
    that ends on a month's last day still does). Returns how many periods were made."""
    with unique_or("year", "calendar_year_exists", year=year):
        if periods(group, year).exists():
            raise FieldError("year", "calendar_year_exists", year=year)
        made = []
        for old in periods(group, year - 1):
            start, end = _next_year(old.period_start), _next_year(old.period_end)
            if (old.period_end + dt.timedelta(days=1)).day == 1:  # a month's last day stays one
                end = end.replace(day=calendar.monthrange(end.year, end.month)[1])
            made.append(BillingCalendar.create(
                billing_group=group, period_start=start, period_end=end,
                report_by=end + (old.report_by - old.period_end), billing_date=end + (old.billing_date - old.period_end),
                due_date=end + (old.due_date - old.period_end)))
        if not made:
            raise FieldError("year", "calendar_no_previous_year", year=year - 1)
        AuditLog.record(actor, "billing_calendar_year_added", None, after={
            "billing_group": group, "year": year, "periods": [_calendar_snapshot(p) for p in made]}, ip=ip)
    return len(made)


# -- the days a utility announces ----------------------------------------------------------

MOVE_AT_MOST_DAYS = 7  # an announced move keeps the emptying within a week of its day


def announced_days(since: dt.date) -> list[CalendarException]:
    return list(CalendarException.select().where(CalendarException.day >= since).order_by(CalendarException.day))


def _exception_snapshot(item: CalendarException) -> dict:
    return {"day": item.day, "moved_to": item.moved_to, "name_fi": item.name_fi, "name_sv": item.name_sv,
            "name_en": item.name_en}


def announce_day(actor, day: dt.date, *, moved_to: dt.date | None, names: dict[str, str], today: dt.date,
                 ip=None) -> CalendarException:
    """A day without emptyings from now on: they go to `moved_to`, or by the holiday rule
    to the next working day. Only days after today: tomorrow's reminders may be out."""
    names = {lang: " ".join((names.get(lang) or "").split()) for lang in ("fi", "sv", "en")}
    if day <= today:
        raise FieldError("day", "announced_not_future")
    if not names["fi"]:
        raise FieldError("name_fi", "announced_name")
    if CalendarException.select().where(CalendarException.day == day).exists():
        raise FieldError("day", "announced_exists")
    if moved_to is not None:
        if moved_to == day or moved_to <= today or abs((moved_to - day).days) > MOVE_AT_MOST_DAYS:
            raise FieldError("moved_to", "announced_move_range", days=MOVE_AT_MOST_DAYS)
        if moved_to.weekday() == 6 or schedule.holiday_name(moved_to) is not None:  # a Sunday, a holiday
            raise FieldError("moved_to", "announced_move_closed")
    with unique_or("day", "announced_exists"):
        item = CalendarException.create(day=day, moved_to=moved_to, name_fi=names["fi"], name_sv=names["sv"],
                                        name_en=names["en"])
        AuditLog.record(actor, "day_announced", item, after=_exception_snapshot(item), ip=ip)
    per_context.forget()
    return item


def withdraw_day(actor, item: CalendarException, *, today: dt.date, ip=None) -> None:
    """An announced day that has not come yet may be withdrawn."""
    if item.day <= today:
        raise FieldError("", "announced_past")
    with db.atomic():
        AuditLog.record(actor, "day_withdrawn", item, before=_exception_snapshot(item), ip=ip)
        item.delete_instance()
    per_context.forget()
