"""CSV for spreadsheets: what every export of the app is written with.

- Finnish Excel opens a file right when it is UTF-8 with a byte-order mark and `;` between
  the cells (a comma is the decimal separator in Finnish).
- A text cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return could run as
  a formula when opened (CSV injection, OWASP): it gets a leading `'`, which spreadsheets
  show as text. Numbers are written as they are.
"""
from __future__ import annotations

import csv
import io
from decimal import Decimal

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def safe_cell(value) -> str | int | Decimal:
    if value is None:
        return ""
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(header, rows) -> bytes:
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue().encode("utf-8")
