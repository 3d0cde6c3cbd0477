"""Links in what leaves the app, built from the URL map without a request."""
from __future__ import annotations

from flask import current_app


def app_path(endpoint: str, **values) -> str:
    """The path of a page of the app, e.g. for a push notification to open."""
    return current_app.url_map.bind("").build(endpoint, values)


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an email, built from BASE_URL."""
    return current_app.config["BASE_URL"].rstrip("/") + app_path(endpoint, **values)
