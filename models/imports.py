"""What was imported from the previous system (`flask import`)."""
from __future__ import annotations

from peewee import CharField, DateTimeField, IntegerField, TextField

from models.base import BaseModel
from models.clock import utcnow


class ImportRecord(BaseModel):
    """One imported row: its id in the previous system (`source_id`, unique per `entity`),
    the id of the object it became and the values it had when last imported."""

    entity = CharField()  # customer | property | waste_contract | … (one per file)
    source_id = CharField()
    object_id = IntegerField()
    values_json = TextField()
    imported_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("entity", "source_id"), True),)
