"""Finnish payment references (viitenumero) and their RF form (ISO 11649). The national
7-3-1 check digit is ours; the RF form (ISO 7064 mod 97-10) is python-stdnum's."""
from __future__ import annotations

import re

from stdnum import iso11649
from stdnum.iso7064 import mod_97_10

_WEIGHTS = (7, 3, 1)


def fi_check_digit(base: str) -> int:
    """Check digit of a Finnish reference: weights 7, 3, 1 repeating from the right."""
    if not base.isdigit() or not 3 <= len(base) <= 19:
        raise ValueError("reference base must be 3-19 digits")
    total = sum(int(d) * _WEIGHTS[i % 3] for i, d in enumerate(reversed(base)))
    return (10 - total % 10) % 10


def fi_reference(base: int | str) -> str:
    """Base digits with the check digit appended: 1234567 -> 12345672."""
    base = str(base)
    return f"{base}{fi_check_digit(base)}"


def is_valid_fi_reference(ref: str) -> bool:
    digits = re.sub(r"\s", "", ref)
    if not digits.isdigit() or not 4 <= len(digits) <= 20:
        return False
    return fi_check_digit(digits[:-1]) == int(digits[-1])


def rf_reference(fi_ref: str) -> str:
    """International form of a Finnish reference: RF + two check digits + the reference."""
    body = fi_ref.lstrip("0") or "0"
    return f"RF{mod_97_10.calc_check_digits(body + 'RF')}{body}"


def is_valid_rf_reference(ref: str) -> bool:
    return iso11649.is_valid(re.sub(r"\s", "", ref or ""))
