"""Waste collection: contracts, orders and requests, emptyings, composting notices."""
from __future__ import annotations

from peewee import (JOIN, BooleanField, CharField, DateField, DateTimeField, DeferredForeignKey,
                    ForeignKeyField, IntegerField, TextField, fn)

from models.clock import utcnow
from models.accounts import User
from models.base import BaseModel, money_field
from models.properties import OfAProperty, Property


class WasteContract(BaseModel):
    """A continuing waste collection service (jatkuva palvelu) of a property."""

    property = ForeignKeyField(Property, backref="waste_contracts", on_delete="CASCADE")
    waste_type = CharField()  # mixed | bio
    bin_size = IntegerField()  # litres
    bin_count = IntegerField(default=1)
    interval_weeks = IntegerField()
    route_weekday = IntegerField()  # 0 = Monday
    start_date = DateField()
    end_date = DateField(null=True)

    @classmethod
    def visible_to(cls, user):
        return cls.select().join(Property).where(
            Property.id.in_(Property.ids_visible_to(user)))

    @classmethod
    def active_on(cls, day):
        return cls.select().where((cls.start_date <= day) &
                                  ((cls.end_date.is_null()) | (cls.end_date >= day)))


class WasteOrder(OfAProperty, BaseModel):
    """An order or a request of a resident: an extra emptying, a contract change, a new service.

    Customer service decides each one (status pending -> approved | rejected); the schedule
    engine reads approved changes from their effective date.
    """

    property = ForeignKeyField(Property, backref="orders", on_delete="CASCADE")
    contract = ForeignKeyField(WasteContract, null=True, backref="orders", on_delete="CASCADE")
    kind = CharField()  # see KINDS
    status = CharField(default="pending")  # pending | approved | rejected | cancelled
    effective_date = DateField()  # desired date, or the date a change takes effect
    end_date = DateField(null=True)  # last day of a suspension
    bin_count = IntegerField(null=True)
    interval_weeks = IntegerField(null=True)
    waste_type = CharField(null=True)
    bin_size = IntegerField(null=True)
    route_weekday = IntegerField(null=True)  # a route change: the new weekday (0 = Monday)
    extra_info = TextField(default="")
    price = money_field(null=True)  # price per emptying shown when ordering
    request_key = CharField(unique=True)  # one order per submitted form, however often sent
    created_at = DateTimeField(default=utcnow)
    created_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    decided_at = DateTimeField(null=True)
    decided_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    decision_note = TextField(null=True)

    CHANGE_KINDS = ("bin_count", "interval", "suspension", "termination")  # a resident's requests
    RHYTHM_KINDS = ("bin_count", "interval", "change_bin", "route_change")  # start a new stretch of the rhythm
    KINDS = ("extra_emptying", *CHANGE_KINDS, "new_service", "change_bin", "route_change")
    STATUSES = ("pending", "approved", "rejected", "cancelled")


    @classmethod
    def queue(cls, *, kind: str = "", status: str = "", municipality: str = ""):
        """Requests for customer service, oldest first, with their property and contract;
        narrowed by kind, status and municipality when those are given (and known)."""
        query = (cls.select(cls, Property, WasteContract).join(Property)
                 .join_from(cls, WasteContract, JOIN.LEFT_OUTER).order_by(cls.created_at))
        if kind in cls.KINDS:
            query = query.where(cls.kind == kind)
        if status in cls.STATUSES:
            query = query.where(cls.status == status)
        if municipality:
            query = query.where(Property.municipality == municipality)
        return query

    @classmethod
    def pending(cls):
        """Requests waiting for customer service, oldest first."""
        return cls.queue(status="pending")

    @classmethod
    def of_property(cls, prop):
        """A property's orders with their contract, the latest made first."""
        return (cls.select(cls, WasteContract).join(WasteContract, JOIN.LEFT_OUTER)
                .where(cls.property == prop).order_by(cls.created_at.desc(), cls.id.desc()))

    @classmethod
    def effective_between(cls, prop, start, end=None):
        """A property's orders taking effect from `start` (to `end`), the latest date first."""
        query = (cls.of_property(prop).where(cls.effective_date >= start)
                 .order_by(cls.effective_date.desc(), cls.id.desc()))
        return query.where(cls.effective_date <= end) if end else query

    @classmethod
    def in_effect(cls):
        """The rule for which orders the schedule follows, as a query condition: approved
        ones, and extra emptyings still pending."""
        return (cls.status == "approved") | ((cls.status == "pending") & (cls.kind == "extra_emptying"))


class Emptying(BaseModel):
    """An emptying the truck has done (reported by the route system)."""

    contract = ForeignKeyField(WasteContract, backref="emptyings", on_delete="CASCADE")
    emptied_on = DateField()
    bin_count = IntegerField()
    extra = BooleanField(default=False)
    invoice = DeferredForeignKey("Invoice", null=True, backref="+", on_delete="SET NULL")

    class Meta:
        indexes = ((("contract", "emptied_on"), True),)

    @classmethod
    def latest_of(cls, contracts, on) -> dict:
        """{contract id: the day of its latest emptying on or before `on`}."""
        return dict(cls.select(cls.contract, fn.MAX(cls.emptied_on))
                    .where(cls.contract.in_(contracts) & (cls.emptied_on <= on))
                    .group_by(cls.contract).tuples())


class CompostNotice(OfAProperty, BaseModel):
    """A composting notification (kompostointi-ilmoitus) for the waste authority's register."""

    property = ForeignKeyField(Property, backref="compost_notices", on_delete="CASCADE")
    user = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    first_name = CharField()
    last_name = CharField()
    street = CharField()
    postal_code = CharField()
    post_office = CharField()
    phone = CharField()
    email = CharField()
    building_type = CharField()
    occupancy = CharField()
    persons = IntegerField()
    composter_type = CharField()  # see COMPOSTER_TYPES
    composter_other = CharField(null=True)
    volume_l = IntegerField()
    composted = TextField()
    extra_info = TextField(default="")
    confirm_disuse = BooleanField()
    confirm_correct = BooleanField()
    notified_on = DateField()
    valid_until = DateField(index=True)
    renews = ForeignKeyField("self", null=True, backref="renewals", on_delete="SET NULL")
    request_key = CharField(unique=True)
    created_at = DateTimeField(default=utcnow)

    @classmethod
    def renewed_among(cls, notices) -> set[int]:
        """The ids of those of `notices` that a later notice renews."""
        return {r for (r,) in cls.select(cls.renews).where(cls.renews.in_(notices)).tuples()}

    @classmethod
    def register(cls, today, *, municipality: str = "", validity: str = ""):
        """The register for the waste authority, the latest first: every notice, or those
        of one municipality, valid (on `today`) or expired."""
        query = (cls.select(cls, Property).join(Property)
                 .order_by(cls.notified_on.desc(), cls.id.desc()))
        if municipality:
            query = query.where(Property.municipality == municipality)
        if validity == "valid":
            query = query.where(cls.valid_until >= today)
        elif validity == "expired":
            query = query.where(cls.valid_until < today)
        return query

    COMPOSTER_TYPES = ("insulated_food", "non_insulated", "bokashi", "other")

