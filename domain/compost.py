"""Composting notifications: valid five years, renewable from 60 days before expiry.

A notice goes into the waste authority's composting register, which staff export as CSV.
"""
from __future__ import annotations

import datetime as dt

from peewee import IntegrityError

from domain import spreadsheet
from models import AuditLog, CompostNotice, db

VALIDITY_YEARS = 5
RENEW_FROM_DAYS = 60

FIELDS = ("first_name", "last_name", "street", "postal_code", "post_office", "phone", "email",
          "building_type", "occupancy", "persons", "composter_type", "composter_other", "volume_l",
          "composted", "extra_info", "confirm_disuse", "confirm_correct")


def valid_until(notified_on: dt.date) -> dt.date:
    try:
        end = notified_on.replace(year=notified_on.year + VALIDITY_YEARS)
    except ValueError:  # 29 February
        end = notified_on.replace(year=notified_on.year + VALIDITY_YEARS, day=28)
    return end - dt.timedelta(days=1)


def renewable(notice: CompostNotice, today: dt.date, renewed: bool | None = None) -> bool:
    """From 60 days before expiry, unless renewed already (`renewed`: known by the caller)."""
    if renewed is None:
        renewed = notice.renewals.exists()
    return notice.valid_until - dt.timedelta(days=RENEW_FROM_DAYS) <= today and not renewed


def make_notice(user, prop, data: dict, *, today: dt.date, request_key: str,
                renews: CompostNotice | None = None, ip: str | None = None) -> CompostNotice:
    existing = CompostNotice.get_or_none(CompostNotice.request_key == request_key)
    if existing is not None:
        return existing
    try:
        with db.atomic():
            notice = CompostNotice.create(property=prop, user=user, notified_on=today,
                                          valid_until=valid_until(today), renews=renews,
                                          request_key=request_key, **{f: data[f] for f in FIELDS})
            AuditLog.record(user, "compost_renew" if renews else "compost_notify", notice, ip=ip)
    except IntegrityError:
        return CompostNotice.get(CompostNotice.request_key == request_key)
    return notice


REGISTER_COLUMNS = ("id", "notified_on", "valid_until", "property_street", "property_postal_code",
                    "property_post_office", "municipality", *FIELDS, "renews")


def register_csv(notices) -> bytes:
    """The register for the waste authority: one row a notice, every field."""
    return spreadsheet.to_csv(REGISTER_COLUMNS, (
        [n.id, n.notified_on.isoformat(), n.valid_until.isoformat(), n.property.street,
         n.property.postal_code, n.property.post_office, n.property.municipality,
         *[("yes" if v is True else "no" if v is False else "" if v is None else v)
           for v in (getattr(n, f) for f in FIELDS)],
         n.renews_id or ""] for n in notices))
