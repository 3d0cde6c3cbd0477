"""Customer support threads."""
from __future__ import annotations

from peewee import JOIN, BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, TextField

from models.clock import utcnow
from models.accounts import Customer, User
from models.base import BaseModel
from models.properties import CollectionPoint, Property
from models.waste import WasteContract
from models.water import ConsumptionPoint


class SupportThread(BaseModel):
    """A conversation between a resident and customer service (asiakastuki)."""

    customer = ForeignKeyField(Customer, null=True, backref="threads", on_delete="SET NULL")
    user = ForeignKeyField(User, null=True, backref="threads", on_delete="SET NULL")
    property = ForeignKeyField(Property, null=True, backref="+", on_delete="SET NULL")
    point = ForeignKeyField(ConsumptionPoint, null=True, backref="+", on_delete="SET NULL")
    category = CharField()  # see CATEGORIES
    subject = CharField()
    contact_method = CharField()  # phone | email | none
    email = CharField(null=True)
    phone = CharField(null=True)
    language = CharField(default="fi")
    status = CharField(default="open")  # open | answered | closed
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    request_key = CharField(unique=True)
    # "My bin was not emptied": the service and the day, so staff can order a catch-up.
    contract = ForeignKeyField(WasteContract, null=True, backref="+", on_delete="SET NULL")
    missed_on = DateField(null=True)
    collection_point = ForeignKeyField(CollectionPoint, null=True, backref="+", on_delete="SET NULL")

    @classmethod
    def inbox(cls, status: str = ""):
        """Threads with their customer, the longest waiting first; of one status if given."""
        query = cls.select(cls, Customer).join(Customer, JOIN.LEFT_OUTER).order_by(cls.updated_at)
        if status in cls.STATUSES:
            query = query.where(cls.status == status)
        return query

    @classmethod
    def waiting(cls):
        """Threads waiting for an answer, the longest waiting first."""
        return cls.inbox("open")

    STATUSES = ("open", "answered", "closed")
    CATEGORIES = ("emptying", "bins_contracts", "invoices", "water", "composting", "other")

    class Meta:
        indexes = ((("status", "updated_at"), False),)

    @classmethod
    def visible_to(cls, user):
        return cls.of_customer_of(user)


class SupportMessage(BaseModel):
    thread = ForeignKeyField(SupportThread, backref="messages", on_delete="CASCADE")
    author = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    from_staff = BooleanField(default=False)
    internal = BooleanField(default=False)  # a staff note the resident never sees
    body = TextField()
    created_at = DateTimeField(default=utcnow)
    request_key = CharField(null=True, unique=True)  # the form's key: a double send adds nothing
    attachment = CharField(null=True)  # a photo's file name in instance/uploads

    @classmethod
    def of_thread(cls, thread, *, with_internal: bool):
        """A thread's messages in order, with their authors; staff notes only for staff."""
        query = (cls.select(cls, User).join(User, JOIN.LEFT_OUTER).where(cls.thread == thread)
                 .order_by(cls.created_at, cls.id))
        return query if with_internal else query.where(~cls.internal)


class DisruptionNotice(BaseModel):
    """A disruption customer service announces (a water cut, boil-water advice, a delayed
    route) to the residents of some collection areas, billing groups or streets, from
    `starts_on` to `ends_on`. Empty targets mean: nobody by that criterion."""

    kind = CharField()  # see KINDS
    title = CharField()
    body = TextField()
    collection_areas = TextField(default="")  # one per line
    billing_groups = TextField(default="")
    streets = TextField(default="")  # street names without the number, one per line
    starts_on = DateField()
    ends_on = DateField(index=True)
    created_at = DateTimeField(default=utcnow)
    created_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")

    KINDS = ("water_cut", "boil_water", "route_delay", "other")

    @staticmethod
    def lines(text: str) -> list[str]:
        return [line.strip() for line in (text or "").splitlines() if line.strip()]

    @classmethod
    def in_force(cls, day):
        return cls.select().where((cls.starts_on <= day) & (cls.ends_on >= day)).order_by(cls.starts_on, cls.id)
