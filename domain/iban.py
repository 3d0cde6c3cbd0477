"""IBAN check (ISO 13616) by python-stdnum: the country's length and format from its
registry and the mod-97 check digits (a Finnish IBAN is 18 characters)."""
from __future__ import annotations

import re

from stdnum import iban as _iban


def normalize(iban: str) -> str:
    return re.sub(r"\s", "", iban or "").upper()


def is_valid_iban(iban: str) -> bool:
    return _iban.is_valid(normalize(iban))


def format_iban(iban: str) -> str:
    return _iban.format(normalize(iban))
