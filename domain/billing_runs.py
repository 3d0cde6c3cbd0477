"""Billing runs: load in bulk, bill in batches, one invoice per point (or customer) and period.

A run works through its points in batches of BATCH, each batch one transaction
(domain/invoicing.py writes it). The unique billing key makes a rerun skip what was
already billed, so a run that is killed half-way and started again finishes without a
duplicate or a gap.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict, namedtuple
from decimal import Decimal

from peewee import JOIN, fn

from database import as_date
from domain import billing, shared_bins, sludge, water
from domain.billing import PointHistory, Tariffs
from domain.invoicing import BillingSettings, Draft, Numbers, save_batch
from domain.positions import MeterPosition
from domain.money import round_cents
from models import (BasicFeeBill, BillingCalendar, BillingRun, ConsumptionPoint, Emptying, Invoice, InvoiceRow, Meter,
                    PriceListRow, Property, Reading, WasteContract, db)
from models.clock import utcnow
from models.scheduling import alive_until  # renewed after every batch (about a second)

BATCH = 500
WASTE_DUE_DAYS = 21


# -- water ------------------------------------------------------------------------------

MeterRow = namedtuple("MeterRow", "id point_id size installed_on removed_on start_reading")
ReadingRow = namedtuple("ReadingRow", "id meter_id read_on value status")


def _raw(query):
    sql, params = query.sql()
    return db.execute_sql(sql, params).fetchall()


PointRow = namedtuple("PointRow", "id customer_id persons annual_estimate_m3")
ESTIMATE_CODES = {"water_estimate": "water", "wastewater_estimate": "wastewater"}


def group_points(billing_group: str, only_points=None) -> list[PointRow]:
    query = (ConsumptionPoint.select(ConsumptionPoint.id, Property.customer, ConsumptionPoint.persons,
                                     ConsumptionPoint.annual_estimate_m3).join(Property)
             .where(ConsumptionPoint.billing_group == billing_group).order_by(ConsumptionPoint.id))
    if only_points is not None:
        query = query.where(ConsumptionPoint.id.in_(only_points))
    return [PointRow(*row) for row in _raw(query)]


def load_water_batch(points, period_start: dt.date, scope=None):
    """Meters, readings, the latest balanced reading and the estimates of the points, in
    five queries. `scope` is a subquery of the point ids (a whole billing group), so the
    database filters with IN (SELECT …) instead of a parameter for every point."""
    if scope is None:
        scope = ConsumptionPoint.select(ConsumptionPoint.id).where(
            ConsumptionPoint.id.in_([p.id for p in points]))
    # Plain tuples through the cursor, not model instances: a run reads hundreds of
    # thousands of readings, and converting each date through the ORM costs more than SQL.
    meters = defaultdict(list)
    query = (Meter.select(Meter.id, Meter.point, Meter.size, Meter.installed_on, Meter.removed_on,
                          Meter.start_reading).where(Meter.point.in_(scope)))
    for mid, point_id, size, installed, removed, start in _raw(query):
        meters[point_id].append(MeterRow(mid, point_id, size, as_date(installed), as_date(removed), start))
    readings = defaultdict(list)
    query = (Reading.select(Reading.id, Meter.point, Reading.meter, Reading.read_on, Reading.value)
             .join(Meter).where(Meter.point.in_(scope) & Reading.counted())
             .order_by(Reading.read_on))
    for rid, point_id, meter_id, read_on, value in _raw(query):
        readings[point_id].append(ReadingRow(rid, meter_id, as_date(read_on), value, Reading.COUNTED_STATUS))
    # The latest reading any invoice balanced to, Kotipiha's or the previous system's (whose
    # last balanced reading is where Kotipiha's first balancing starts: go-live).
    balanced = {}
    query = (Invoice.select(Invoice.point, Reading.read_on, Reading.value, Reading.id)
             .join(Reading, on=(Invoice.balanced_reading == Reading.id)).where(Invoice.point.in_(scope))
             .order_by(Reading.read_on, Reading.id))
    for point_id, read_on, value, reading_id in _raw(query):
        balanced[point_id] = MeterPosition(as_date(read_on), value, reading_id)
    estimates = defaultdict(list)
    query = (InvoiceRow.select(Invoice.point, InvoiceRow.code, InvoiceRow.period_start, InvoiceRow.period_end,
                               InvoiceRow.quantity, InvoiceRow.unit_price, InvoiceRow.vat_rate, InvoiceRow.amount)
             .join(Invoice).where(Invoice.point.in_(scope) & InvoiceRow.code.in_(list(ESTIMATE_CODES))))
    for point_id, code, start, end, quantity, unit_price, vat_rate, amount in _raw(query):
        estimates[point_id].append(billing.EstimateSpan(
            as_date(start), as_date(end) + dt.timedelta(days=1), Decimal(str(quantity)), ESTIMATE_CODES[code],
            Decimal(str(unit_price)), Decimal(str(vat_rate)), Decimal(str(amount))))
    # The previous billing system's invoices: the m³ each billed as estimates after the
    # reading it balanced to (go-live: its estimates are deducted like Kotipiha's own).
    query = (Invoice.select(Invoice.point, Invoice.period_start, Invoice.period_end, Invoice.estimated_m3,
                            Reading.read_on)
             .join(Reading, JOIN.LEFT_OUTER, on=(Invoice.balanced_reading == Reading.id))
             .where(Invoice.point.in_(scope) & Invoice.imported & Invoice.estimated_m3.is_null(False)))
    for point_id, start, end, m3, balanced_on in _raw(query):
        first = max(as_date(start), as_date(balanced_on)) if balanced_on else as_date(start)
        for component in billing.WATER_COMPONENTS:
            estimates[point_id].append(billing.EstimateSpan(
                first, as_date(end) + dt.timedelta(days=1), Decimal(str(m3)), component))
    # Fixed fees start the day after the last day an owner's final invoice or the previous
    # system billed them, on the point's first Kotipiha water invoice made after that one
    # only: the invoices after it go on from where it stopped (no day billed twice).
    finals = {}  # point -> (the last day billed, the id of the invoice that billed it)
    for point_id, end, invoice_id in _raw(Invoice.select(Invoice.point, Invoice.period_end, Invoice.id)
                                          .where(Invoice.point.in_(scope) &
                                                 ((Invoice.kind == "final") | Invoice.imported) &
                                                 Invoice.period_end.is_null(False))):
        key = (as_date(end), invoice_id)
        finals[point_id] = max(finals.get(point_id, key), key)
    latest_water = dict(_raw(Invoice.select(Invoice.point, fn.MAX(Invoice.id))
                             .where(Invoice.point.in_(scope) & (Invoice.kind == "water") & ~Invoice.imported)
                             .group_by(Invoice.point)))
    batch = {}
    for point in points:
        own = readings[point.id]
        base = balanced.get(point.id) or _first_base(meters[point.id], own, period_start)
        spans_all = estimates[point.id]
        until = max((s.end for s in spans_all), default=None)
        # Days up to the balanced reading are billed as actual consumption: estimates never
        # start before it (after an owner change the final invoice balanced beyond them).
        until = max(until, base.day) if until else None
        final_end, final_id = finals.get(point.id, (None, None))
        fees_from = None
        if final_end and (latest_water.get(point.id) or 0) < final_id \
                and final_end + dt.timedelta(days=1) != period_start:
            fees_from = final_end + dt.timedelta(days=1)
        history = PointHistory(base, [s for s in spans_all if s.end > base.day], until, fees_from)
        batch[point.id] = (history, meters[point.id], own)
    return batch


def _first_base(meters, readings, period_start) -> MeterPosition:
    """Billing starts from the latest reading before the first billed period (earlier
    invoices of the old system are taken as settled), else from the meter's start."""
    before = [r for r in readings if r.read_on < period_start]
    if before:
        return MeterPosition(before[-1].read_on, before[-1].value, before[-1].id)
    if meters:
        first = min(meters, key=lambda m: m.installed_on)
        return MeterPosition(first.installed_on, first.start_reading)
    return MeterPosition(period_start, 0)


