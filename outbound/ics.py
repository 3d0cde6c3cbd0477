"""The calendar feed: a property's planned emptyings as RFC 5545."""
from __future__ import annotations

import datetime as dt

from flask_babel import force_locale, gettext as _
from icalendar import Alarm, Calendar, Event

from formatting import format_date
from models.clock import utcnow


def feed(prop, emptyings, lang: str, name_of, why_moved) -> bytes:
    """The feed of `emptyings` (schedule.PlannedEmptying, in date order): one event a day
    and waste type, with an alarm the evening before. `name_of(waste_type)` names a bin's
    waste in the feed's language (it is called inside it), `why_moved(emptying)` the
    holidays or announced days that moved it."""
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
        for emptying in emptyings:
            key = (emptying.day, emptying.waste_type)
            if key in seen:
                continue
            seen.add(key)
            calendar.add_component(_event(prop, emptying, stamp, name_of(emptying.waste_type), why_moved))
    return calendar.to_ical()


def _event(prop, emptying, stamp, waste_name: str, why_moved) -> Event:
    event = Event()
    event.add("uid", f"{emptying.day:%Y%m%d}-{emptying.waste_type}-{prop.id}@kotipiha")
    event.add("dtstamp", stamp)
    event.add("dtstart", emptying.day)
    event.add("dtend", emptying.day + dt.timedelta(days=1))
    event.add("summary", _("%(waste)s: emptying (±1 day)", waste=waste_name))
    event.add("location", prop.address)
    event.add("transp", "TRANSPARENT")
    if emptying.moved:
        event.add("description", _("Moved from %(date)s: %(reasons)s.",
                                   date=format_date(emptying.planned_day), reasons=why_moved(emptying)))
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", _("Put the bin out tonight: %(waste)s is emptied tomorrow (±1 day).",
                               waste=waste_name))
    alarm.add("trigger", dt.timedelta(hours=-6))  # 18.00 the evening before
    event.add_component(alarm)
    return event
