"""What the admin pages change (settings, collection areas, announced days), read at most
once per app context — a request or a scheduled job — however often it is asked for, and
read again after a change."""
from __future__ import annotations

from typing import Callable, TypeVar

from flask import g, has_app_context

T = TypeVar("T")


def cached(key: str, load: Callable[[], T], outside: T) -> T:
    """`load()` once per app context; `outside` one (no database at hand)."""
    if not has_app_context():
        return outside
    store = g.setdefault("per_context", {})
    if key not in store:
        store[key] = load()
    return store[key]


def forget() -> None:
    """After an administrator's change: everything is read again when next asked for."""
    if has_app_context():
        g.pop("per_context", None)