def water_draft(point, history, meters, readings, period: BillingCalendar, tariffs) -> Draft:
    annual = point.annual_estimate_m3 or water.estimate_from(point.persons, water.positions_from(meters, readings))
    positions = water.positions_from(meters, readings, annual)
    spans = water.spans_from(positions)
    new = [r for r in readings if history.base.day < r.read_on <= period.report_by]
    latest, actual = None, None
    if new:
        latest = MeterPosition(new[-1].read_on, new[-1].value, new[-1].id)
        actual = sum(m3 for s, e, m3 in spans if s >= history.base.day and e <= latest.day)
    active = [m for m in meters if m.removed_on is None] or meters
    meter_size = max(active, key=lambda m: m.installed_on).size if active else "DN20"
    bill = billing.water_bill(history, period_start=period.period_start, period_end=period.period_end,
                              latest=latest, actual_m3=actual, annual_m3=annual,
                              meter_size=meter_size, tariffs=tariffs, fees_from=history.fees_from)
    if latest is not None:
        estimated = [[p.day.isoformat(), p.value] for _m, ps in positions for p in ps
                     if p.estimated and history.base.day < p.day <= latest.day]
        first_actual = next((r for r in bill.rows if r.code == "water_actual"), None)
        if estimated and first_actual is not None:
            first_actual.meta = {**first_actual.meta, "estimated_final": estimated}
    return Draft(point.customer_id, "water", f"water:{point.id}:{period.period_start.isoformat()}",
                 bill.rows, period.billing_date, period.due_date, (period.period_start, period.period_end),
                 point.id, latest.reading_id if latest else None)


