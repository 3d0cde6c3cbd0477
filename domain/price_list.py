"""The price list and billing calendar a new installation starts with.

Prices are VAT included (25,5 % from 1.9.2024, 24 % before): waste per emptying by bin
size (waste treatment + bin emptying), water and wastewater per m³, and the monthly basic
fees by meter size. Staff change them as the utility publishes new ones; the demo data and
the tests start from these.
"""
from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal

VAT_CHANGE = dt.date(2024, 9, 1)
# € per emptying by bin size: (waste treatment, bin emptying).
MIXED_PRICES = {140: ("1.66", "3.750"), 240: ("2.84", "3.950"), 360: ("4.26", "4.350"),
                660: ("7.81", "6.200")}
BIO_PRICES = {140: ("1.20", "3.200"), 240: ("2.05", "3.450")}
# The packaging and paper fractions and the multi-compartment bins: € per emptying by bin
# size, bin emptying only (the producers pay the treatment of packaging).
RECYCLING_PRICES = {
    "plastic": {240: "4.90", 360: "5.60", 660: "7.40"},
    "cardboard": {240: "4.90", 360: "5.60", 660: "7.40"},
    "glass": {140: "4.60", 240: "4.90"},
    "metal": {140: "4.60", 240: "4.90"},
    "paper": {240: "4.40", 660: "6.90"},
    "multi2": {240: "6.80"},
    "multi4": {240: "8.90", 370: "9.80"},
}
# Sludge from a septic or holding tank: a base fee per emptying and € per m³ emptied (the
# way Finnish waste companies price it; the truck's hose reaches 30-50 m without extra).
SLUDGE_PRICES = {"sludge_base": ("emptying", "78.00"), "sludge_m3": ("m3", "34.50")}
WATER_PRICES = {"water": "2.45", "wastewater": "3.10"}  # € per m³
# € per month by meter size: (water, wastewater)
BASIC_FEES = {"DN20": ("4.20", "4.80"), "DN25": ("7.00", "8.00"), "DN32": ("11.00", "12.50"),
              "DN40": ("17.50", "20.00")}
# The waste basic fee (jätehuollon perusmaksu), € per dwelling per year by the use of the
# property: what a municipality's waste authority charges for the services every resident
# has (advice, the regional collection points, hazardous waste), whatever their bins. Finnish
# waste authorities publish it this way, a holiday home at about half the permanent home's.
WASTE_BASIC_FEES = {"permanent": "32.00", "holiday": "16.00"}

def _at_old_vat(price: str) -> Decimal:
    """The same net price with 24 % VAT, for the rows before 1.9.2024."""
    return (Decimal(price) * Decimal("124") / Decimal("125.5")).quantize(Decimal("0.001"))


def price_rows() -> list[dict]:
    rows = []

    def add(component, unit, price, **keys):
        # Every row has every key: insert_many takes its columns from the first row.
        keys = {"waste_type": None, "bin_size": None, "meter_size": None, **keys}
        rows.append(dict(component=component, unit=unit, unit_price=_at_old_vat(price),
                         vat_rate=Decimal("24"), valid_from=dt.date(2023, 1, 1),
                         valid_to=VAT_CHANGE - dt.timedelta(days=1), **keys))
        rows.append(dict(component=component, unit=unit, unit_price=Decimal(price),
                         vat_rate=Decimal("25.5"), valid_from=VAT_CHANGE, valid_to=None, **keys))

    for waste_type, table in (("mixed", MIXED_PRICES), ("bio", BIO_PRICES)):
        for size, (treatment, emptying) in table.items():
            add("waste_treatment", "emptying", treatment, waste_type=waste_type, bin_size=size)
            add("bin_emptying", "emptying", emptying, waste_type=waste_type, bin_size=size)
    for waste_type, table in RECYCLING_PRICES.items():
        for size, emptying in table.items():
            add("bin_emptying", "emptying", emptying, waste_type=waste_type, bin_size=size)
    for component, (unit, price) in SLUDGE_PRICES.items():
        add(component, unit, price)
    for component, price in WATER_PRICES.items():
        add(component, "m3", price)
    for size, (water_fee, wastewater_fee) in BASIC_FEES.items():
        add("water_basic_fee", "month", water_fee, meter_size=size)
        add("wastewater_basic_fee", "month", wastewater_fee, meter_size=size)
    for occupancy, fee in WASTE_BASIC_FEES.items():
        add(f"waste_basic_fee_{occupancy}", "year", fee)
    return rows


def billing_calendar_rows(first_year: int, last_year: int) -> list[dict]:
    """Quarterly groups 1-3 offset by a month, as in Kerava's 2024 calendar (report by the
    period's last day, billed on the 4th, due on the 26th), and monthly billing for large
    customers (billed on the 15th, due on the 5th of the month after)."""
    rows = []
    for year in range(first_year, last_year + 1):
        for offset, group in enumerate(("1", "2", "3")):
            for quarter in range(4):
                month = 1 + offset + 3 * quarter  # first month of the period
                start = dt.date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
                end = (start + dt.timedelta(days=95)).replace(day=1) - dt.timedelta(days=1)
                billed = end + dt.timedelta(days=4)
                rows.append(dict(billing_group=group, period_start=start, period_end=end,
                                 report_by=end, billing_date=billed, due_date=billed + dt.timedelta(days=22)))
        for month in range(1, 13):
            start = dt.date(year, month, 1)
            end = dt.date(year, month, calendar.monthrange(year, month)[1])
            billed = end + dt.timedelta(days=15)
            rows.append(dict(billing_group="monthly", period_start=start, period_end=end,
                             report_by=end, billing_date=billed,
                             due_date=(billed.replace(day=1) + dt.timedelta(days=32)).replace(day=5)))
    return rows
