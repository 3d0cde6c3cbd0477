"""Reminders residents get by email and push (pickup, reading, composting renewal), and
what each resident has chosen to get.

Each reminder goes out once: a NotificationLog key names it (who, what, for which date),
and the message is queued in the same transaction as the key. Every reminder respects the
resident's preferences and carries a one-click unsubscribe link for its kind
(`outbound.notify` writes and sends it).
"""
from __future__ import annotations

import datetime as dt

from peewee import IntegrityError

from domain import schedule
from outbound.notify import notify
from models import (AuditLog, BillingCalendar, CompostNotice, ConsumptionPoint, Meter, NotificationLog,
                    NotificationPref, Property, Reading, User, WasteContract, db)

RENEWAL_NOTICE_DAYS = (60, 14)


def set_preference(user, kind: str, enabled: bool, channel: str = "email") -> None:
    (NotificationPref.insert(user=user, kind=kind, channel=channel, enabled=enabled)
     .on_conflict(conflict_target=[NotificationPref.user, NotificationPref.kind, NotificationPref.channel],
                  update={NotificationPref.enabled: enabled}).execute())


def save_preferences(user, chosen: dict, *, ip=None) -> None:
    """Every kind and channel at once, with one audit-log row: {(kind, channel): on}."""
    with db.atomic():
        for (kind, channel), enabled in chosen.items():
            set_preference(user, kind, enabled, channel)
        AuditLog.record(user, "notification_prefs", user,
                        after={(k if c == "email" else f"{k}-{c}"): v for (k, c), v in chosen.items()}, ip=ip)


def unsubscribe(user, kind: str, *, ip=None) -> None:
    """The one-click link of an email: that kind off, by email, for that user only."""
    with db.atomic():
        set_preference(user, kind, False)
        AuditLog.record(user, "unsubscribe", user, after={"kind": kind}, ip=ip)


def _send_once(key: str, user, template: str, kind: str, channels: dict, **context) -> bool:
    """Notify once per key, for a user whose choices `channels` want it on some channel."""
    if not any(channels.values()):
        return False
    try:
        with db.atomic():
            NotificationLog.create(key=key)
            return notify(user, template, kind, channels=channels, **context)
    except IntegrityError:
        return False


def _residents_of(customer_ids):
    users = {}
    for user in User.select().where(User.customer.in_(list(customer_ids)) & User.active):
        users.setdefault(user.customer_id, []).append(user)
    return users


def pickup_reminders(day: dt.date) -> int:
    """The evening before each planned emptying, to residents who asked for it."""
    tomorrow = day + dt.timedelta(days=1)
    wanting = (User.select(User.customer).join(NotificationPref)
               .where((NotificationPref.kind == "pickup") & NotificationPref.enabled & User.active))  # any channel
    contracts = WasteContract.select().join(Property).where(Property.customer.in_(wanting))
    plans = schedule.plans_for(contracts)
    due = {p.contract_id: e for p in plans for e in schedule.planned_emptyings(p, tomorrow, tomorrow)[:1]}
    by_contract = {c.id: c for c in WasteContract.select(WasteContract, Property).join(Property)
                   .where(WasteContract.id.in_(list(due)))}
    users = _residents_of({c.property.customer_id for c in by_contract.values()})
    chosen = NotificationPref.choices([u.id for us in users.values() for u in us], "pickup")
    sent = 0
    for contract_id, emptying in due.items():
        contract = by_contract[contract_id]
        for user in users.get(contract.property.customer_id, []):
            # A move beyond the promised ±1 day is told in words, with the holidays behind it.
            holidays = (", ".join(schedule.holidays_between(emptying.planned_day, emptying.day, user.language))
                        if emptying.beyond_promise else None)
            sent += _send_once(f"pickup:{user.id}:{contract.id}:{tomorrow}", user, "pickup_reminder",
                               "pickup", chosen[user.id], contract=contract, day=tomorrow,
                               planned=emptying.planned_day, holidays=holidays)
    return sent


def reading_reminders(day: dt.date) -> int:
    """A week before a group's last reporting day, to customers with a mechanical meter who
    have not reported in the period; and the December reading card (report by 31.12.)."""
    sent = 0
    for period in BillingCalendar.select().where(BillingCalendar.report_by == day + dt.timedelta(days=7)):
        sent += _remind_readers(period.billing_group, period.period_start, period.report_by,
                                f"reading:{period.billing_group}:{period.period_start}")
    if day.month == 12 and day.day == 1:
        year_end = dt.date(day.year, 12, 31)
        for group in ("1", "2", "3"):
            sent += _remind_readers(group, dt.date(day.year, 1, 1), year_end, f"reading-card:{day.year}")
    return sent


def _remind_readers(group: str, start: dt.date, report_by: dt.date, key_prefix: str) -> int:
    reported = Reading.select(Reading.meter).where(Reading.read_on.between(start, report_by))
    points = list(ConsumptionPoint.select(ConsumptionPoint, Property).join(Property).switch(ConsumptionPoint)
                  .join(Meter).where((ConsumptionPoint.billing_group == group) & (Meter.kind == "mechanical") &
                                     Meter.removed_on.is_null() & Meter.id.not_in(reported)))
    users = _residents_of({p.property.customer_id for p in points})
    chosen = NotificationPref.choices([u.id for us in users.values() for u in us], "reading")
    sent = 0
    for point in points:
        for user in users.get(point.property.customer_id, []):
            sent += _send_once(f"{key_prefix}:{point.id}:{user.id}", user, "reading_reminder", "reading",
                               chosen[user.id], point=point, report_by=report_by)
    return sent


def compost_renewals(day: dt.date) -> int:
    """60 and 14 days before a composting notice expires, unless it was renewed."""
    sent = 0
    for days in RENEWAL_NOTICE_DAYS:
        renewed = CompostNotice.select(CompostNotice.renews).where(CompostNotice.renews.is_null(False))
        notices = list(CompostNotice.select(CompostNotice, User).join(User)
                       .where((CompostNotice.valid_until == day + dt.timedelta(days=days)) &
                              CompostNotice.id.not_in(renewed)))
        chosen = NotificationPref.choices([n.user_id for n in notices], "composting")
        for notice in notices:
            sent += _send_once(f"compost:{notice.id}:{days}", notice.user, "compost_renewal",
                               "composting", chosen[notice.user_id], notice=notice, days=days)
    return sent


def sludge_reminders(overdue) -> int:
    """A septic tank past its interval (domain.sludge.overdue): once per due date, to the
    residents who want these reminders."""
    users = _residents_of({system.property.customer_id for system, _by, _last in overdue})
    chosen = NotificationPref.choices([u.id for us in users.values() for u in us], "sludge")
    sent = 0
    for system, by, last in overdue:
        for user in users.get(system.property.customer_id, []):
            sent += _send_once(f"sludge:{system.id}:{by}:{user.id}", user, "sludge_reminder", "sludge",
                               chosen[user.id], system=system, prop=system.property, due_by=by, last=last)
    return sent
