"""Web Push to the installed app: VAPID keys, queueing, sending.

A push message is written to `push_message` in the transaction of the change it tells
about (like mail); the scheduler's minute job sends what is pending with pywebpush. A
subscription the push service answers 404 or 410 to is gone, and is removed.
"""
from __future__ import annotations

import base64
import json
import logging
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from flask import current_app
from py_vapid import Vapid01
from pywebpush import WebPushException, webpush

from domain.clock import utcnow
from models import PushMessage, PushSubscription

log = logging.getLogger(__name__)
GONE = (404, 410)
MAX_ATTEMPTS = 5


def _key_file() -> Path:
    return Path(current_app.config.get("VAPID_PRIVATE_KEY_FILE") or Path(current_app.instance_path) / "vapid.pem")


def make_keys(force: bool = False) -> str:
    """Create the VAPID key pair (once); returns the public application server key."""
    path = _key_file()
    if force or not path.exists():
        vapid = Vapid01()
        vapid.generate_keys()
        path.parent.mkdir(parents=True, exist_ok=True)
        vapid.save_key(str(path))
        path.chmod(0o600)
    return public_key()


def public_key() -> str | None:
    path = _key_file()
    if not path.exists():
        return None
    vapid = Vapid01.from_file(str(path))
    raw = vapid.public_key.public_bytes(serialization.Encoding.X962,
                                        serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def subscribe(user, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    existing = PushSubscription.get_or_none(PushSubscription.endpoint == endpoint)
    if existing is not None:
        existing.user, existing.p256dh, existing.auth = user, p256dh, auth
        existing.save()
        return existing
    return PushSubscription.create(user=user, endpoint=endpoint, p256dh=p256dh, auth=auth)


def queue(user, title: str, body: str, url: str) -> int:
    """Queue a message to each of the user's devices; returns how many."""
    subscriptions = list(PushSubscription.select().where(PushSubscription.user == user))
    for subscription in subscriptions:
        PushMessage.create(subscription=subscription, title=title[:200], body=body[:1000], url=url)
    return len(subscriptions)


def send_due(limit: int = 200) -> tuple[int, int]:
    """Send pending push messages; returns (sent, gone or failed)."""
    path = _key_file()
    if not path.exists():
        return 0, 0
    claims = {"sub": f"mailto:{current_app.config['UTILITY_EMAIL']}"}
    sent = dropped = 0
    pending = (PushMessage.select(PushMessage, PushSubscription).join(PushSubscription)
               .where(PushMessage.status == "pending").order_by(PushMessage.id).limit(limit))
    for message in list(pending):
        subscription = message.subscription
        try:
            webpush({"endpoint": subscription.endpoint,
                     "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}},
                    json.dumps({"title": message.title, "body": message.body, "url": message.url}),
                    vapid_private_key=str(path), vapid_claims=dict(claims), timeout=10)
        except WebPushException as error:
            status = getattr(error.response, "status_code", None)
            if status in GONE:
                log.info("push subscription %s is gone; removed", subscription.id)
                subscription.delete_instance()  # its queued messages go with it
                dropped += 1
                continue
            attempts = message.attempts + 1
            PushMessage.update(attempts=attempts, status="failed" if attempts >= MAX_ATTEMPTS else "pending").where(
                PushMessage.id == message.id).execute()
            dropped += 1
            continue
        PushMessage.update(status="sent", sent_at=utcnow(), attempts=message.attempts + 1).where(
            PushMessage.id == message.id).execute()
        sent += 1
    return sent, dropped
