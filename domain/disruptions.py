"""Disruption notices: customer service tells the residents of some collection areas,
billing groups or streets about a water cut, boil-water advice or a delayed route.

A notice is shown on the home screen of every resident it concerns from its first to its
last day, and when it is published each of them is told by email and push as they have
chosen (the kind "disruptions", on by default).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from domain.errors import FieldError
from models import AuditLog, ConsumptionPoint, DisruptionNotice, NotificationPref, Property, User, db
from outbound.notify import notify

MAX_DAYS = 366  # a notice is about a disruption, not a standing announcement


@dataclass
class Draft:
    kind: str
    title: str
    body: str
    collection_areas: list[str]
    billing_groups: list[str]
    streets: list[str]
    starts_on: dt.date
    ends_on: dt.date


def street_name(address: str) -> str:
    """'KOIVUKUJA 9 B 3' -> 'KOIVUKUJA': the street a notice names, without the number."""
    return re.split(r"\s+\d", address.strip().upper(), maxsplit=1)[0].strip()


def publish(staff, draft: Draft, *, today: dt.date, ip=None) -> tuple[DisruptionNotice, int]:
    """Store the notice and tell the residents it concerns; returns (notice, residents told)."""
    if draft.kind not in DisruptionNotice.KINDS:
        raise FieldError("kind", "notice_kind")
    if not (draft.collection_areas or draft.billing_groups or draft.streets):
        raise FieldError("", "notice_nobody")
    if draft.ends_on < draft.starts_on:
        raise FieldError("ends_on", "end_before_start")
    if draft.ends_on < today:
        raise FieldError("ends_on", "notice_in_past")
    if (draft.ends_on - draft.starts_on).days > MAX_DAYS:
        raise FieldError("ends_on", "notice_too_long", days=MAX_DAYS)
    with db.atomic():
        notice = DisruptionNotice.create(
            kind=draft.kind, title=draft.title.strip(), body=draft.body.strip(),
            collection_areas="\n".join(draft.collection_areas), billing_groups="\n".join(draft.billing_groups),
            streets="\n".join(street_name(s) for s in draft.streets), starts_on=draft.starts_on,
            ends_on=draft.ends_on, created_by=staff)
        AuditLog.record(staff, "notice_publish", notice, after={"title": notice.title, "ends_on": notice.ends_on},
                        ip=ip)
    # Each resident is told in a short transaction of their own (as the reminders are), so
    # the write lock is not held while thousands of messages are written.
    users = affected_users(notice)
    chosen = NotificationPref.choices([u.id for u in users], "disruptions")
    told = 0
    for user in users:
        with db.atomic():
            told += notify(user, "disruption_notice", "disruptions", channels=chosen[user.id], notice=notice)
    return notice, told


def end(staff, notice: DisruptionNotice, *, today: dt.date, ip=None) -> None:
    """The disruption is over: the notice leaves the home screens from tomorrow."""
    with db.atomic():
        notice.ends_on = min(notice.ends_on, max(today, notice.starts_on))
        notice.save(only=[DisruptionNotice.ends_on])
        AuditLog.record(staff, "notice_end", notice, after={"ends_on": notice.ends_on}, ip=ip)


def _properties_of(notice: DisruptionNotice):
    lines = DisruptionNotice.lines
    areas, groups, streets = lines(notice.collection_areas), lines(notice.billing_groups), lines(notice.streets)
    in_groups = ConsumptionPoint.select(ConsumptionPoint.property).where(ConsumptionPoint.billing_group.in_(groups))
    condition = Property.collection_area.in_(areas) | Property.id.in_(in_groups)
    for street in streets:  # addresses are stored in capitals; the notice names the street only
        condition |= (Property.street == street) | Property.street.startswith(street + " ")
    return Property.select(Property.customer).where(condition)


def affected_users(notice: DisruptionNotice) -> list[User]:
    return list(User.select().where(User.customer.in_(_properties_of(notice)) & User.active))


def in_force_for(user, day: dt.date) -> list[DisruptionNotice]:
    """The notices in force on `day` that concern one of the user's properties."""
    notices = list(DisruptionNotice.in_force(day))
    if not notices:
        return []
    properties = list(Property.visible_to(user).select(Property.id, Property.street, Property.collection_area))
    groups = {g for (g,) in ConsumptionPoint.select(ConsumptionPoint.billing_group)
              .where(ConsumptionPoint.property.in_(properties)).tuples()}
    areas = {p.collection_area for p in properties}
    streets = {street_name(p.street) for p in properties}
    lines = DisruptionNotice.lines
    return [n for n in notices if areas & set(lines(n.collection_areas)) or groups & set(lines(n.billing_groups))
            or streets & set(lines(n.streets))]