def run_water(billing_date: dt.date, settings: BillingSettings, *, only_points=None, batch_size=BATCH) -> BillingRun:
    """Bill every group whose calendar bills on `billing_date`, a batch at a time."""
    run = BillingRun.create(kind="water", billing_date=billing_date, alive_until=alive_until())
    tariffs = Tariffs(PriceListRow.select())
    numbers = Numbers()
    made, amount = 0, Decimal(0)
    try:
        for period in BillingCalendar.select().where(BillingCalendar.billing_date == billing_date):
            points = group_points(period.billing_group, only_points)
            done = {k for (k,) in Invoice.select(Invoice.billing_key).where(
                Invoice.billing_key.startswith("water:") & (Invoice.period_start == period.period_start)).tuples()}
            points = [p for p in points if f"water:{p.id}:{period.period_start.isoformat()}" not in done]
            scope = ConsumptionPoint.select(ConsumptionPoint.id).where(
                ConsumptionPoint.billing_group == period.billing_group)
            loaded = load_water_batch(points, period.period_start, scope)  # the whole group at once
            for i in range(0, len(points), batch_size):
                chunk = points[i:i + batch_size]
                drafts = [water_draft(p, *loaded[p.id], period, tariffs) for p in chunk]
                drafts = [d for d in drafts if d.rows]  # a period the previous system already billed
                for invoice in save_batch(drafts, numbers=numbers, run=run, settings=settings, known_new=True):
                    made, amount = made + 1, amount + invoice.total
                BillingRun.update(alive_until=alive_until()).where(BillingRun.id == run.id).execute()
    except Exception as error:
        BillingRun.update(status="failed", error=str(error)[:2000], finished_at=utcnow(),
                          invoices=made, total=amount).where(BillingRun.id == run.id).execute()
        raise
    BillingRun.update(status="done", finished_at=utcnow(), invoices=made, total=amount).where(
        BillingRun.id == run.id).execute()
    return BillingRun.get_by_id(run.id)


# -- waste -------------------------------------------------------------------------------

