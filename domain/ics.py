"""The calendar feed: a property's planned emptyings of the next 12 months as RFC 5545."""
from __future__ import annotations

import datetime as dt

from flask_babel import force_locale, gettext as _
from icalendar import Alarm, Calendar, Event

from domain import schedule
from models.clock import utcnow



def feed(prop, plans, lang: str, start: dt.date) -> bytes:
    end = start + dt.timedelta(days=365)
    stamp = utcnow().replace(tzinfo=dt.timezone.utc)
    calendar = Calendar()
    calendar.add("prodid", "-//Kotipiha//Emptying calendar//FI")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    seen = set()
    with force_locale(lang):
        calendar.add("x-wr-calname", _("Emptyings: %(address)s", address=prop.street))
        calendar.add("x-wr-timezone", "Europe/Helsinki")
        for plan in plans:
            for emptying in schedule.planned_emptyings(plan, start, end):
                key = (emptying.day, emptying.waste_type)
                if key in seen:
                    continue
                seen.add(key)
                calendar.add_component(_event(prop, emptying, stamp))
    return calendar.to_ical()


def _event(prop, emptying, stamp) -> Event:
    waste_name = _("Mixed waste") if emptying.waste_type == "mixed" else _("Biowaste")
    event = Event()
    event.add("uid", f"{emptying.day:%Y%m%d}-{emptying.waste_type}-{prop.id}@kotipiha")
    event.add("dtstamp", stamp)
    event.add("dtstart", emptying.day)
    event.add("dtend", emptying.day + dt.timedelta(days=1))
    event.add("summary", _("%(waste)s: emptying (±1 day)", waste=waste_name))
    event.add("location", prop.address)
    event.add("transp", "TRANSPARENT")
    if emptying.moved:
        event.add("description", _("Moved from %(date)s because of a public holiday.",
                                   date=f"{emptying.planned_day.day}.{emptying.planned_day.month}.{emptying.planned_day.year}"))
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", _("Put the bin out tonight: %(waste)s is emptied tomorrow (±1 day).",
                               waste=waste_name))
    alarm.add("trigger", dt.timedelta(hours=-6))  # 18.00 the evening before
    event.add_component(alarm)
    return event


def renew_feed_token(prop, user) -> bool:
    """A new secret address for the property's calendar feed (the old one stops working);
    True when there was one before."""
    import secrets
    from models import AuditLog, Property, db
    had_one = bool(prop.calendar_token)
    with db.atomic():
        prop.calendar_token = secrets.token_urlsafe(24)
        prop.save(only=[Property.calendar_token])
        AuditLog.record(user, "calendar_feed_renew" if had_one else "calendar_feed_create", prop)
    return had_one
