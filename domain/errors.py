"""The one error a user can fix: every domain rule that refuses input raises FieldError."""
from __future__ import annotations


class FieldError(Exception):
    """`field` names the form field the problem belongs to ("" for the whole form), `code`
    the message (views/messages.py has one translated text per code), `values` what the
    message says (dates, numbers)."""

    def __init__(self, field: str, code: str, **values):
        super().__init__(code)
        self.field, self.code, self.values = field, code, values
