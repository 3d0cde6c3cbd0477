"""Water and waste billing: what an invoice bills, computed without the database.

Water (seeds 002-004). An invoice for a billing period carries the basic fees of its
months and the consumption:
- without a new reading, estimated m³ (annual estimate × days / 365) for the days not yet
  estimated;
- with a new reading, a balancing: the actual m³ from the previous balanced reading to the
  new one, minus the estimates already billed for those days (negative rows), then
  estimates from the reading to the end of the period.
Every consumption row is split where a tariff or VAT rate changes, by days. Quantities
are m³ to the litre.

The deduction (seed 004, item 5) takes back exactly what the estimate rows billed, in
euros and m³, at the price they were billed at: an estimate row wholly inside the
balanced span is deducted to the cent; one that the reading cuts is deducted by days,
rounded cumulatively (the part up to day k is round(amount × k / days)), so the parts
deducted by successive balancings add up to the row exactly. Over any run of invoices
the estimates plus balancings equal the actual consumption exactly, in m³ and in euros.
An estimate span without billed euros (from the previous billing system) is deducted at
the price list's price of its first day.

Fixed fees are billed by whole months, and by days for a part of a month (after an
owner change: the previous owner up to the possession day, the new owner from the day
after), at price × days / days of the month.

Waste: every emptying done and not yet billed becomes bin-emptyings at the price of its
date, waste treatment and bin emptying as separate rows.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from domain.money import CENT, largest_remainder, round_cents
from domain.positions import MeterPosition

Q3 = Decimal("0.001")
Q4 = Decimal("0.0001")
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
    amount: Decimal | None = None  # given only where the row takes back euros billed earlier

    def __post_init__(self):
        # Rounded once, when the row is made; quantity and unit price never change after.
        if self.amount is None:
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

    def has(self, component: str, variant=None) -> bool:
        """Whether the price list prices `component` for `variant` at all (on some day)."""
        return (component, variant) in self._prices

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
class EstimateSpan:
    """m³ of a component billed as an estimate for the days [start, end), and its euros
    (None for the previous system's estimates: priced from the price list)."""

    start: dt.date
    end: dt.date
    m3: Decimal
    component: str = "water"
    unit_price: Decimal | None = None
    vat_rate: Decimal | None = None
    amount: Decimal | None = None


@dataclass
class PointHistory:
    """What earlier invoices of a point billed, as far as the next invoice needs it."""

    base: MeterPosition  # the latest balanced reading (or where billing started)
    estimates: list[EstimateSpan] = field(default_factory=list)
    estimated_until: dt.date | None = None  # the first day no estimate has covered yet
    fees_from: dt.date | None = None  # after an owner change: the new owner's first day

    def deducted_before(self, day: dt.date, component: str = "water") -> Decimal:
        """m³ of the estimates for the days before `day` that a balancing up to it deducts."""
        return sum((_part(s.m3, _days_in(s, day), s, Q3) for s in self.estimates if s.component == component),
                   Decimal(0))


def _days_in(span: EstimateSpan, day: dt.date) -> int:
    """How many of the span's days are before `day`."""
    return min(max((day - span.start).days, 0), (span.end - span.start).days)


def _part(value: Decimal, days: int, span: EstimateSpan, unit: Decimal) -> Decimal:
    """The part of a span's value for its first `days` days, rounded: exact at the ends."""
    whole = (span.end - span.start).days
    if days >= whole:
        return value
    if days <= 0:
        return Decimal(0) * unit
    return (value * days / whole).quantize(unit, rounding=ROUND_HALF_UP)


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


def balancing_rows(history: PointHistory, latest: MeterPosition, actual_m3: int,
                   tariffs: Tariffs) -> list[Row]:
    """Actual m³ since the base reading, minus the estimates billed for those days."""
    start, end = history.base.day, latest.day
    segments = _segments(tariffs, start, end)
    actual = _split(actual_m3, segments)
    rows = []
    for (s, e), part in zip(segments, actual):
        for component in WATER_COMPONENTS:
            price = tariffs.price(component, s)
            rows.append(Row(f"{component}_actual", part, "m3", price.unit_price, price.vat_rate, s,
                            e - ONE_DAY))
    rows += deduction_rows(history.estimates, start, end, tariffs)
    rows[0].meta = {"previous": [start.isoformat(), history.base.value],
                    "latest": [end.isoformat(), latest.value]}
    return rows


def deduction_rows(spans, start: dt.date, end: dt.date, tariffs: Tariffs) -> list[Row]:
    """Take back what the estimate spans billed for the days [start, end): one row per
    component and billed price, its euros exactly those billed (see the module doc)."""
    groups: dict[tuple, list] = {}
    for span in spans:
        before, through = _days_in(span, start), _days_in(span, end)
        if through <= before:
            continue
        unit_price, vat_rate, amount = span.unit_price, span.vat_rate, span.amount
        if amount is None:
            price = tariffs.price(span.component, span.start)
            unit_price, vat_rate = price.unit_price, price.vat_rate
            amount = round_cents(span.m3 * unit_price)
        m3 = _part(span.m3, through, span, Q3) - _part(span.m3, before, span, Q3)
        euros = _part(amount, through, span, CENT) - _part(amount, before, span, CENT)
        first = max(span.start, start)
        last = min(span.end, end) - ONE_DAY
        group = groups.setdefault((span.component, unit_price, vat_rate), [Decimal(0), Decimal(0), first, last])
        group[0] += m3
        group[1] += euros
        group[2], group[3] = min(group[2], first), max(group[3], last)
    order = {c: i for i, c in enumerate(WATER_COMPONENTS)}
    return [Row(f"{component}_estimate_deduction", -m3, "m3", unit_price, vat_rate, first, last, amount=-euros)
            for (component, unit_price, vat_rate), (m3, euros, first, last)
            in sorted(groups.items(), key=lambda kv: (kv[1][2], order.get(kv[0][0], 9)))
            if m3 or euros]


def _split(m3: int, segments) -> list[Decimal]:
    """m³ over the segments by days, to the litre, adding up exactly."""
    if len(segments) == 1:
        return [Decimal(m3)]
    days = [(e - s).days for s, e in segments]
    whole = sum(days)
    return largest_remainder([Fraction(m3 * d, whole) for d in days], m3, Q3)


def basic_fee_rows(start: dt.date, end: dt.date, meter_size: str, tariffs: Tariffs) -> list[Row]:
    """The fixed fees of the whole months of [start, end], at the price of each month.
    (The same for every point of a period: made once per run, rows are never changed.)"""
    key = ("fees", start, end, meter_size)
    if key not in tariffs.memo:
        tariffs.memo[key] = _basic_fee_rows(start, end, meter_size, tariffs)
    return list(tariffs.memo[key])


def _basic_fee_rows(start, end, meter_size, tariffs) -> list[Row]:
    months, parts = [], []  # whole months; (first, last, days in month) of partial ones
    day = start.replace(day=1)
    while day <= end:
        month_end = (day + dt.timedelta(days=32)).replace(day=1) - ONE_DAY
        first, last = max(day, start), min(month_end, end)
        if (first, last) == (day, month_end):
            months.append(day)
        else:
            parts.append((first, last, month_end.day))
        day = month_end + ONE_DAY
    rows = []
    for component in BASIC_COMPONENTS:
        groups: dict[Price, list[dt.date]] = {}
        for month in months:
            groups.setdefault(tariffs.price(component, month, meter_size), []).append(month)
        for price, group in groups.items():
            last = (group[-1] + dt.timedelta(days=32)).replace(day=1) - ONE_DAY
            rows.append(Row(component, Decimal(len(group)), "month", price.unit_price, price.vat_rate,
                            group[0], last))
        for first, last, month_days in parts:
            price = tariffs.price(component, first, meter_size)
            days = (last - first).days + 1
            rows.append(Row(component, Decimal(days), "day", (price.unit_price / month_days).quantize(Q4),
                            price.vat_rate, first, last,
                            amount=round_cents(price.unit_price * days / month_days)))
    return sorted(rows, key=lambda r: (BASIC_COMPONENTS.index(r.code), r.period_start))


@dataclass
class WaterBill:
    rows: list[Row]
    balanced: MeterPosition | None  # the reading this invoice balanced to, if any
    estimated_until: dt.date


def water_bill(history: PointHistory, *, period_start: dt.date, period_end: dt.date,
               latest: MeterPosition | None, actual_m3: int | None, annual_m3: int,
               meter_size: str, tariffs: Tariffs, fees_from: dt.date | None = None) -> WaterBill:
    """The rows of one point's invoice for a billing period (the period end inclusive).
    `fees_from`: the first day of fixed fees when it is not the period start (an owner
    change: the new owner pays from the day after possession)."""
    rows = basic_fee_rows(fees_from or period_start, period_end, meter_size, tariffs)
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
    """emptyings: (day, waste_type, bin_size, bins[, parts]). One row per component and
    price. A shared bin's emptying carries `parts`, {component: this customer's euros}, split
    to the cent from the bin's price (domain/shared_bins.split_cents), with bins = the
    customer's share to 3 decimals: such rows are of their own, and their amount is the sum
    of the parts, so the members' rows add up to what the bin cost."""
    grouped: dict[tuple, Decimal] = defaultdict(Decimal)
    amounts: dict[tuple, Decimal] = defaultdict(Decimal)
    spans: dict[tuple, list[dt.date]] = defaultdict(list)
    for day, waste_type, bin_size, bins, *extra in emptyings:
        parts = extra[0] if extra and isinstance(extra[0], dict) else None
        for component in ("waste_treatment", "bin_emptying"):
            if not tariffs.has(component, (waste_type, bin_size)):
                continue  # no treatment fee for the packaging fractions
            price = tariffs.price(component, day, (waste_type, bin_size))
            key = (component, waste_type, bin_size, parts is not None, price)
            grouped[key] += bins
            if parts is not None:
                amounts[key] += parts[component]
            spans[key].append(day)
    rows = []
    for key, count in sorted(grouped.items(), key=lambda kv: (kv[0][1], kv[0][2], kv[0][3], min(spans[kv[0]]),
                                                              kv[0][0])):
        component, waste_type, bin_size, shared, price = key
        meta = {"waste_type": waste_type, "bin_size": bin_size, **({"shared": True} if shared else {})}
        rows.append(Row(f"{component}", count, "emptying", price.unit_price, price.vat_rate,
                        min(spans[key]), max(spans[key]), meta, amount=amounts[key] if shared else None))
    return rows


def bin_price(day: dt.date, waste_type: str, bin_size: int, bins, tariffs: Tariffs) -> dict[str, Decimal]:
    """{component: what one emptying of `bins` bins costs, to the cent}: a shared bin's
    price that its members' parts add up to."""
    return {component: round_cents(Decimal(bins) * tariffs.price(component, day, (waste_type, bin_size)).unit_price)
            for component in ("waste_treatment", "bin_emptying") if tariffs.has(component, (waste_type, bin_size))}


def credit_row(amount: Decimal, source_number: str) -> Row:
    """An earlier credit used on this invoice (VAT was already accounted on its source)."""
    return Row("credit", Decimal(1), "pcs", -amount, Decimal(0), meta={"invoice": source_number})
