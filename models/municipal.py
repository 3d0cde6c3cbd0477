"""What administrators set on the admin pages (views/admin/): billing settings that are
not fixed by the environment, collection areas and the days a utility announces."""
from __future__ import annotations

from peewee import BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField, TextField

from models.accounts import User
from models.base import BaseModel
from models.clock import utcnow


class Setting(BaseModel):
    """A setting changed on the settings page; the environment still wins where it is set."""

    key = CharField(primary_key=True)
    value = TextField()
    changed_at = DateTimeField(default=utcnow)
    changed_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")


class CollectionArea(BaseModel):
    """A collection area (keräysalue) as properties name it: the weekday its route drives,
    whether it has biowaste collection and which recyclables its route takes."""

    name = CharField(unique=True)
    route_weekday = IntegerField()  # 0 = Monday
    biowaste = BooleanField(default=False)
    recycling = TextField(default="")  # waste types, comma-separated

    @property
    def recycling_types(self) -> tuple[str, ...]:
        return tuple(t for t in self.recycling.split(",") if t)


class CalendarException(BaseModel):
    """A day the utility announces: no emptyings that day (they move to the next working
    day, or to `moved_to` when that is given, which may be a Saturday)."""

    day = DateField(unique=True)
    moved_to = DateField(null=True)
    name_fi = CharField()
    name_sv = CharField(default="")
    name_en = CharField(default="")

    def name(self, lang: str) -> str:
        return {"sv": self.name_sv, "en": self.name_en}.get(lang) or self.name_fi
