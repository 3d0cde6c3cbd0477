"""Email addresses: one check for every address the app takes or sends to.

`email-validator` (the library WTForms itself uses) checks the syntax and normalises the
address; it refuses line breaks and everything else that could inject a mail header.
Deliverability is not checked here (no DNS lookups while a form is sent).
"""
from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

MAX_LENGTH = 254


class InvalidEmail(ValueError):
    pass


def normalize(raw: str | None) -> str:
    """The address as stored: validated, domain normalised, all case-folded (logins and
    lookups are case-insensitive). Raises InvalidEmail."""
    text = (raw or "").strip()
    if not text or len(text) > MAX_LENGTH or any(c in text for c in "\r\n"):
        raise InvalidEmail(text)
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        raise InvalidEmail(text) from None
    return checked.normalized.casefold()


def is_valid(raw: str | None) -> bool:
    try:
        normalize(raw)
    except InvalidEmail:
        return False
    return True
