"""Password rules: length 12-128, not a common password, no composition rules.

Hashing is scrypt (memory-hard) through Werkzeug, so no extra dependency is needed. The
method is the setting PASSWORD_HASH_METHOD (scrypt unless a test suite asks for a cheap
one; verifying reads the method from each stored hash, so either verifies).
"""
from __future__ import annotations

import functools
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 12
MAX_LENGTH = 128
_BLOCKLIST = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"

DEFAULT_METHOD = "scrypt"
_method = DEFAULT_METHOD


def use_method(method: str) -> None:
    """The hashing method of new hashes in this process (create_app sets it)."""
    global _method
    _method = method or DEFAULT_METHOD


@functools.cache
def _dummy_hash(method: str) -> str:
    """A valid hash to compare against when the user does not exist, so that an unknown
    user takes as long to refuse as a wrong password."""
    return generate_password_hash("kotipiha-dummy-password", method=method)


@functools.cache
def _common_passwords() -> frozenset[str]:
    lines = _BLOCKLIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines if line and not line.startswith("#"))


def password_problem(password: str, *, personal: tuple[str, ...] = ()) -> str | None:
    """A short code of what is wrong with a new password, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return "too_short"
    if len(password) > MAX_LENGTH:
        return "too_long"
    folded = password.casefold()
    if folded in _common_passwords() or len(set(folded)) < 4:
        return "common"
    if any(p and len(p) >= 4 and p.casefold() in folded and len(p) >= len(folded) - 4 for p in personal):
        return "personal"
    return None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=_method)


def verify_password(stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        check_password_hash(_dummy_hash(_method), password)
        return False
    return check_password_hash(stored_hash, password)
