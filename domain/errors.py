"""The one error a user can fix: every domain rule that refuses input raises FieldError."""
from __future__ import annotations

from contextlib import contextmanager


class FieldError(Exception):
    """`field` names the form field the problem belongs to ("" for the whole form), `code`
    the message (views/messages.py has one translated text per code), `values` what the
    message says (dates, numbers)."""

    def __init__(self, field: str, code: str, **values):
        super().__init__(code)
        self.field, self.code, self.values = field, code, values


@contextmanager
def unique_or(field: str, code: str, **values):
    """Write in a transaction (a savepoint inside another) whose unique constraint a request
    at the same moment may break: the loser gets the same FieldError as the check before
    it would have given, not a 500. Every "does it exist yet? then create" goes through it,
    the check being only the early, friendly answer."""
    from peewee import IntegrityError

    from models import db
    try:
        with db.atomic():
            yield
    except IntegrityError:
        raise FieldError(field, code, **values) from None
