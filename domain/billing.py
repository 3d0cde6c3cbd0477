"""Water and waste billing: what an invoice bills, computed without the database.

Water (seeds 002-004). An invoice for a billing period carries the basic fees of its
months and the consumption:
- without a new reading, estimated m³ (annual estimate × days / 365) for the days not yet
  estimated;
- with a new reading, a balancing: the actual m³ from the previous balanced reading to the
  new one, minus the m³ already billed as estimates for those days (a negative row), then
  estimates from the reading to the end of the period.
Every consumption row is split where a tariff or VAT rate changes, by days. Quantities
are m³ to the litre; a balancing deducts the difference of the rounded cumulative
estimate, so over any run of invoices estimates plus balancing equal the actual
consumption exactly.

Waste: every emptying done and not yet billed becomes bin-emptyings at the price of its
date, waste treatment and bin emptying as separate rows.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from domain.money import round_cents

Q3 = Decimal("0.001")
ONE_DAY = dt.timedelta(days=1)
WATER_COMPONENTS = ("water", "wastewater")
BASIC_COMPONENTS = ("water_basic_fee", "wastewater_basic_fee")


@dataclass
class Row:
    code: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    vat_rate: Decimal
    period_start: dt.date | None = None
    period_end: dt.date | None = None  # inclusive
    meta: dict = field(default_factory=dict)
    amount: Decimal = field(init=False)

    def __post_init__(self):
        # Rounded once, when the row is made; quantity and unit price never change after.
        self.amount = round_cents(self.quantity * self.unit_price)


def total(rows) -> Decimal:
    return sum((r.amount for r in rows), Decimal("0.00"))


# -- tariffs --------------------------------------------------------------------------

@dataclass(frozen=True)
class Price:
    valid_from: dt.date
    valid_to: dt.date | None
    unit_price: Decimal
    vat_rate: Decimal


class Tariffs:
    """The price list in memory: component (and meter size or bin) -> prices over time."""

    def __init__(self, price_rows):
        self._prices: dict[tuple, list[Price]] = defaultdict(list)
        for row in price_rows:
            meter_size, bin_size = getattr(row, "meter_size", None), getattr(row, "bin_size", None)
            variant = meter_size or ((getattr(row, "waste_type", None), bin_size) if bin_size else None)
            key = (row.component, variant)
            self._prices[key].append(Price(row.valid_from, row.valid_to, row.unit_price, row.vat_rate))
        for prices in self._prices.values():
            prices.sort(key=lambda p: p.valid_from)
        self.memo: dict = {}  # results that are the same for every point of a run

    def price(self, component: str, day: dt.date, variant=None) -> Price:
        for price in self._prices.get((component, variant), ()):
            if price.valid_from <= day and (price.valid_to is None or day <= price.valid_to):
                return price
        raise LookupError(f"no price for {component} {variant} on {day}")

    def boundaries(self, components, start: dt.date, end: dt.date, variant=None) -> list[dt.date]:
        """[start, …change days…, end): where any of the components' prices change."""
        key = ("boundaries", tuple(components), start, end, variant)
        if key not in self.memo:
            self.memo[key] = self._boundaries(components, start, end, variant)
        return self.memo[key]

    def _boundaries(self, components, start, end, variant):
        days = {start, end}
        for component in components:
            for price in self._prices.get((component, variant), ()):
                if start < price.valid_from < end:
                    days.add(price.valid_from)
                if price.valid_to and start < price.valid_to + ONE_DAY < end:
                    days.add(price.valid_to + ONE_DAY)
        return sorted(days)


def _segments(tariffs, start, end, components=WATER_COMPONENTS, variant=None):
    edges = tariffs.boundaries(components, start, end, variant)
    return list(zip(edges, edges[1:]))


# -- water ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Position:
    day: dt.date
    value: int
    reading_id: int | None = None


@dataclass(frozen=True)
class EstimateSpan:
    """m³ billed as an estimate for the days [start, end)."""

    start: dt.date
    end: dt.date
    m3: Decimal


@dataclass
class PointHistory:
    """What earlier invoices of a point billed, as far as the next invoice needs it."""

    base: Position  # the latest balanced reading (or where billing started)
    estimates: list[EstimateSpan] = field(default_factory=list)
    estimated_until: dt.date | None = None  # the first day no estimate has covered yet

    def cumulative_estimate(self, day: dt.date) -> Fraction:
        """m³ billed as estimates for the days before `day`."""
        used = Fraction(0)
        for span in self.estimates:
            days = (span.end - span.start).days
            covered = (min(span.end, day) - span.start).days
            if covered > 0 and days > 0:
                used += Fraction(span.m3) * min(covered, days) / days
        return used


def _round3(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Q3)


def estimate_rows(start: dt.date, end: dt.date, annual_m3: int, tariffs: Tariffs) -> list[Row]:
    rows = []
    for s, e in _segments(tariffs, start, end):
        m3 = _round3(Fraction(annual_m3 * (e - s).days, 365))
        for component in WATER_COMPONENTS:
            price = tariffs.price(component, s)
            rows.append(Row(f"{component}_estimate", m3, "m3", price.unit_price, price.vat_rate,
                            s, e - ONE_DAY))
    return rows


