"""Money is Decimal, rounded once per line to the cent with ROUND_HALF_UP."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

CENT = Decimal("0.01")


def to_decimal(value) -> Decimal:
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    return value if isinstance(value, Decimal) else Decimal(str(value))


def round_cents(value) -> Decimal:
    if type(value) is not Decimal:  # the common case skips to_decimal's checks: billing is hot
        value = to_decimal(value)
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def vat_part(gross: Decimal, vat_rate_percent: Decimal) -> Decimal:
    """The VAT contained in a VAT-inclusive amount, to the cent."""
    gross = to_decimal(gross)
    rate = to_decimal(vat_rate_percent)
    return round_cents(gross * rate / (Decimal(100) + rate))


def vat_breakdown(rows) -> list[tuple[Decimal, Decimal, Decimal, Decimal]]:
    """Per VAT rate (arvonlisäverolaki 209 e §): (rate, taxable amount, VAT, with VAT).
    Prices include VAT, so the VAT of a rate is taken from the sum of its rows once; the
    amounts with VAT add up to the invoice total."""
    gross: dict[Decimal, Decimal] = {}
    for row in rows:
        rate = to_decimal(row.vat_rate).quantize(CENT)  # 25.5 and 25.50 are one rate
        gross[rate] = gross.get(rate, Decimal(0)) + row.amount
    return [(rate, total - vat_part(total, rate), vat_part(total, rate), total)
            for rate, total in sorted(gross.items(), reverse=True)]


def largest_remainder(shares: list[Fraction], total, unit: Decimal) -> list[Decimal]:
    """Exact `shares` of `total` as multiples of `unit` that add up to `total` exactly: each
    is rounded down, and the units left over go to the largest remainders (the earlier
    share first on a tie). Used for m³ split by days, to the litre."""
    scale = 1 / Fraction(unit)
    parts = [Decimal((x * scale).numerator // (x * scale).denominator) * unit for x in shares]
    left = int((Decimal(total) - sum(parts, Decimal(0))) / unit)
    order = sorted(range(len(shares)), key=lambda i: shares[i] - Fraction(parts[i]), reverse=True)
    for i in order[:left]:
        parts[i] += unit
    return parts
