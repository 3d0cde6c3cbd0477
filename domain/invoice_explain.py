"""What an invoice page and its PDF explain besides the rows (seed 004, the Kerava example):
the consumption point and meter, the two readings of a balancing with the m³ between them,
the estimates deducted, the VAT per rate and whether anything is to be paid."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain.money import vat_breakdown
from models import Meter, Reading

DEDUCTIONS = ("water_estimate_deduction",)


@dataclass
class Explanation:
    meter: Meter | None
    previous: tuple | None  # (date, m³) of the reading the balancing starts from
    latest: tuple | None  # (date, m³) of the reading it balances to
    used_m3: Decimal | None
    deducted_m3: Decimal
    deducted_eur: Decimal  # the estimates deducted, water and wastewater, in euros
    vat: list  # [(rate, taxable, VAT, with VAT)]
    to_pay: bool  # a credit invoice (0 € or less) has nothing to pay
    estimated_final: list  # [(date, m³)] final readings of replaced meters that were estimated


def explain(invoice, rows) -> Explanation:
    previous = latest = used = None
    actual = [r for r in rows if r.code == "water_actual"]
    if actual and invoice.balanced_reading_id:
        # The reading balanced to is the invoice's own foreign key; the one it started from
        # (a reading or a meter's start) is kept on the first balancing row.
        reading = Reading.get_by_id(invoice.balanced_reading_id)
        latest = (reading.read_on.isoformat(), reading.value)
        previous = tuple(actual[0].meta["previous"]) if actual[0].meta.get("previous") else None
        used = sum((r.quantity for r in actual), Decimal(0))
    meter = None
    if invoice.balanced_reading_id:
        meter = Meter.select().join(Reading).where(Reading.id == invoice.balanced_reading_id).first()
    elif invoice.point_id:
        meter = (Meter.select().where(Meter.point == invoice.point_id)
                 .order_by(Meter.installed_on.desc()).first())
    deductions = [r for r in rows if r.code.endswith("_estimate_deduction")]
    return Explanation(
        meter, previous, latest, used,
        -sum((r.quantity for r in deductions if r.code in DEDUCTIONS), Decimal(0)),
        -sum((r.amount for r in deductions), Decimal(0)),
        vat_breakdown(rows), invoice.total > 0,
        [tuple(p) for p in (actual[0].meta.get("estimated_final", []) if actual else [])])