def balancing_rows(history: PointHistory, latest: Position, actual_m3: int,
                   tariffs: Tariffs) -> list[Row]:
    """Actual m³ since the base reading, minus the estimates billed for those days."""
    start, end = history.base.day, latest.day
    segments = _segments(tariffs, start, end)
    actual = _split(actual_m3, segments)
    rows = []
    for (s, e), part in zip(segments, actual):
        deducted = (_round3(history.cumulative_estimate(e)) - _round3(history.cumulative_estimate(s)))
        for component in WATER_COMPONENTS:
            price = tariffs.price(component, s)
            rows.append(Row(f"{component}_actual", part, "m3", price.unit_price, price.vat_rate, s,
                            e - ONE_DAY))
        if deducted:
            for component in WATER_COMPONENTS:
                price = tariffs.price(component, s)
                rows.append(Row(f"{component}_estimate_deduction", -deducted, "m3", price.unit_price,
                                price.vat_rate, s, e - ONE_DAY))
    rows[0].meta = {"previous": [start.isoformat(), history.base.value],
                    "latest": [end.isoformat(), latest.value]}
    return rows


def _split(m3: int, segments) -> list[Decimal]:
    """m³ over the segments by days, to the litre, adding up exactly."""
    if len(segments) == 1:
        return [Decimal(m3)]
    days = [(e - s).days for s, e in segments]
    whole = sum(days)
    shares = [Fraction(m3 * d, whole) for d in days]
    parts = [Decimal((x * 1000).numerator // (x * 1000).denominator) * Q3 for x in shares]
    left = int((Decimal(m3) - sum(parts)) / Q3)
    order = sorted(range(len(shares)), key=lambda i: shares[i] - Fraction(parts[i]), reverse=True)
    for i in order[:left]:
        parts[i] += Q3
    return parts


def basic_fee_rows(start: dt.date, end: dt.date, meter_size: str, tariffs: Tariffs) -> list[Row]:
    """The fixed fees of the whole months of [start, end], at the price of each month.
    (The same for every point of a period: made once per run, rows are never changed.)"""
    key = ("fees", start, end, meter_size)
    if key not in tariffs.memo:
        tariffs.memo[key] = _basic_fee_rows(start, end, meter_size, tariffs)
    return list(tariffs.memo[key])


def _basic_fee_rows(start, end, meter_size, tariffs) -> list[Row]:
    months = []
    day = start.replace(day=1)
    while day <= end:
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    rows = []
    for component in BASIC_COMPONENTS:
        groups: dict[Price, list[dt.date]] = {}
        for month in months:
            groups.setdefault(tariffs.price(component, month, meter_size), []).append(month)
        for price, group in groups.items():
            last = (group[-1] + dt.timedelta(days=32)).replace(day=1) - ONE_DAY
            rows.append(Row(component, Decimal(len(group)), "month", price.unit_price, price.vat_rate,
                            group[0], last))
    return rows


@dataclass
class WaterBill:
    rows: list[Row]
    balanced: Position | None  # the reading this invoice balanced to, if any
    estimated_until: dt.date


def water_bill(history: PointHistory, *, period_start: dt.date, period_end: dt.date,
               latest: Position | None, actual_m3: int | None, annual_m3: int,
               meter_size: str, tariffs: Tariffs) -> WaterBill:
    """The rows of one point's invoice for a billing period (the period end inclusive)."""
    rows = basic_fee_rows(period_start, period_end, meter_size, tariffs)
    stop = period_end + ONE_DAY
    estimated_until = history.estimated_until or max(period_start, history.base.day)
    balanced = None
    if latest is not None and latest.day > history.base.day:
        rows += balancing_rows(history, latest, actual_m3, tariffs)
        balanced = latest
        estimated_until = max(estimated_until, latest.day)
    if estimated_until < stop:
        rows += estimate_rows(estimated_until, stop, annual_m3, tariffs)
        estimated_until = stop
    return WaterBill(rows, balanced, estimated_until)


# -- waste -------------------------------------------------------------------------------

def waste_rows(emptyings, tariffs: Tariffs) -> list[Row]:
    """emptyings: (day, waste_type, bin_size, bins). One row per component and price."""
    grouped: dict[tuple, Decimal] = defaultdict(Decimal)
    spans: dict[tuple, list[dt.date]] = defaultdict(list)
    for day, waste_type, bin_size, bins in emptyings:
        for component in ("waste_treatment", "bin_emptying"):
            price = tariffs.price(component, day, (waste_type, bin_size))
            key = (component, waste_type, bin_size, price)
            grouped[key] += bins
            spans[key].append(day)
    rows = []
    for (component, waste_type, bin_size, price), count in sorted(
            grouped.items(), key=lambda kv: (kv[0][1], kv[0][2], min(spans[kv[0]]), kv[0][0])):
        rows.append(Row(f"{component}", count, "emptying", price.unit_price, price.vat_rate,
                        min(spans[(component, waste_type, bin_size, price)]),
                        max(spans[(component, waste_type, bin_size, price)]),
                        {"waste_type": waste_type, "bin_size": bin_size}))
    return rows


def credit_row(amount: Decimal, source_number: str) -> Row:
    """An earlier credit used on this invoice (VAT was already accounted on its source)."""
    return Row("credit", Decimal(1), "pcs", -amount, Decimal(0), meta={"invoice": source_number})
