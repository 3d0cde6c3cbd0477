"""Properties and the price list."""
from __future__ import annotations

from peewee import BooleanField, CharField, DateField, DateTimeField, DecimalField, ForeignKeyField, IntegerField

from models.clock import utcnow
from models.accounts import Customer
from models.base import BaseModel, unit_price_field


class CollectionPoint(BaseModel):
    """An area collection point (aluekeräyspiste): shared containers that holiday homes of
    some areas use instead of bins of their own."""

    name = CharField()
    street = CharField()
    municipality = CharField()
    latitude = DecimalField(max_digits=9, decimal_places=6)
    longitude = DecimalField(max_digits=9, decimal_places=6)
    fractions = CharField()  # the waste types taken, comma-separated (mixed,bio,glass,…)
    emptying_weekdays = CharField(default="")  # 0 = Monday, comma-separated
    active = BooleanField(default=True)

    @property
    def fraction_list(self) -> list[str]:
        return [f for f in self.fractions.split(",") if f]

    @property
    def weekday_list(self) -> list[int]:
        return [int(d) for d in self.emptying_weekdays.split(",") if d.strip().isdigit()]

    @classmethod
    def in_use(cls):
        return cls.select().where(cls.active).order_by(cls.municipality, cls.name)

    @classmethod
    def visible_to(cls, user):
        """The points in use are public: everyone may see and report them."""
        return cls.in_use()


class Property(BaseModel):
    """A property (kohde) served by the utility."""

    customer = ForeignKeyField(Customer, backref="properties", on_delete="RESTRICT")
    street = CharField()
    postal_code = CharField()
    post_office = CharField()
    municipality = CharField()
    collection_area = CharField()
    building_type = CharField()  # see BUILDING_TYPES
    occupancy = CharField(default="permanent")  # permanent | holiday
    dwellings = IntegerField(default=1)  # the annual waste basic fee is per dwelling
    joined_on = DateField(null=True)  # empty: a customer from before (a whole year's basic fee)
    created_at = DateTimeField(default=utcnow)
    calendar_token = CharField(null=True, unique=True)  # secret of the ICS feed
    # Where the property is (for the nearest collection points), and the collection point a
    # holiday home without bins of its own is assigned to.
    latitude = DecimalField(max_digits=9, decimal_places=6, null=True)
    longitude = DecimalField(max_digits=9, decimal_places=6, null=True)
    collection_point = ForeignKeyField(CollectionPoint, null=True, backref="properties", on_delete="SET NULL")

    BUILDING_TYPES = ("detached", "semi_detached", "terraced", "apartment", "holiday_home")

    @property
    def address(self) -> str:
        return f"{self.street}, {self.postal_code} {self.post_office}"

    @classmethod
    def visible_to(cls, user):
        return cls.of_customer_of(user)

    @classmethod
    def ids_visible_to(cls, user):
        """A subquery of the ids of the properties `user` may see: every model that belongs
        to a property is visible through it."""
        return cls.visible_to(user).select(cls.id)

    @classmethod
    def collection_areas(cls) -> list[str]:
        return [a for (a,) in cls.select(cls.collection_area).distinct().order_by(cls.collection_area).tuples()]

    @classmethod
    def municipalities(cls) -> list[str]:
        return [m for (m,) in cls.select(cls.municipality).distinct().order_by(cls.municipality).tuples()]

    @classmethod
    def search(cls, text: str):
        """A condition matching the address (street, postal code or post office)."""
        term = f"%{text.strip().upper()}%"  # addresses are stored in capitals
        return (cls.street ** term) | (cls.postal_code ** term) | (cls.post_office ** term)

    @classmethod
    def of_user(cls, user):
        """The user's own properties with their owner, in address order."""
        return (cls.visible_to(user).select(cls, Customer).join(Customer)
                .order_by(cls.street, cls.id))


class OfAProperty:
    """For a model with a `property`: a resident sees the rows of their own properties."""

    @classmethod
    def visible_to(cls, user):
        return cls.select().where(cls.property.in_(Property.ids_visible_to(user)))


class PriceListRow(BaseModel):
    """One published unit price, VAT included, valid for a date range."""

    component = CharField()  # waste_treatment | bin_emptying | water | wastewater | basic_fee
    waste_type = CharField(null=True)
    bin_size = IntegerField(null=True)
    meter_size = CharField(null=True)
    unit = CharField()  # emptying | m3 | month
    unit_price = unit_price_field()
    vat_rate = DecimalField(max_digits=5, decimal_places=2)
    valid_from = DateField()
    valid_to = DateField(null=True)

    @classmethod
    def in_force(cls, day):
        return cls.select().where((cls.valid_from <= day) &
                                  ((cls.valid_to.is_null()) | (cls.valid_to >= day)))
