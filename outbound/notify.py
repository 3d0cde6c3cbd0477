"""Telling one user something, on each channel they have not turned off: an email with a
one-click unsubscribe link for its kind, and a push message to their installed app."""
from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from itsdangerous import BadSignature, URLSafeSerializer

from models import NotificationPref
from outbound import mail, push
from outbound.links import app_path


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="unsubscribe")


def unsubscribe_token(user, kind: str) -> str:
    return _serializer().dumps({"u": user.id, "k": kind})


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if data.get("k") not in NotificationPref.KINDS:
        return None
    return data["u"], data["k"]


# Where a push notification opens the app, by template.
PUSH_TARGETS = {
    "pickup_reminder": lambda c: ("waste.calendar", {"property_id": c["contract"].property_id}),
    "reading_reminder": lambda c: ("water.report", {"point_id": c["point"].id}),
    "compost_renewal": lambda c: ("compost.index", {}),
    "order_decision": lambda c: ("properties.detail", {"property_id": c["order"].property_id}),
    "reading_rejected": lambda c: ("water.point", {"point_id": c["reading"].meter.point_id}),
    "support_answer": lambda c: ("support.thread", {"thread_id": c["thread"].id}),
    "payment_reminder": lambda c: ("invoices.detail", {"invoice_id": c["invoice"].id}),
    "disruption_notice": lambda c: ("properties.index", {}),
    "shared_bin_invite": lambda c: ("shared_bins.detail", {"shared_id": c["shared"].id}),
    "sludge_reminder": lambda c: ("sludge.order", {"property_id": c["prop"].id, "system_id": c["system"].id}),
}


def notify(user, template: str, kind: str, channels: dict | None = None, **context) -> bool:
    """Tell a user, on each channel they have not turned off for `kind`: an email with its
    unsubscribe link, and a push to their installed app. Call inside the transaction of
    the change it tells about; both are queued, and sent later by the scheduler.
    `channels` is the user's choices when the caller loaded them in bulk."""
    if user is None:
        return False
    if channels is None:
        channels = NotificationPref.choices([user.id], kind)[user.id]
    told = False
    if channels["email"]:
        mail.queue(user.email, template, user.language, kind=kind, user=user,
                   unsubscribe=unsubscribe_token(user, kind), **context)
        told = True
    if channels["push"] and template in PUSH_TARGETS:
        endpoint, values = PUSH_TARGETS[template](context)
        with force_locale(user.language):
            title = str(mail.SUBJECTS[template])
        told = push.queue(user, title, current_app.config["UTILITY_NAME"], app_path(endpoint, **values)) > 0 or told
    return told
