"""Waste orders and requests: the rules a resident's order must meet, and making it once.

Waste types. Besides mixed waste and biowaste a property may have bins of its own for the
packaging and paper fractions (plastic, cardboard, glass, metal, paper), or a
multi-compartment bin (monilokeroastia) that holds two or four of them and is emptied as one
service with one schedule and one price. The Government Decree on Waste (jäteasetus
978/2021, 15-16 §) made separate collection of the packaging fractions at the property the
rule for buildings of five dwellings or more from 1.7.2023; smaller properties may order
them where the waste company drives the route. Finnish waste companies publish the
packaging emptying intervals as 4-12 weeks (glass and metal fill slowly) and price a
packaging emptying without a treatment fee: the producers pay the treatment (producer
responsibility, jätelaki 46 §). Which fractions an area has and which intervals each
allows are settings (RECYCLING_AREAS, WASTE_INTERVALS).
"""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field

from peewee import IntegrityError

from domain import schedule, support
from domain.errors import FieldError
from domain.pricing import emptying_price
from models import AuditLog, Emptying, Property, WasteContract, WasteOrder, db
from models.clock import utcnow
from models.shared import SharedBin, shared_contract_ids

RECYCLABLES = ("plastic", "cardboard", "glass", "metal", "paper")
FRACTIONS = ("mixed", "bio", *RECYCLABLES)
# A multi-compartment bin and the fractions of its compartments.
COMPARTMENTS = {"multi2": ("glass", "metal"), "multi4": ("plastic", "cardboard", "glass", "metal")}
WASTE_TYPES = (*FRACTIONS, *COMPARTMENTS)
RECYCLING_TYPES = (*RECYCLABLES, *COMPARTMENTS)  # the types a collection area's route may take


def fractions_of(waste_type: str) -> tuple[str, ...]:
    """The fractions a bin of `waste_type` takes: its compartments', or its own."""
    return COMPARTMENTS.get(waste_type, (waste_type,))


def _parse_map(text: str, parse_value) -> dict:
    """"a,b:x,y;c:z" -> {"a": parse_value(["x", "y"]), "b": …, "c": parse_value(["z"])}."""
    found = {}
    for part in str(text or "").split(";"):
        keys, _sep, values = part.partition(":")
        items = [v.strip() for v in values.split(",") if v.strip()]
        for key in (k.strip() for k in keys.split(",")):
            if key in WASTE_TYPES:
                found[key] = parse_value(items)
    return found


DEFAULT_INTERVALS = "mixed,bio:1,2,3,4;plastic,cardboard,glass,metal,paper,multi2,multi4:4,6,8,12"
DEFAULT_RECYCLING_AREAS = ("plastic,cardboard,glass,metal,multi2,multi4:Kouvola keskusta,Kotka keskusta,"
                           "Kouvola,Kotka;paper:Kouvola keskusta,Kotka keskusta")


@dataclass(frozen=True)
class WasteSettings:
    lead_working_days: int = 1  # an extra emptying at least this many working days ahead
    change_lead_days: int = 7  # a contract change takes effect at the earliest after this
    suspension_min_days: int = 28
    suspension_max_days: int = 365
    biowaste_areas: tuple[str, ...] = ("Kouvola keskusta", "Kotka keskusta")
    biowaste_start: dt.date = dt.date(2024, 5, 2)
    biowaste_building_types: tuple[str, ...] = ("detached", "semi_detached")
    # {waste type: the emptying intervals (weeks) it may be ordered with}
    intervals: dict = field(default_factory=lambda: _parse_map(DEFAULT_INTERVALS, _weeks))
    # {recyclable waste type: the collection areas whose routes take it}
    recycling_areas: dict = field(default_factory=lambda: _parse_map(DEFAULT_RECYCLING_AREAS, tuple))

    @classmethod
    def from_config(cls, config) -> "WasteSettings":
        return cls(
            lead_working_days=int(config.get("EXTRA_EMPTYING_LEAD_WORKING_DAYS", 1)),
            change_lead_days=int(config.get("CONTRACT_CHANGE_LEAD_DAYS", 7)),
            suspension_min_days=int(config.get("SUSPENSION_MIN_DAYS", 28)),
            suspension_max_days=int(config.get("SUSPENSION_MAX_DAYS", 365)),
            biowaste_areas=tuple(a.strip() for a in str(config.get(
                "BIOWASTE_AREAS", "Kouvola keskusta,Kotka keskusta")).split(",") if a.strip()),
            intervals={**_parse_map(DEFAULT_INTERVALS, _weeks),
                       **_parse_map(config.get("WASTE_INTERVALS", ""), _weeks)},
            recycling_areas={**_parse_map(DEFAULT_RECYCLING_AREAS, tuple),
                             **_parse_map(config.get("RECYCLING_AREAS", ""), tuple)},
        )

    def intervals_for(self, waste_type: str) -> tuple[int, ...]:
        return self.intervals.get(waste_type, ())


