"""Web Push to the installed app: VAPID keys, queueing, sending.

A push message is written to `push_message` in the transaction of the change it tells
about (like mail); the scheduler's minute job sends what is pending with pywebpush. A
subscription the push service answers 404 or 410 to is gone, and is removed.
"""
from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import logging
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app
from py_vapid import Vapid01
from pywebpush import WebPushException, webpush

from models.clock import utcnow
from models import AuditLog, PushMessage, PushSubscription, db

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


class InvalidSubscription(ValueError):
    pass


def _b64(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def check_endpoint(endpoint: str) -> None:
    """A push service is an https URL on a public host. The host is resolved and every
    address it has must be public: no loopback, private, link-local (cloud metadata),
    reserved or multicast address, so the server never posts into its own network."""
    try:
        parts = urlsplit(endpoint)
        port = parts.port or 443
    except ValueError:
        raise InvalidSubscription("endpoint") from None
    allowed = [o.strip().rstrip("/") for o in str(current_app.config.get("PUSH_ALLOWED_ORIGINS", "")).split(",")]
    if f"{parts.scheme}://{parts.netloc}" in allowed and len(endpoint) <= 1000:
        return  # a push service the installation names (a test service on this machine)
    if parts.scheme != "https" or not parts.hostname or len(endpoint) > 1000:
        raise InvalidSubscription("endpoint")
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)}
    except (OSError, UnicodeError):
        raise InvalidSubscription("endpoint") from None
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global or ip.is_multicast:
            raise InvalidSubscription("endpoint")


def check_keys(p256dh: str, auth: str) -> None:
    """The browser's keys: a P-256 public point and a 16-byte secret (RFC 8291)."""
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _b64(p256dh))
        if len(_b64(auth)) != 16:
            raise ValueError("auth")
    except (ValueError, TypeError, binascii.Error):
        raise InvalidSubscription("keys") from None


def subscribe(user, endpoint: str, p256dh: str, auth: str, *, ip: str | None = None) -> PushSubscription:
    """Store a device's subscription once its endpoint and keys are checked."""
    check_endpoint(endpoint)
    check_keys(p256dh, auth)
    with db.atomic():
        subscription = PushSubscription.get_or_none(PushSubscription.endpoint == endpoint)
        if subscription is not None:
            subscription.user, subscription.p256dh, subscription.auth = user, p256dh, auth
            subscription.save()
        else:
            subscription = PushSubscription.create(user=user, endpoint=endpoint, p256dh=p256dh, auth=auth)
        AuditLog.record(user, "push_subscribe", user, ip=ip)
    return subscription


def queue(user, title: str, body: str, url: str) -> int:
    """Queue a message to each of the user's devices; returns how many."""
    subscriptions = list(PushSubscription.select().where(PushSubscription.user == user))
    for subscription in subscriptions:
        PushMessage.create(subscription=subscription, title=title[:200], body=body[:1000], url=url)
    return len(subscriptions)


def send_due(limit: int = 200, *, budget: float = 40) -> tuple[int, int]:
    """Send pending push messages; returns (sent, gone or failed). A message that fails
    for any reason is counted and retried (at most MAX_ATTEMPTS), never stopping the ones
    behind it; the endpoint is checked again before each send (its host may have moved to
    a private address since)."""
    path = _key_file()
    if not path.exists():
        return 0, 0
    claims = {"sub": f"mailto:{current_app.config['UTILITY_EMAIL']}"}
    sent = dropped = 0
    started = time.monotonic()
    pending = (PushMessage.select(PushMessage, PushSubscription).join(PushSubscription)
               .where(PushMessage.status == "pending").order_by(PushMessage.id).limit(limit))
    for message in list(pending):
        if time.monotonic() - started > budget:
            break
        subscription = message.subscription
        try:
            check_endpoint(subscription.endpoint)
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
            _failed(message, error)
            dropped += 1
            continue
        except Exception as error:  # noqa: BLE001 - a bad key or host must not stop the others
            _failed(message, error)
            dropped += 1
            continue
        PushMessage.update(status="sent", sent_at=utcnow(), attempts=message.attempts + 1).where(
            PushMessage.id == message.id).execute()
        sent += 1
    return sent, dropped


def _failed(message: PushMessage, error: Exception) -> None:
    attempts = message.attempts + 1
    permanent = isinstance(error, InvalidSubscription)
    PushMessage.update(attempts=attempts,
                       status="failed" if permanent or attempts >= MAX_ATTEMPTS else "pending").where(
        PushMessage.id == message.id).execute()
    log.warning("push %s failed (attempt %d): %s: %s", message.id, attempts, type(error).__name__, error)
