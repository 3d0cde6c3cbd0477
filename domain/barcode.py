"""The Finnish bank barcode (virtuaaliviivakoodi), version 4 (national reference) and 5 (RF).

54 digits: version, the IBAN's 16 digits, euros (6) and cents (2), the reference, and the
due date as YYMMDD (000000 when there is none).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal


def _account(iban: str) -> str:
    compact = iban.replace(" ", "").upper()
    if not (compact.startswith("FI") and len(compact) == 18 and compact[2:].isdigit()):
        raise ValueError("a Finnish IBAN is FI + 16 digits")
    return compact[2:]


def _amount(amount: Decimal) -> str:
    cents = int((Decimal(amount) * 100).to_integral_value())
    if not 0 <= cents <= 99_999_999:
        return "0" * 8  # out of range: the payer types the amount
    return f"{cents // 100:06d}{cents % 100:02d}"


def _due(due: dt.date | None) -> str:
    return due.strftime("%y%m%d") if due else "000000"


def virtual_barcode(iban: str, amount: Decimal, reference: str, due: dt.date | None) -> str:
    reference = reference.replace(" ", "").upper()
    if reference.startswith("RF"):
        check, body = reference[2:4], reference[4:]
        code = f"5{_account(iban)}{_amount(amount)}{check}{body.zfill(21)}{_due(due)}"
    else:
        code = f"4{_account(iban)}{_amount(amount)}000{reference.zfill(20)}{_due(due)}"
    assert len(code) == 54, code
    return code
