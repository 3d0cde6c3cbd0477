"""Septic and holding tanks (sako- ja umpikaivot): a property's wastewater systems and the
sludge emptyings ordered for them."""
from __future__ import annotations

from peewee import (BooleanField, CharField, DateField, DateTimeField, DecimalField, DeferredForeignKey,
                    ForeignKeyField, IntegerField, TextField)

from models.accounts import User
from models.base import BaseModel, money_field
from models.clock import utcnow
from models.properties import OfAProperty, Property


class WastewaterSystem(OfAProperty, BaseModel):
    """A septic tank, a holding tank or a small treatment plant of a property."""

    property = ForeignKeyField(Property, backref="wastewater_systems", on_delete="CASCADE")
    kind = CharField()  # see KINDS
    volume_m3 = DecimalField(max_digits=6, decimal_places=1)
    chambers = IntegerField(default=1)
    greywater_only = BooleanField(default=False)  # washing water only, no toilet
    dry_toilet = BooleanField(default=False)  # the toilet is a dry toilet (a holiday home)
    access_notes = TextField(default="")  # where the lid is, a gate, a dog
    hose_distance_m = IntegerField(default=0)  # from where the truck stops
    interval_weeks = IntegerField(null=True)  # a holding tank emptied on a fixed rhythm
    last_emptied_on = DateField(null=True)  # told by the resident when the tank is added
    created_at = DateTimeField(default=utcnow)

    KINDS = ("septic_tank", "holding_tank", "treatment_plant")


    @classmethod
    def of_property(cls, prop):
        return cls.select().where(cls.property == prop).order_by(cls.id)


class SludgeOrder(OfAProperty, BaseModel):
    """An emptying of a wastewater system: ordered for a week, planned by staff for a day of
    it, done with the m³ emptied, then billed on the customer's next waste invoice."""

    system = ForeignKeyField(WastewaterSystem, backref="orders", on_delete="CASCADE")
    property = ForeignKeyField(Property, backref="sludge_orders", on_delete="CASCADE")
    week = DateField(index=True)  # the Monday of the week asked for
    status = CharField(default="pending")  # see STATUSES
    planned_day = DateField(null=True, index=True)
    emptied_on = DateField(null=True)
    emptied_m3 = DecimalField(max_digits=6, decimal_places=1, null=True)
    price_estimate = money_field(null=True)  # shown when ordering, for the system's volume
    extra_info = TextField(default="")
    scheduled = BooleanField(default=False)  # made by a holding tank's fixed rhythm
    request_key = CharField(unique=True)
    created_at = DateTimeField(default=utcnow)
    created_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    done_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    invoice = DeferredForeignKey("Invoice", null=True, backref="+", on_delete="SET NULL")

    STATUSES = ("pending", "planned", "done", "cancelled")
    OPEN = ("pending", "planned")


    @classmethod
    def open_of(cls, systems) -> dict:
        """{system id: its open order (pending or planned)}."""
        return {o.system_id: o for o in cls.select().where(cls.system.in_(systems) & cls.status.in_(cls.OPEN))}

    @classmethod
    def route(cls, day):
        """The emptyings planned for `day`, in the order a truck drives: by municipality,
        postal code and street."""
        return (cls.select(cls, WastewaterSystem, Property).join(WastewaterSystem).switch(cls).join(Property)
                .where((cls.planned_day == day) & cls.status.in_(("planned", "done")))
                .order_by(Property.municipality, Property.postal_code, Property.street, cls.id))

    @classmethod
    def unplanned(cls, until_week):
        """Orders waiting for a day, for weeks up to `until_week`, the earliest first."""
        return (cls.select(cls, WastewaterSystem, Property).join(WastewaterSystem).switch(cls).join(Property)
                .where((cls.status == "pending") & (cls.week <= until_week))
                .order_by(cls.week, Property.municipality, Property.postal_code, Property.street, cls.id))