def run_waste(period_start: dt.date, period_end: dt.date, billing_date: dt.date,
              settings: BillingSettings) -> BillingRun:
    """Bill every customer's emptyings done up to the period end and not billed yet."""
    tariffs = Tariffs(PriceListRow.select())
    minimum = settings.minimum_invoice
    unbilled = (Emptying.select(Emptying.id, Emptying.emptied_on, Emptying.bin_count,
                                WasteContract.waste_type, WasteContract.bin_size, Property.customer, WasteContract.id)
                .join(WasteContract).join(Property)
                .where(Emptying.invoice.is_null() & (Emptying.emptied_on <= period_end))
                .order_by(Property.customer, Emptying.emptied_on).tuples())
    by_customer = defaultdict(list)
    shared_by_customer = defaultdict(list)  # a shared bin's emptyings go to its members by share
    split = shared_bins.billing_split()
    unbilled = list(unbilled)
    billed_shares = shared_bins.billed_shares([e[0] for e in unbilled if e[6] in split])
    for emptying_id, day, bins, waste_type, bin_size, customer_id, contract_id in unbilled:
        if contract_id in split:  # split by the members and shares of its day, to the cent
            shared, members, history = split[contract_id]
            shares = shared_bins.shares_on(as_date(day), shared, members, history)
            price = billing.bin_price(as_date(day), waste_type, bin_size, bins, tariffs)
            parts = {c: shared_bins.split_cents(amount, shares, emptying_id) for c, amount in price.items()}
            for member_customer, share in shares.items():
                if (emptying_id, member_customer) not in billed_shares:
                    quantity = (Decimal(share.numerator) * bins / share.denominator).quantize(Decimal("0.001"))
                    shared_by_customer[member_customer].append(
                        (emptying_id, day, waste_type, bin_size, quantity,
                         {c: parts[c][member_customer] for c in parts}))
            continue
        by_customer[customer_id].append((emptying_id, day, waste_type, bin_size, bins))
    sludge_by_customer = defaultdict(list)  # septic and holding tank emptyings
    for order_id, customer_id, *emptied in sludge.unbilled(period_end):
        sludge_by_customer[customer_id].append((order_id, emptied))
    # The basic fees not billed yet of the years this run looks at (see basic_fees_due): on
    # the waste invoice when the setting says so, else on invoices of their own.
    due, fee_bills = basic_fees_due(_fee_years(billing_date, settings), tariffs, settings)
    fees, own_fees = (due, {}) if settings.basic_fee_with_waste else ({}, due)
    drafts = []
    for customer_id in sorted(set(by_customer) | set(shared_by_customer) | set(sludge_by_customer) | set(fees)):
        emptyings, tanks = by_customer[customer_id], sludge_by_customer[customer_id]
        shares = shared_by_customer[customer_id]
        rows = billing.waste_rows([e[1:] for e in emptyings + shares], tariffs)
        for _order_id, emptied in tanks:
            rows += sludge.rows(*emptied, tariffs)
        rows += fees.get(customer_id, [])
        if billing.total(rows) < minimum:
            continue  # waits for the next run
        drafts.append(Draft(customer_id, "waste", f"waste:{customer_id}:{period_start.isoformat()}", rows,
                            billing_date, billing_date + dt.timedelta(days=WASTE_DUE_DAYS),
                            (period_start, period_end), emptying_ids=[e[0] for e in emptyings],
                            sludge_ids=[t[0] for t in tanks], shared_emptying_ids=[e[0] for e in shares],
                            basic_fees=fee_bills.get(customer_id, []) if customer_id in fees else []))
    run = _bill_drafts("waste", billing_date, drafts, settings)
    if own_fees:  # late joiners' fees, on invoices of their own
        _bill_drafts("basic_fee", billing_date,
                     _fee_drafts(own_fees, fee_bills, billing_date, f"{billing_date.isoformat()}:late"), settings)
    return run


def _bill_drafts(kind: str, billing_date: dt.date, drafts: list[Draft], settings: BillingSettings) -> BillingRun:
    """A run that writes ready drafts a batch at a time, renewing its heartbeat after each."""
    run = BillingRun.create(kind=kind, billing_date=billing_date, alive_until=alive_until())
    numbers, made, amount = Numbers(), 0, Decimal(0)
    for i in range(0, len(drafts), BATCH):
        for invoice in save_batch(drafts[i:i + BATCH], numbers=numbers, run=run, settings=settings):
            made, amount = made + 1, amount + invoice.total
        BillingRun.update(alive_until=alive_until()).where(BillingRun.id == run.id).execute()
    BillingRun.update(status="done", finished_at=utcnow(), invoices=made, total=amount).where(
        BillingRun.id == run.id).execute()
    return BillingRun.get_by_id(run.id)


def quarter(text: str) -> tuple[dt.date, dt.date]:
    """'2026-Q4' -> (1.10.2026, 31.12.2026)."""
    year, q = text.upper().split("-Q")
    start = dt.date(int(year), 3 * (int(q) - 1) + 1, 1)
    end = (start + dt.timedelta(days=95)).replace(day=1) - dt.timedelta(days=1)
    return start, end


