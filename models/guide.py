"""The sorting guide (lajitteluopas): where each item goes, in three languages. Staff edit
it in the back office; `domain/sorting.py` keeps its search index."""
from __future__ import annotations

from peewee import CharField, DateTimeField, TextField

from models.base import BaseModel
from models.clock import utcnow


class SortingItem(BaseModel):
    fraction = CharField()  # see domain.sorting.FRACTIONS
    name_fi = CharField()
    name_sv = CharField()
    name_en = CharField()
    synonyms_fi = TextField(default="")  # comma-separated other words for the same item
    synonyms_sv = TextField(default="")
    synonyms_en = TextField(default="")
    note_fi = TextField(default="")  # a short instruction; empty: the fraction's own
    note_sv = TextField(default="")
    note_en = TextField(default="")
    updated_at = DateTimeField(default=utcnow)

    def name(self, lang: str) -> str:
        return getattr(self, f"name_{lang}", None) or self.name_fi

    def synonyms(self, lang: str) -> list[str]:
        return [s.strip() for s in (getattr(self, f"synonyms_{lang}", "") or "").split(",") if s.strip()]

    def note(self, lang: str) -> str:
        return getattr(self, f"note_{lang}", "") or ""
