"""Collection areas (keräysalueet) and their routes, kept by the administrators.

Properties name their area (`Property.collection_area`). An area saved on the admin page
says which weekday its route drives, whether it has biowaste collection and which
recyclables its route takes; for a saved area these replace what the BIOWASTE_AREAS and
RECYCLING_AREAS settings give it (domain/settings.py), unless the environment sets them.

A new contract in the area gets the area's weekday. When the route moves to another
weekday from a date, each contract of the area running then that is emptied on another
weekday gets an approved `route_change` order from that date (schedule rule 7): residents
see it with their orders and the calendar follows it.
"""
from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter
from dataclasses import dataclass

from peewee import fn

from domain import per_context, schedule
from domain.errors import FieldError
from domain.waste import RECYCLING_TYPES, WasteSettings
from models import AuditLog, CollectionArea, Property, WasteContract, WasteOrder, db
from models.clock import utcnow

DEFAULT_WEEKDAY = 2  # Wednesday, for an area nobody has set up yet


@dataclass(frozen=True)
class AreaRow:
    name: str
    area: CollectionArea | None  # None: named by properties, not set up on the page yet
    properties: int
    weekdays: Counter  # the route weekdays of the area's running contracts


def overview(today: dt.date) -> list[AreaRow]:
    """Every area the page knows or a property names, with its properties and the weekdays
    its contracts are emptied on today (three queries)."""
    saved = {a.name: a for a in CollectionArea.select()}
    counts = dict(Property.select(Property.collection_area, fn.COUNT(Property.id))
                  .group_by(Property.collection_area).tuples())
    weekdays: dict[str, Counter] = {}
    running = WasteContract.active_on(today).join(Property)
    areas_of = dict(running.select(WasteContract.id, Property.collection_area).tuples())
    for plan in schedule.plans_for(WasteContract.active_on(today).where(
            WasteContract.id.in_(running.select(WasteContract.id)))):
        weekdays.setdefault(areas_of[plan.contract_id], Counter())[plan.terms_on(today).route_weekday] += 1
    names = sorted(set(saved) | {n for n in counts if n})
    return [AreaRow(n, saved.get(n), counts.get(n, 0), weekdays.get(n, Counter())) for n in names]


def weekday_of(area_name: str, default: int = DEFAULT_WEEKDAY) -> int:
    """The weekday a new contract in the area is emptied on (the areas are read once per
    request, however many are asked)."""
    weekdays = per_context.cached("area_weekdays", lambda: dict(
        CollectionArea.select(CollectionArea.name, CollectionArea.route_weekday).tuples()), outside={})
    return weekdays.get(area_name, default)


def usual_weekday(area_name: str, default: int = DEFAULT_WEEKDAY) -> int:
    """The weekday most of the area's bins are emptied on (for an area not saved yet)."""
    count = fn.COUNT(WasteContract.id)
    found = (WasteContract.select(WasteContract.route_weekday).join(Property)
             .where(Property.collection_area == area_name).group_by(WasteContract.route_weekday)
             .order_by(count.desc(), WasteContract.route_weekday).scalar())
    return default if found is None else found


@dataclass(frozen=True)
class AreaTerms:
    """What is in force for an area: the page starts an area's form from it."""

    route_weekday: int
    biowaste: bool
    recycling: list[str]


def terms_in_force(name: str, settings: WasteSettings) -> AreaTerms:
    """The area's terms now: a saved area's own, else the settings' biowaste and recyclables
    (`settings` already has the saved areas over them) and the weekday most of its bins use."""
    area = CollectionArea.get_or_none(CollectionArea.name == name) if name else None
    return AreaTerms(area.route_weekday if area else usual_weekday(name), name in settings.biowaste_areas,
                     [t for t in RECYCLING_TYPES if name in settings.recycling_areas.get(t, ())])


def _snapshot(area: CollectionArea | None) -> dict | None:
    if area is None:
        return None
    return {"name": area.name, "route_weekday": area.route_weekday, "biowaste": area.biowaste,
            "recycling": list(area.recycling_types)}


def save_area(actor, name: str, *, route_weekday: int, biowaste: bool, recycling: list[str],
              move_from: dt.date | None, today: dt.date, ip=None) -> tuple[CollectionArea, int]:
    """Save an area; with `move_from`, move its running contracts to the weekday from that
    day. Returns the area and the number of contracts moved."""
    name = " ".join(name.split())
    if not name:
        raise FieldError("name", "area_name")
    if route_weekday not in range(schedule.SATURDAY):
        raise FieldError("route_weekday", "weekday_choice")
    unknown = [t for t in recycling if t not in RECYCLING_TYPES]
    if unknown:
        raise FieldError("recycling", "kind_invalid")
    if move_from is not None and move_from <= today:
        raise FieldError("move_from", "route_change_future")
    with db.atomic():
        area = CollectionArea.get_or_none(CollectionArea.name == name)
        before = _snapshot(area)
        if area is None:
            area = CollectionArea(name=name)
        area.route_weekday, area.biowaste = route_weekday, biowaste
        area.recycling = ",".join(t for t in RECYCLING_TYPES if t in recycling)
        area.save()
        moved = _move_route(actor, area, move_from) if move_from else 0
        after = {**_snapshot(area), **({"move_from": move_from, "contracts_moved": moved} if move_from else {})}
        if before != _snapshot(area) or moved:
            AuditLog.record(actor, "area_saved", area, before=before, after=after, ip=ip)
    per_context.forget()
    return area, moved


def _move_route(actor, area: CollectionArea, day: dt.date) -> int:
    """An approved route change from `day` for each contract of the area running then on
    another weekday; a route change already made for that day is replaced."""
    running = (WasteContract.select(WasteContract.id).join(Property)
               .where((Property.collection_area == area.name) & (WasteContract.start_date <= day) &
                      (WasteContract.end_date.is_null() | (WasteContract.end_date >= day))))
    WasteOrder.delete().where((WasteOrder.kind == "route_change") & WasteOrder.contract.in_(running) &
                              (WasteOrder.effective_date == day)).execute()
    contracts = WasteContract.select().where(WasteContract.id.in_(running))
    property_of = dict(contracts.select(WasteContract.id, WasteContract.property).tuples())
    plans = schedule.plans_for(contracts)
    now = utcnow()
    rows = [dict(property=property_of[p.contract_id], contract=p.contract_id, kind="route_change",
                 status="approved", effective_date=day, route_weekday=area.route_weekday,
                 request_key=f"route-{secrets.token_hex(12)}", created_at=now, created_by=actor.id,
                 decided_at=now, decided_by=actor.id)
            for p in plans if p.end is None or p.end >= day
            if p.terms_on(day).route_weekday != area.route_weekday]
    for start in range(0, len(rows), 500):
        WasteOrder.insert_many(rows[start:start + 500]).execute()
    return len(rows)