def _weeks(items) -> tuple[int, ...]:
    return tuple(sorted({int(i) for i in items if i.isdigit() and 1 <= int(i) <= 52}))


MAX_BINS = 10  # bins of one kind a property can order at a time


def earliest_extra_emptying(today: dt.date, settings: WasteSettings) -> dt.date:
    return schedule.add_working_days(today, settings.lead_working_days)


def earliest_change(today: dt.date, settings: WasteSettings) -> dt.date:
    return today + dt.timedelta(days=settings.change_lead_days)


def biowaste_unavailable_reason(prop: Property, day: dt.date, settings: WasteSettings) -> str | None:
    """Why biowaste collection cannot be ordered for the property, or None when it can."""
    if day < settings.biowaste_start:
        return "biowaste_not_started"
    if prop.collection_area not in settings.biowaste_areas:
        return "biowaste_area"
    if prop.building_type not in settings.biowaste_building_types:
        return "biowaste_building"
    return None


def unavailable_reason(prop: Property, waste_type: str, day: dt.date, settings: WasteSettings) -> str | None:
    """Why a bin of `waste_type` cannot be ordered for the property, or None when it can:
    mixed waste everywhere, biowaste by its rules, the recyclables where the area's route
    takes them."""
    if waste_type not in WASTE_TYPES:
        return "kind_invalid"
    if waste_type == "bio":
        return biowaste_unavailable_reason(prop, day, settings)
    if waste_type != "mixed" and prop.collection_area not in settings.recycling_areas.get(waste_type, ()):
        return "fraction_area"
    return None


def check_interval(waste_type: str, interval, settings: WasteSettings) -> None:
    if interval not in settings.intervals_for(waste_type):
        raise FieldError("interval", "interval_choice")


def _save_once(request_key: str, prop: Property, user, action: str, **fields) -> WasteOrder:
    """Create the order unless this form was already sent: then return the first one."""
    existing = WasteOrder.get_or_none(WasteOrder.request_key == request_key)
    if existing is not None:
        if existing.property_id != prop.id:
            raise FieldError("request_key", "request_reused")
        return existing
    try:
        with db.atomic():
            order = WasteOrder.create(property=prop, request_key=request_key, created_by=user,
                                      **fields)
            AuditLog.record(user, action, order, after={k: v for k, v in fields.items()
                                                         if v not in (None, "")})
    except IntegrityError:  # the same form arrived twice at the same moment
        return WasteOrder.get(WasteOrder.request_key == request_key)
    return order


def check_extra_day(day: dt.date | None, today: dt.date, settings: WasteSettings) -> None:
    """An extra emptying's day: a working day, the lead time ahead, within a year."""
    if day is None:
        raise FieldError("day", "date_missing")
    earliest = earliest_extra_emptying(today, settings)
    if day < earliest:
        raise FieldError("day", "extra_too_soon", earliest=earliest)
    if not schedule.is_working_day(day):
        raise FieldError("day", "not_working_day")
    if day > today + dt.timedelta(days=365):
        raise FieldError("day", "too_far")


def order_extra_emptying(user, prop: Property, contract: WasteContract, *, day: dt.date,
                         bins: int, info: str, request_key: str, today: dt.date,
                         settings: WasteSettings) -> WasteOrder:
    check_extra_day(day, today, settings)
    if contract.end_date and day > contract.end_date:
        raise FieldError("day", "after_contract_end")
    if not 1 <= bins <= contract.bin_count:
        raise FieldError("bins", "bins_range", max=contract.bin_count)
    price = emptying_price(contract.waste_type, contract.bin_size, bins, day)
    return _save_once(request_key, prop, user, "order_extra_emptying", contract=contract,
                      kind="extra_emptying", effective_date=day, bin_count=bins,
                      extra_info=info.strip(), price=price.total if price else None)


