"""Shared bins (jätekimppa): neighbouring properties sharing one bin, its members and their
shares. The bin's emptyings are the schedule of one waste contract, made when customer
service approves the shared bin."""
from __future__ import annotations

from peewee import (BooleanField, CharField, DateField, DateTimeField, DecimalField, DeferredForeignKey, ForeignKeyField,
                    IntegerField)

from models.accounts import Customer, User
from models.base import BaseModel
from models.clock import utcnow
from models.properties import Property
from models.waste import Emptying, WasteContract


class SharedBin(BaseModel):
    host = ForeignKeyField(Property, backref="+", on_delete="CASCADE")  # where the bin stands
    waste_type = CharField()
    bin_size = IntegerField()
    interval_weeks = IntegerField()
    start_date = DateField()
    status = CharField(default="forming")  # see STATUSES
    split = CharField(default="equal")  # equal | custom
    contract = ForeignKeyField(WasteContract, null=True, backref="+", on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    created_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    decided_at = DateTimeField(null=True)
    decided_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    decision_note = CharField(default="")

    STATUSES = ("forming", "pending", "approved", "rejected")

    @classmethod
    def visible_to(cls, user):
        """The shared bins one of the user's properties is (or was invited to be) in."""
        mine = Property.ids_visible_to(user)
        return cls.select().where(cls.id.in_(SharedBinMember.select(SharedBinMember.shared_bin)
                                             .where(SharedBinMember.property.in_(mine))))

    @classmethod
    def of_property(cls, prop):
        """The shared bins the property is in or invited to, with its own membership."""
        return (cls.select(cls, SharedBinMember, Property).join(SharedBinMember).switch(cls).join(Property)
                .where((SharedBinMember.property == prop) & (SharedBinMember.status != "declined"))
                .order_by(cls.id))


def shared_contract_ids(prop):
    """A subquery: the contracts of the approved shared bins `prop` is a confirmed member of."""
    return (SharedBin.select(SharedBin.contract).join(SharedBinMember)
            .where((SharedBinMember.property == prop) & (SharedBinMember.status == "confirmed") &
                   (SharedBin.status == "approved") & SharedBin.contract.is_null(False)))


class SharedBinMember(BaseModel):
    shared_bin = ForeignKeyField(SharedBin, backref="members", on_delete="CASCADE")
    property = ForeignKeyField(Property, backref="+", on_delete="CASCADE")
    customer = ForeignKeyField(Customer, backref="+", on_delete="CASCADE")
    status = CharField(default="invited")  # invited | confirmed | declined
    is_contact = BooleanField(default=False)  # the contact person (yhteyshenkilö)
    share_percent = DecimalField(max_digits=6, decimal_places=2, null=True)  # with custom shares
    left_on = DateField(null=True)  # the last day in the shared bin
    invited_at = DateTimeField(default=utcnow)
    confirmed_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("shared_bin", "property"), True),)


class SharedBinShare(BaseModel):
    """A member's share (percent; empty: equal shares) from `valid_from` until the member's
    next row: the history an emptying is billed by (the shares in force on its day)."""

    shared_bin = ForeignKeyField(SharedBin, backref="+", on_delete="CASCADE")
    member = ForeignKeyField(SharedBinMember, backref="+", on_delete="CASCADE")
    valid_from = DateField()
    share_percent = DecimalField(max_digits=6, decimal_places=2, null=True)

    class Meta:
        indexes = ((("member", "valid_from"), True),)


class SharedEmptyingBill(BaseModel):
    """A member's share of a shared bin's emptying, billed on `invoice`: each member is
    billed on their own schedule (a share under the minimum invoice waits), so an emptying
    is billed member by member, never twice to one."""

    emptying = ForeignKeyField(Emptying, backref="+", on_delete="CASCADE")
    customer = ForeignKeyField(Customer, backref="+", on_delete="CASCADE")
    invoice = DeferredForeignKey("Invoice", null=True, backref="+", on_delete="CASCADE")

    class Meta:
        indexes = ((("emptying", "customer"), True),)
