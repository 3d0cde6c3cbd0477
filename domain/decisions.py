"""Customer service decides: orders and requests, and readings flagged for review.

Each decision is one transaction: the status, the change it makes, the audit entry and
the email to the resident in their language.
"""
from __future__ import annotations

from domain import areas, water
from outbound.notify import notify
from models.clock import today, utcnow
from domain.errors import FieldError
from models import AuditLog, Reading, User, WasteContract, WasteOrder, db


def _resident_of(order: WasteOrder):
    """Who hears of the decision: the user who ordered, else the customer's account."""
    if order.created_by_id:
        return order.created_by
    return User.select().where(User.customer == order.property.customer_id).first()


def decide_order(order: WasteOrder, staff, *, approve: bool, note: str = "", ip=None) -> WasteOrder:
    if order.status != "pending":
        raise FieldError("", "already_decided")
    before = {"status": order.status}
    with db.atomic():
        order.status = "approved" if approve else "rejected"
        order.decided_at, order.decided_by, order.decision_note = utcnow(), staff, note.strip() or None
        order.save()
        if approve and order.kind == "new_service":
            # A new bin service is a contract of its own from its effective date; every
            # other change is read by the schedule engine from the approved order.
            contract = WasteContract.create(
                property=order.property_id, waste_type=order.waste_type, bin_size=order.bin_size,
                bin_count=order.bin_count, interval_weeks=order.interval_weeks,
                route_weekday=_route_weekday(order), start_date=order.effective_date)
            order.contract = contract
            order.save(only=[WasteOrder.contract])
        AuditLog.record(staff, "order_approve" if approve else "order_reject", order, before=before,
                        after={"status": order.status, "note": order.decision_note}, ip=ip)
        notify(_resident_of(order), "order_decision", "decisions", order=order)
    return order


def _route_weekday(order: WasteOrder) -> int:
    """The truck of the property's area drives on the weekday of its existing contracts, or
    on the area's weekday."""
    other = (WasteContract.select().where(WasteContract.property == order.property_id)
             .order_by(WasteContract.id).first())
    return other.route_weekday if other else areas.weekday_of(order.property.collection_area)


def review_reading(reading: Reading, staff, *, accept: bool, note: str = "", ip=None) -> Reading:
    if reading.status != "flagged":
        raise FieldError("", "already_decided")
    before = {"status": reading.status, "value": reading.value}
    with db.atomic():
        reading.status = "accepted" if accept else "rejected"
        reading.reviewed_by, reading.reviewed_at, reading.review_note = staff, utcnow(), note.strip() or None
        reading.save()
        AuditLog.record(staff, "reading_accept" if accept else "reading_reject", reading,
                        before=before, after={"status": reading.status, "note": reading.review_note}, ip=ip)
        if accept:
            water.refresh_estimate(reading.meter.point, today())
        if not accept and reading.reported_by_id:
            notify(reading.reported_by, "reading_rejected", "decisions", reading=reading)
    return reading
