"""Waste prices: the price of one emptying, split into waste treatment and bin emptying.

Unit prices come from the price list (VAT included, up to four decimals). Each row's
amount is the unit price times the number of bins, rounded once to the cent; the total is
the sum of the rows shown, so the two can never disagree.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from domain.money import round_cents
from models import PriceListRow

COMPONENTS = ("waste_treatment", "bin_emptying")
# Every bin has an emptying price; the packaging fractions have no treatment fee (their
# producers pay the treatment), so the price list has no treatment row for them.
REQUIRED = "bin_emptying"


@dataclass(frozen=True)
class PriceLine:
    component: str
    unit_price: Decimal
    quantity: int
    amount: Decimal


@dataclass(frozen=True)
class EmptyingPrice:
    lines: tuple[PriceLine, ...]
    vat_rate: Decimal

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))


def price_lines(unit_prices: dict[str, Decimal], bins: int) -> tuple[PriceLine, ...]:
    return tuple(PriceLine(c, unit_prices[c], bins, round_cents(unit_prices[c] * bins))
                 for c in COMPONENTS if c in unit_prices)


def emptying_price(waste_type: str, bin_size: int, bins: int, day: dt.date) -> EmptyingPrice | None:
    """The price of emptying `bins` bins on `day`, or None when the price list has no row."""
    rows = list(PriceListRow.in_force(day).where(
        (PriceListRow.waste_type == waste_type) & (PriceListRow.bin_size == bin_size) &
        PriceListRow.component.in_(COMPONENTS)))
    if REQUIRED not in {r.component for r in rows}:
        return None
    return EmptyingPrice(price_lines({r.component: r.unit_price for r in rows}, bins),
                         rows[0].vat_rate)


def offered_bin_sizes(waste_type: str, day: dt.date) -> list[tuple[int, EmptyingPrice]]:
    """The bin sizes the price list offers for a waste type, with the price of one emptying."""
    sizes = sorted({s for (s,) in PriceListRow.in_force(day).where(
        PriceListRow.waste_type == waste_type).select(PriceListRow.bin_size).tuples()})
    offers = [(size, emptying_price(waste_type, size, 1, day)) for size in sizes]
    return [(size, price) for size, price in offers if price]


def priced_waste_types(day: dt.date) -> set[str]:
    """The waste types the price list has an emptying price for on `day`."""
    return {t for (t,) in PriceListRow.in_force(day).where(
        (PriceListRow.component == REQUIRED) & PriceListRow.waste_type.is_null(False))
        .select(PriceListRow.waste_type).distinct().tuples()}


SLUDGE_COMPONENTS = ("sludge_base", "sludge_m3")


def sludge_price(volume_m3: Decimal, day: dt.date) -> EmptyingPrice | None:
    """What emptying a tank of `volume_m3` costs on `day`: the base fee and the m³ price
    times the volume (the invoice bills the m³ the truck actually emptied)."""
    rows = {r.component: r for r in PriceListRow.in_force(day).where(
        PriceListRow.component.in_(SLUDGE_COMPONENTS))}
    if set(rows) != set(SLUDGE_COMPONENTS):
        return None
    base, per_m3 = rows["sludge_base"], rows["sludge_m3"]
    lines = (PriceLine("sludge_base", base.unit_price, 1, round_cents(base.unit_price)),
             PriceLine("sludge_m3", per_m3.unit_price, volume_m3, round_cents(per_m3.unit_price * volume_m3)))
    return EmptyingPrice(lines, base.vat_rate)
