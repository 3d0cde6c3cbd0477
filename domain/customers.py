"""Changes residents make to their customer record."""
from __future__ import annotations

from models import AuditLog, Customer, db


def update_billing_address(user, customer: Customer, *, name, street, postal_code, post_office, ip=None):
    fields = ("billing_name", "billing_street", "billing_postal_code", "billing_post_office")
    before = {f: getattr(customer, f) for f in fields}
    customer.billing_name, customer.billing_street = name.strip().upper(), street.strip().upper()
    customer.billing_postal_code, customer.billing_post_office = postal_code.strip(), post_office.strip().upper()
    with db.atomic():
        customer.save(only=[getattr(Customer, f) for f in fields])
        AuditLog.record(user, "billing_address_update", customer, before=before,
                        after={f: getattr(customer, f) for f in fields}, ip=ip)