def previous_quarter(day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the calendar quarter before the one `day` is in."""
    end = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1) - dt.timedelta(days=1)
    return (end - dt.timedelta(days=85)).replace(day=1), end


WASTE_BILLING_DAY = 20  # waste is billed on this day of the month after each quarter


def run_due(day: dt.date, settings: BillingSettings) -> list[BillingRun]:
    """What the scheduler calls every day: the water groups billed today, the quarter's
    waste on its billing day and the year's waste basic fee on its day. Running it twice on
    a day bills nothing twice."""
    runs = []
    if BillingCalendar.select().where(BillingCalendar.billing_date == day).exists():
        runs.append(run_water(day, settings))
    if day.month in (1, 4, 7, 10) and day.day == WASTE_BILLING_DAY:
        runs.append(run_waste(*previous_quarter(day), day, settings))
    if (day.month, day.day) == settings.basic_fee_billed_on and not settings.basic_fee_with_waste:
        runs.append(run_basic_fees(day.year, day, settings))
    return runs


# -- the annual waste basic fee ----------------------------------------------------------

def run_basic_fees(year: int, billing_date: dt.date, settings: BillingSettings) -> BillingRun:
    """The waste basic fee of `year` on an invoice of its own per customer: a row per
    property not billed for that year yet. Run again, it bills nobody twice."""
    tariffs = Tariffs(PriceListRow.select())
    fees, bills = basic_fees_due([(year, True)], tariffs, settings)
    return _bill_drafts("basic_fee", billing_date, _fee_drafts(fees, bills, billing_date, str(year)), settings)


def _fee_drafts(fees: dict, bills: dict, billing_date: dt.date, key: str) -> list[Draft]:
    """Basic-fee invoices of their own, one per customer, billing key basic_fee:CUSTOMER:KEY."""
    return [Draft(customer_id, "basic_fee", f"basic_fee:{customer_id}:{key}", rows, billing_date,
                  billing_date + dt.timedelta(days=WASTE_DUE_DAYS),
                  (min(r.period_start for r in rows), max(r.period_end for r in rows)), basic_fees=bills[customer_id])
            for customer_id, rows in sorted(fees.items())]


def _fee_years(billing_date: dt.date, settings: BillingSettings) -> list[tuple[int, bool]]:
    """The years a waste run bills basic fees of, each with whether it is the year's main
    billing: with the fee on the waste invoice, the run's year is (its first run bills
    everybody), else the basic-fee run on its own day is; either way the year before and
    (once its basic-fee day has passed) this year are looked at again for late joiners."""
    year = billing_date.year
    if settings.basic_fee_with_waste:
        return [(year - 1, False), (year, True)]
    month, day = settings.basic_fee_billed_on
    return [(year - 1, False)] + ([(year, False)] if billing_date >= dt.date(year, month, day) else [])


def basic_fees_due(years, tariffs: Tariffs, settings: BillingSettings) -> tuple[dict, dict]:
    """({customer id: rows}, {customer id: [(property id, year, months)]}) of the basic fees
    of `years` (year, main billing?) not billed yet, a row per property and year.

    The rule (README "Billing and payments"): the fee is per property and year, billed once
    whatever the mode, and the mode only decides where it is printed. A property that joined
    in the year pays from the month it joined, pro rata by months (price × dwellings × months
    / 12, to the cent; WASTE_BASIC_FEE_PRO_RATA=false: the whole year); one that joined later
    pays nothing for it; one without a joining day (a customer from before) the whole year.
    The year's main billing bills every property not billed yet (the previous system's
    invoices of that year, recorded by the import, count as billed); a later run bills those
    still unbilled that joined in that year, or, when Kotipiha billed the year itself, any."""
    billed = {(p, y) for p, y in BasicFeeBill.select(BasicFeeBill.property, BasicFeeBill.year)
              .where(BasicFeeBill.year.in_([y for y, _main in years])).tuples()}
    ours = {y for (y,) in BasicFeeBill.select(BasicFeeBill.year).join(Invoice)
            .where(BasicFeeBill.year.in_([y for y, _main in years]) & ~Invoice.imported).distinct().tuples()}
    rows, bills = defaultdict(list), defaultdict(list)
    properties = list(Property.select().order_by(Property.customer, Property.street, Property.id))
    for year, main in years:
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        for prop in properties:
            joined = as_date(prop.joined_on)
            if (prop.id, year) in billed or (joined and joined > end):
                continue
            if not main and year not in ours and not (joined and joined.year == year):
                continue  # a year the previous system billed: only its own joiners are Kotipiha's
            months = 12 - joined.month + 1 if joined and joined.year == year and settings.basic_fee_pro_rata else 12
            first = dt.date(year, 13 - months, 1)
            price = tariffs.price(f"waste_basic_fee_{prop.occupancy}", start)
            amount = round_cents(price.unit_price * prop.dwellings * months / 12) if months < 12 else None
            rows[prop.customer_id].append(billing.Row(
                "waste_basic_fee", Decimal(prop.dwellings), "dwelling", price.unit_price, price.vat_rate, first, end,
                {"property": prop.street, "occupancy": prop.occupancy, **({"months": months} if months < 12 else {})},
                amount=amount))
            bills[prop.customer_id].append((prop.id, year, months))
    return dict(rows), dict(bills)