def request_change(user, prop: Property, contract: WasteContract, *, kind: str,
                   effective: dt.date | None, end: dt.date | None = None, bins: int | None = None,
                   interval: int | None = None, info: str = "", request_key: str,
                   today: dt.date, settings: WasteSettings) -> WasteOrder:
    """A request to change a continuing service; customer service decides it."""
    if kind not in WasteOrder.CHANGE_KINDS:
        raise FieldError("kind", "kind_invalid")
    earliest = earliest_change(today, settings)
    if effective is None:
        raise FieldError("effective", "date_missing")
    if effective < earliest:
        raise FieldError("effective", "change_too_soon", earliest=earliest)
    if effective > today + dt.timedelta(days=365):
        raise FieldError("effective", "too_far")
    fields = dict(contract=contract, kind=kind, effective_date=effective, extra_info=info.strip())
    if kind == "bin_count":
        if bins is None or not 1 <= bins <= 10:
            raise FieldError("bins", "bins_range", max=MAX_BINS)
        if bins == contract.bin_count:
            raise FieldError("bins", "no_change")
        fields["bin_count"] = bins
    elif kind == "interval":
        check_interval(contract.waste_type, interval, settings)
        if interval == contract.interval_weeks:
            raise FieldError("interval", "no_change")
        fields["interval_weeks"] = interval
    elif kind == "suspension":
        if end is None:
            raise FieldError("end", "date_missing")
        if end <= effective:
            raise FieldError("end", "end_before_start")
        days = (end - effective).days + 1
        if days < settings.suspension_min_days:
            raise FieldError("end", "suspension_too_short", days=settings.suspension_min_days)
        if days > settings.suspension_max_days:
            raise FieldError("end", "suspension_too_long", days=settings.suspension_max_days)
        fields["end_date"] = end
    return _save_once(request_key, prop, user, f"request_{kind}", **fields)


def check_service(prop: Property, *, waste_type: str, bin_size: int, bins: int, interval: int,
                  effective: dt.date, today: dt.date, settings: WasteSettings) -> None:
    """Raise FieldError when the service cannot be ordered as chosen."""
    reason = unavailable_reason(prop, waste_type, max(effective, today), settings)
    if reason:
        raise FieldError("waste_type", reason)
    if emptying_price(waste_type, bin_size, 1, effective) is None:
        raise FieldError("bin_size", "bin_size_choice")
    if effective < earliest_change(today, settings):
        raise FieldError("effective", "change_too_soon", earliest=earliest_change(today, settings))
    if effective > today + dt.timedelta(days=365):
        raise FieldError("effective", "too_far")
    if not 1 <= bins <= 10:
        raise FieldError("bins", "bins_range", max=MAX_BINS)
    check_interval(waste_type, interval, settings)


def order_service(user, prop: Property, *, waste_type: str, bin_size: int, bins: int,
                  interval: int, effective: dt.date, replaces: WasteContract | None,
                  info: str, request_key: str, today: dt.date, settings: WasteSettings) -> WasteOrder:
    """A new bin service, or a change of bin for an existing contract of that waste type."""
    check_service(prop, waste_type=waste_type, bin_size=bin_size, bins=bins, interval=interval,
                  effective=effective, today=today, settings=settings)
    price = emptying_price(waste_type, bin_size, bins, effective)
    return _save_once(request_key, prop, user, "order_service", contract=replaces,
                      kind="change_bin" if replaces else "new_service", effective_date=effective,
                      waste_type=waste_type, bin_size=bin_size, bin_count=bins,
                      interval_weeks=interval, extra_info=info.strip(), price=price.total)


def yearly_estimate(waste_type: str, bin_size: int, bins: int, interval: int,
                    effective: dt.date, route_weekday: int = 2):
    """(emptyings in the first year, cost) for the terms being ordered."""
    terms = schedule.Terms(effective, interval, route_weekday, bins, bin_size, schedule.monday(effective))
    plan = schedule.ContractPlan(0, waste_type, effective, None, [terms])
    year_end = effective + dt.timedelta(days=364)
    emptyings = schedule.planned_emptyings(plan, effective, year_end)
    price = emptying_price(waste_type, bin_size, bins, effective)
    return len(emptyings), (price.total * len(emptyings) if price else None)


def property_contracts(prop):
    """The contracts whose emptyings the property's calendar shows: its own, and those of
    the approved shared bins (jätekimppa) it is a confirmed member of."""
    return WasteContract.select().where((WasteContract.property == prop) |
                                        WasteContract.id.in_(shared_contract_ids(prop)))


