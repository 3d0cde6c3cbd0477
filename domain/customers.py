"""Customers: the changes residents make to their record, and the staff search."""
from __future__ import annotations

from peewee import JOIN

from models import AuditLog, ConsumptionPoint, Customer, Meter, Property, db


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
