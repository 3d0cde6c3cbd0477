"""Customers: the changes residents make to their record, the staff search and the staff's
view of one customer."""
from __future__ import annotations

from peewee import JOIN

from models import (AuditLog, ConsumptionPoint, Customer, Invoice, Meter, Property, Reading, SupportThread,
                    WasteContract, WasteOrder, db)


def update_billing_address(user, customer: Customer, *, name, street, postal_code, post_office, ip=None):
    fields = ("billing_name", "billing_street", "billing_postal_code", "billing_post_office")
    before = {f: getattr(customer, f) for f in fields}
    customer.billing_name, customer.billing_street = name.strip().upper(), street.strip().upper()
    customer.billing_postal_code, customer.billing_post_office = postal_code.strip(), post_office.strip().upper()
    with db.atomic():
        customer.save(only=[getattr(Customer, f) for f in fields])
        AuditLog.record(user, "billing_address_update", customer, before=before,
                        after={f: getattr(customer, f) for f in fields}, ip=ip)


def search(q: str):
    """Customers for the staff search: by name or customer number (part of it), by a
    property's address, or by a consumption point or meter number (whole)."""
    term = f"%{q}%"
    matching_properties = Property.select(Property.customer).where(Property.search(q))
    matching_points = (Property.select(Property.customer).join(ConsumptionPoint).join(Meter, JOIN.LEFT_OUTER)
                       .where((ConsumptionPoint.number == q) | (Meter.number == q)))
    return (Customer.select().where((Customer.name ** term) | (Customer.number ** term) |
                                    Customer.id.in_(matching_properties) | Customer.id.in_(matching_points))
            .order_by(Customer.name))


LATEST = 20  # rows of each kind on the customer page


def overview(customer: Customer) -> dict:
    """Everything customer service needs on one page, in a query per kind of row."""
    properties = list(customer.properties.order_by(Property.street))
    points = list(ConsumptionPoint.select().where(ConsumptionPoint.property.in_(properties)))
    return {
        "properties": properties,
        "contracts": list(WasteContract.select().where(WasteContract.property.in_(properties))),
        "points": points,
        "readings": list(Reading.select(Reading, Meter).join(Meter).where(Meter.point.in_(points))
                         .order_by(Reading.read_on.desc()).limit(LATEST)),
        "orders": list(WasteOrder.select().where(WasteOrder.property.in_(properties))
                       .order_by(WasteOrder.created_at.desc()).limit(LATEST)),
        "threads": list(SupportThread.select().where(SupportThread.customer == customer)
                        .order_by(SupportThread.updated_at.desc()).limit(LATEST)),
        "invoices": list(customer.invoices.order_by(Invoice.invoice_date.desc()).limit(12)),
        "users": list(customer.users),
    }