def contract_summaries(prop, on: dt.date, plans=None):
    """Each contract of the property in force on `on`, with its next and previous emptying
    and its price per emptying (the property page and the calendar show them)."""
    contracts = list(WasteContract.active_on(on).where(WasteContract.id.in_(property_contracts(prop).select(
        WasteContract.id))).order_by(WasteContract.waste_type.desc(), WasteContract.id))
    plans = {p.contract_id: p for p in (plans or schedule.plans_for(
        WasteContract.select().where(WasteContract.id.in_([c.id for c in contracts]))))}
    previous = Emptying.latest_of(contracts, on)
    shared = {b.contract_id: b for b in SharedBin.select(SharedBin, Property).join(Property)
              .where(SharedBin.contract.in_([c.id for c in contracts]))}
    summaries = []
    for contract in contracts:
        plan = plans[contract.id]
        terms = plan.terms_on(on)
        summaries.append({
            "contract": contract, "terms": terms, "next": schedule.next_emptying(plan, on),
            "previous": previous.get(contract.id), "recent": recent_emptying(plan, on),
            "price": emptying_price(contract.waste_type, terms.bin_size, terms.bin_count, on),
            "shared": shared.get(contract.id),  # a shared bin: its page, not the contract's forms
        })
    return summaries


MISSED_REPORT_DAYS = 7  # an emptying that did not happen can be reported for a week


def recent_emptying(plan, today: dt.date):
    """The latest planned emptying of the last three days (not today's, which may still
    come): the one a resident may report as not done."""
    recent = schedule.planned_emptyings(plan, today - dt.timedelta(days=3), today - dt.timedelta(days=1))
    return recent[-1] if recent else None


def check_missed_day(contract: WasteContract, day: dt.date, today: dt.date) -> None:
    """A missed emptying is one the schedule planned for that day, in the past week."""
    if not today - dt.timedelta(days=MISSED_REPORT_DAYS) <= day < today:
        raise FieldError("day", "missed_day_range", days=MISSED_REPORT_DAYS)
    [plan] = schedule.plans_for(WasteContract.select().where(WasteContract.id == contract.id))
    if not schedule.planned_emptyings(plan, day, day):
        raise FieldError("day", "missed_not_planned", date=day)


def catch_up_day(today: dt.date) -> dt.date:
    """When a catch-up emptying ordered today comes: the next working day."""
    return schedule.add_working_days(today, 1)


def order_catch_up(thread, staff, *, day: dt.date, reply: str, ip=None) -> WasteOrder:
    """Staff answer "my bin was not emptied" with an approved extra emptying on `day`
    (free of charge), once per thread, and tell the resident in the thread (`reply`)."""
    contract = thread.contract
    with db.atomic():
        order, created = WasteOrder.get_or_create(request_key=f"catch-up:{thread.id}", defaults=dict(
            property=contract.property_id, contract=contract, kind="extra_emptying", status="approved",
            effective_date=day, bin_count=contract.bin_count, price=0, created_by=staff,
            decided_by=staff, decided_at=utcnow(), extra_info=f"catch-up {thread.missed_on.isoformat()}"))
        if created:
            AuditLog.record(staff, "order_catch_up", order, after={"thread": thread.id, "day": day}, ip=ip)
            support.reply(thread, staff, reply, from_staff=True, ip=ip)
    return order


def cancel_order(user, order: WasteOrder, *, ip=None) -> None:
    """A resident takes back a request customer service has not decided yet. The update
    is conditional, so a decision made at the same moment wins and the cancel is refused."""
    with db.atomic():
        done = (WasteOrder.update(status="cancelled", decided_at=utcnow())
                .where((WasteOrder.id == order.id) & (WasteOrder.status == "pending")).execute())
        if not done:
            raise FieldError("", "already_decided")
        AuditLog.record(user, "order_cancel", order, before={"status": "pending"}, after={"status": "cancelled"},
                        ip=ip)


def next_emptyings(properties, on: dt.date) -> dict[int, list]:
    """{property id: the next planned emptying of each of its services in force on `on`
    (mixed waste first)}, for a list of properties in two queries."""
    contracts = {c.id: c for c in WasteContract.active_on(on).where(WasteContract.property.in_(properties))}
    found = {}
    for plan in schedule.plans_for(WasteContract.select().where(WasteContract.id.in_(list(contracts)))):
        upcoming = schedule.next_emptying(plan, on)
        if upcoming is not None:
            found.setdefault(contracts[plan.contract_id].property_id, []).append(upcoming)
    for emptyings in found.values():
        emptyings.sort(key=lambda e: (e.waste_type != "mixed", e.day))
    return found


def renew_feed_token(prop, user) -> bool:
    """A new secret address for the property's calendar feed (the old one stops working);
    True when there was one before."""
    had_one = bool(prop.calendar_token)
    with db.atomic():
        prop.calendar_token = secrets.token_urlsafe(24)
        prop.save(only=[Property.calendar_token])
        AuditLog.record(user, "calendar_feed_renew" if had_one else "calendar_feed_create", prop)
    return had_one
