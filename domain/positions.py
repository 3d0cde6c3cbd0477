"""A meter's value on a day, the unit of everything billing and consumption count from."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class MeterPosition:
    """A reading, a meter's start, or the estimated final reading of a meter replaced
    without one (`estimated`). `reading_id` names the stored reading, if any."""

    day: dt.date
    value: int
    reading_id: int | None = None
    estimated: bool = False
