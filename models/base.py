"""The base of every model, the database proxy and the money field types."""
from __future__ import annotations

from peewee import DatabaseProxy, DecimalField, Model

db = DatabaseProxy()

LANGUAGES = ("fi", "sv", "en")


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False

    @classmethod
    def visible_to(cls, user):
        """The rows `user` may see. Models a resident can open override this."""
        return cls.select().where(cls.id.is_null())

    @classmethod
    def of_customer_of(cls, user):
        """For models with a `customer`: staff see all, a resident their customer's rows."""
        if user.is_staff:
            return cls.select()
        if user.customer_id is None:
            return cls.select().where(cls.id.is_null())
        return cls.select().where(cls.customer == user.customer_id)


def money_field(**kwargs) -> DecimalField:
    return DecimalField(max_digits=12, decimal_places=2, auto_round=True, **kwargs)


def unit_price_field(**kwargs) -> DecimalField:
    return DecimalField(max_digits=12, decimal_places=4, auto_round=True, **kwargs)
