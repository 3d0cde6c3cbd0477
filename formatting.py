"""The one way dates, numbers and money are shown: Finnish conventions in every language.

Dates are d.m.yyyy, the decimal separator is a comma, the euro sign follows the amount.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from babel.dates import format_date as babel_format_date
from babel.numbers import format_decimal

from models.clock import to_local, today

# Finnish-region variants so that Swedish and English also use the comma and d.m.yyyy.
BABEL_LOCALES = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_FI"}


def _babel_locale(lang: str) -> str:
    return BABEL_LOCALES.get(lang, "fi_FI")


# What a date field accepts: the browser's ISO date, or the Finnish way of writing it.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]


def format_date(value: dt.date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = to_local(value).date()
    return f"{value.day}.{value.month}.{value.year}"


def format_day(value: dt.date, lang: str) -> str:
    """A day close at hand, with its weekday: "pe 27.11." (the year when it is not this one)."""
    weekday = babel_format_date(value, "EEE", locale=_babel_locale(lang))
    year = "" if value.year == today().year else str(value.year)
    return f"{weekday} {value.day}.{value.month}.{year}"


def format_datetime(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    local = to_local(value)
    return f"{format_date(local.date())} {local.hour}.{local.minute:02d}"


def format_number(value, lang: str, *, decimals: int = 0, max_decimals: int | None = None) -> str:
    max_decimals = decimals if max_decimals is None else max_decimals
    pattern = "#,##0" + ("." + "0" * decimals + "#" * (max_decimals - decimals) if max_decimals else "")
    return format_decimal(Decimal(value), format=pattern, locale=_babel_locale(lang),
                          decimal_quantization=True, group_separator=True)


def format_money(value: Decimal, lang: str) -> str:
    """6,93 € (a no-break space before the euro sign)."""
    return f"{format_number(value, lang, decimals=2)}\u00a0€"


def format_unit_price(value: Decimal, lang: str) -> str:
    """A unit price keeps up to four decimals, at least two: 3,950 €."""
    value = Decimal(value).normalize()
    decimals = max(2, min(4, -value.as_tuple().exponent if value.as_tuple().exponent < 0 else 0))
    return f"{format_number(value, lang, decimals=decimals)}\u00a0€"


def format_reference(ref: str) -> str:
    """A payment reference in print form: groups of five from the right (12345 67890), RF in groups of four."""
    if ref.startswith("RF"):
        return " ".join(ref[i:i + 4] for i in range(0, len(ref), 4))
    head = len(ref) % 5
    parts = [ref[:head]] if head else []
    parts += [ref[i:i + 5] for i in range(head, len(ref), 5)]
    return " ".join(parts)
