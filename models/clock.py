"""The one source of "now" and "today" for the whole app.

Everything that depends on the date asks here, so tests and the scheduler can run the
app at any moment (`set_clock`) without patching our own code.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

HELSINKI = ZoneInfo("Europe/Helsinki")
UTC = dt.timezone.utc

_override: dt.datetime | None = None


def set_clock(moment: dt.datetime | None) -> None:
    """Freeze the clock at an aware datetime, or return to real time with None."""
    if moment is not None and moment.tzinfo is None:
        raise ValueError("set_clock needs an aware datetime")
    global _override
    _override = moment


def now() -> dt.datetime:
    """Aware current time in Europe/Helsinki."""
    moment = _override or dt.datetime.now(UTC)
    return moment.astimezone(HELSINKI)


def utcnow() -> dt.datetime:
    """Naive UTC time, the form timestamps are stored in."""
    return now().astimezone(UTC).replace(tzinfo=None)


def today() -> dt.date:
    """Today's date in Helsinki."""
    return now().date()


def to_local(stored: dt.datetime) -> dt.datetime:
    """A stored naive-UTC timestamp as Helsinki time."""
    return stored.replace(tzinfo=UTC).astimezone(HELSINKI)
