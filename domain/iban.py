"""IBAN check (ISO 13616): country, check digits by mod 97, Finnish length 18."""
from __future__ import annotations

import re


def normalize(iban: str) -> str:
    return re.sub(r"\s", "", iban or "").upper()


def is_valid_iban(iban: str) -> bool:
    compact = normalize(iban)
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", compact):
        return False
    if compact.startswith("FI") and len(compact) != 18:
        return False
    digits = "".join(str(int(ch, 36)) for ch in compact[4:] + compact[:4])
    return int(digits) % 97 == 1


def format_iban(iban: str) -> str:
    compact = normalize(iban)
    return " ".join(compact[i:i + 4] for i in range(0, len(compact), 4))
