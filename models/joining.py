"""Joining as a customer without an account: the application, customer service's decision,
and the one-time registration code the new customer registers with."""
from __future__ import annotations

from peewee import CharField, DateField, DateTimeField, ForeignKeyField, IntegerField, TextField

from models.accounts import Customer, User
from models.base import BaseModel
from models.clock import utcnow
from models.properties import Property


class JoinApplication(BaseModel):
    first_name = CharField()
    last_name = CharField()
    email = CharField()
    phone = CharField()
    language = CharField(default="fi")
    street = CharField()
    postal_code = CharField()
    post_office = CharField()
    municipality = CharField()
    building_type = CharField()
    persons = IntegerField()
    dwellings = IntegerField(default=1)
    services = CharField()  # comma-separated: waste types, "water", "septic"
    start_date = DateField()
    extra_info = TextField(default="")
    status = CharField(default="pending")  # pending | approved | rejected
    request_key = CharField(unique=True)
    created_at = DateTimeField(default=utcnow)
    decided_at = DateTimeField(null=True)
    decided_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    decision_note = TextField(default="")
    customer = ForeignKeyField(Customer, null=True, backref="+", on_delete="SET NULL")
    property = ForeignKeyField(Property, null=True, backref="+", on_delete="SET NULL")
    code_hash = CharField(null=True, index=True)  # of the one-time registration code
    code_expires = DateField(null=True)
    code_used_at = DateTimeField(null=True)

    STATUSES = ("pending", "approved", "rejected")

    def service_list(self) -> list[str]:  # a method: `property` is a field name here
        return [s for s in self.services.split(",") if s]

    @classmethod
    def queue(cls, status: str = "pending"):
        query = cls.select().order_by(cls.created_at)
        return query.where(cls.status == status) if status in cls.STATUSES else query


class PublicRequest(BaseModel):
    """An e-form request of someone without an account (an extra emptying, a septic tank
    emptying, a composting notice, a shared-bin notice), identified by the customer number
    and the property's address, carried out when confirmed from the email."""

    kind = CharField()  # see KINDS
    # Empty when the customer number and street typed named no property: such a request is
    # stored and emailed like any other (no answer tells a right pair from a wrong one), and
    # its link says the pair did not match.
    customer = ForeignKeyField(Customer, null=True, backref="+", on_delete="CASCADE")
    property = ForeignKeyField(Property, null=True, backref="+", on_delete="CASCADE")
    customer_number = CharField(default="")  # as typed, normalized
    street = CharField(default="")  # as typed, in capitals
    email = CharField()
    phone = CharField(default="")
    day = DateField(null=True)  # the day (or the week's day) asked for
    details = TextField(default="")
    language = CharField(default="fi")
    token_hash = CharField(unique=True)
    expires_at = DateTimeField()
    confirmed_at = DateTimeField(null=True)
    result = CharField(default="")  # what it became: "WasteOrder:12", "SupportThread:5", …
    request_key = CharField(unique=True)
    created_at = DateTimeField(default=utcnow)

    KINDS = ("extra_emptying", "septic", "composting", "shared_bin")
