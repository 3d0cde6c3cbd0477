"""Owner change (omistajanvaihdos, seed 002): a final invoice to the previous owner up to the
day possession changes, with a reading on that day; the new owner is billed from it.

- Fixed fees are never billed twice for a day: the final invoice bills them up to and
  including the possession day, the new owner's first invoice from the day after. When
  the previous owner's invoice already billed days after possession (the change was
  recorded late), the final invoice credits those days.
- The final invoice balances the previous owner's consumption up to the possession
  reading, deducting the estimates billed up to it. Estimates the previous owner was
  billed for days after possession are credited back to them on the final invoice (as
  negative estimate rows), so the new owner's next balancing deducts none of them: the
  new owner is never credited for what the previous owner paid.
"""
from __future__ import annotations

import datetime as dt

from domain import billing, billing_runs, invoicing, water
from domain.billing import Tariffs
from domain.positions import MeterPosition
from domain.errors import FieldError
from models import AuditLog, Customer, Invoice, Meter, PriceListRow, Property, Reading, db


def change_owner(point, *, possession: dt.date, reading_value: int, new_customer: Customer,
                 staff, settings, today: dt.date) -> Invoice:
    prop = point.property
    if new_customer.id == prop.customer_id:
        raise FieldError("customer_number", "same_customer")
    meter = point.meters.where(Meter.removed_on.is_null()).order_by(Meter.installed_on.desc()).first()
    if meter is None:
        raise FieldError("reading", "no_meter")
    previous = water.previous_position(meter, possession)
    if reading_value < previous.value:
        raise FieldError("reading", "below_previous", date=previous.day, value=previous.value)
    if possession > today:
        raise FieldError("possession", "date_future")
    last_end = (Invoice.select(Invoice.period_end).where((Invoice.point == point) & (Invoice.kind == "water"))
                .order_by(Invoice.period_end.desc()).scalar())
    start = (last_end + dt.timedelta(days=1)) if last_end else possession.replace(day=1)
    tariffs = Tariffs(PriceListRow.select())
    with db.atomic():
        reading, _created = Reading.get_or_create(meter=meter, read_on=possession, defaults={
            "value": reading_value, "source": "utility", "status": "accepted"})
        if reading.status == "rejected":  # a refused reading of that day gives way to this one
            AuditLog.record(staff, "reading_replace", reading, before={"value": reading.value, "status": "rejected"},
                            after={"value": reading_value, "status": "accepted"})
            reading.value, reading.status, reading.source = reading_value, "accepted", "utility"
            reading.save(only=[Reading.value, Reading.status, Reading.source])
        elif reading.value != reading_value:
            raise FieldError("reading", "conflicting_reading")
        batch = billing_runs.load_water_batch([point], min(start, possession))
        history, meters, readings = batch[point.id]
        latest = MeterPosition(possession, reading_value, reading.id)
        spans = water.spans_from(water.positions_from(meters, readings))
        actual = sum(m3 for s, e, m3 in spans if s >= history.base.day and e <= possession)
        rows = []
        if start <= possession:
            rows += billing.basic_fee_rows(start, possession, meter.size, tariffs)
        else:  # the previous owner's invoice already billed fees for days after possession
            rows += [_credit(r) for r in billing.basic_fee_rows(possession + dt.timedelta(days=1), last_end,
                                                                 meter.size, tariffs)]
        if possession > history.base.day:
            rows += billing.balancing_rows(history, latest, actual, tariffs)
        if history.estimated_until and history.estimated_until > possession:
            # Estimates billed to the previous owner for days after possession, credited.
            rows += [_as_estimate(r) for r in billing.deduction_rows(history.estimates, possession,
                                                                     history.estimated_until, tariffs)]
        draft = invoicing.Draft(prop.customer_id, "final", f"final:{point.id}:{possession.isoformat()}",
                                   rows, today, today + dt.timedelta(days=21), (min(start, possession), possession),
                                   point.id, reading.id)
        made = invoicing.save_batch([draft], numbers=invoicing.Numbers(), run=None, settings=settings)
        if not made:
            raise FieldError("possession", "already_done")
        before = {"customer": prop.customer_id}
        Property.update(customer=new_customer).where(Property.id == prop.id).execute()
        AuditLog.record(staff, "owner_change", prop, before=before,
                        after={"customer": new_customer.id, "possession": possession, "reading": reading_value})
    return Invoice.get_by_id(made[0].id)


def _credit(row: billing.Row) -> billing.Row:
    return billing.Row(row.code, -row.quantity, row.unit, row.unit_price, row.vat_rate, row.period_start,
                       row.period_end, {"credit": True}, amount=-row.amount)


def _as_estimate(row: billing.Row) -> billing.Row:
    """A deduction of estimates written as a negative estimate row: the days it covers then
    count as never estimated, for the previous owner and the new one alike."""
    return billing.Row(row.code.removesuffix("_deduction"), row.quantity, row.unit, row.unit_price, row.vat_rate,
                       row.period_start, row.period_end, {"credit": True}, amount=row.amount)
