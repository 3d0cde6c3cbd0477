"""Water: consumption points, meters, readings, billing calendars."""
from __future__ import annotations

import datetime as dt

from peewee import CharField, DateField, DateTimeField, ForeignKeyField, IntegerField, TextField

from models.clock import utcnow
from models.accounts import User
from models.base import BaseModel
from models.properties import Property


M3_PER_PERSON = 35  # a new customer's annual estimate per person (seed 002)


class ConsumptionPoint(BaseModel):
    """A water consumption point (kulutuspaikka).

    Besides a resident's properties, a point is visible in a limited session opened with
    its number and meter number (`water_point_id` of the anonymous user)."""

    # (Above the field `property`, which hides the builtin in the rest of the class body.)
    @property
    def estimate_m3(self) -> int:
        """The annual estimate in use: from the readings, or persons × 35 m³ without them."""
        return self.annual_estimate_m3 or self.persons * M3_PER_PERSON

    number = CharField(unique=True)
    property = ForeignKeyField(Property, backref="consumption_points", on_delete="CASCADE")
    customer_class = CharField(default="small")  # small | large | industry
    billing_group = CharField()
    persons = IntegerField(default=2)
    annual_estimate_m3 = IntegerField(null=True)
    annual_estimate_changed_on = DateField(null=True)

    @classmethod
    def listed_for(cls, user):
        """The points `user` may see with their property, in address order."""
        visible = cls.visible_to(user).select(cls.id)
        return (cls.select(cls, Property).join(Property).where(cls.id.in_(visible))
                .order_by(Property.street, cls.number))

    @classmethod
    def visible_to(cls, user):
        point_id = getattr(user, "water_point_id", None)
        if point_id is not None:
            return cls.select().where(cls.id == point_id)
        return cls.select().join(Property).where(
            Property.id.in_(Property.ids_visible_to(user)))


class Meter(BaseModel):
    """A water meter of a consumption point."""

    point = ForeignKeyField(ConsumptionPoint, backref="meters", on_delete="CASCADE")
    number = CharField(unique=True)
    size = CharField()  # nominal size, e.g. "DN20"
    kind = CharField(default="mechanical")  # mechanical | remote
    installed_on = DateField()
    removed_on = DateField(null=True)
    start_reading = IntegerField(default=0)

    @classmethod
    def visible_to(cls, user):
        return cls.select().where(cls.point.in_(ConsumptionPoint.visible_to(user).select(ConsumptionPoint.id)))

    @classmethod
    def read_remotely(cls, points) -> set[int]:
        """The ids of those of `points` whose meter in use is read remotely (the resident
        reports no reading for them)."""
        return {p for (p,) in cls.select(cls.point).where(
            cls.point.in_(points) & (cls.kind == "remote") & cls.removed_on.is_null()).tuples()}


class Reading(BaseModel):
    """A meter reading in whole cubic metres."""

    meter = ForeignKeyField(Meter, backref="readings", on_delete="CASCADE")
    read_on = DateField()
    value = IntegerField()
    source = CharField(default="resident")  # resident | utility | remote | card
    status = CharField(default="accepted", index=True)  # accepted | flagged | rejected
    created_at = DateTimeField(default=utcnow)
    reported_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    review_reason = CharField(null=True)  # why staff should look at it
    reviewed_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    reviewed_at = DateTimeField(null=True)
    review_note = TextField(null=True)

    class Meta:
        indexes = ((("meter", "read_on"), True),)

    # Which readings count, for billing, the consumption chart, the annual estimate and the
    # checks of a new reading alike: accepted ones. A flagged reading waits for staff and
    # counts only once accepted; a rejected one never does.
    COUNTED_STATUS = "accepted"

    @classmethod
    def counted(cls):
        """The rule as a query condition."""
        return cls.status == cls.COUNTED_STATUS

    @property
    def counts(self) -> bool:
        return self.status == self.COUNTED_STATUS

    @classmethod
    def latest_of(cls, point):
        """A point's readings with their meter, the latest first."""
        return (cls.select(cls, Meter).join(Meter).where(Meter.point == point)
                .order_by(cls.read_on.desc(), cls.id.desc()))

    @classmethod
    def to_review(cls):
        """Readings waiting for staff, oldest first, with their meter, point and property."""
        return (cls.select(cls, Meter, ConsumptionPoint, Property)
                .join(Meter).join(ConsumptionPoint).join(Property)
                .where(cls.status == "flagged").order_by(cls.created_at))

    @classmethod
    def visible_to(cls, user):
        return cls.select().join(Meter).where(
            Meter.point.in_(ConsumptionPoint.visible_to(user).select(ConsumptionPoint.id)))


class BillingCalendar(BaseModel):
    """One billing period of a billing group: report by, billed on, due on."""

    billing_group = CharField()
    period_start = DateField()
    period_end = DateField()
    report_by = DateField()
    billing_date = DateField()
    due_date = DateField()

    class Meta:
        indexes = ((("billing_group", "period_start"), True),)

    @classmethod
    def next_billing(cls, group: str, after):
        """The first period of the group billed on or after `after`."""
        return (cls.select().where((cls.billing_group == group) & (cls.billing_date >= after))
                .order_by(cls.billing_date).first())

    @classmethod
    def of_year(cls, groups, year: int):
        """The periods of `groups` that touch `year`, by group and date."""
        return (cls.select().where(cls.billing_group.in_(list(groups)) &
                                   (cls.period_end >= dt.date(year, 1, 1)) & (cls.period_start <= dt.date(year, 12, 31)))
                .order_by(cls.billing_group, cls.period_start))
