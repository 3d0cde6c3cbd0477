"""Web Push against a real push service on 127.0.0.1: encrypted, delivered, gone removed."""
import base64
import datetime as dt
import http.server
import json
import os
import threading

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from domain import notifications, push
from models import PushMessage, PushSubscription, WasteOrder
from tests import factories
from tests.conftest import login
from tests.smtp import free_port


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class PushService(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):  # noqa: N802 - the http.server API
        body = self.rfile.read(int(self.headers["Content-Length"]))
        PushService.received.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(410 if self.path.startswith("/gone") else 201)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def service():
    PushService.received = []
    server = http.server.HTTPServer(("127.0.0.1", free_port()), PushService)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def browser_keys():
    private = ec.generate_private_key(ec.SECP256R1())
    public = private.public_key().public_bytes(serialization.Encoding.X962,
                                               serialization.PublicFormat.UncompressedPoint)
    auth = os.urandom(16)
    return private, b64(public), auth


def test_a_decision_reaches_the_installed_app_and_a_gone_device_is_removed(ctx, service):
    push.make_keys()
    resident = factories.resident(language="sv")
    private, public, auth = browser_keys()
    phone = push.subscribe(resident, f"{service}/push/phone", public, b64(auth))
    push.subscribe(resident, f"{service}/gone/old-tablet", *browser_keys()[1:2], b64(os.urandom(16)))
    notifications.set_preference(resident, "decisions", True, "push")
    prop = resident.customer.properties.get()
    order = WasteOrder.create(property=prop, kind="extra_emptying", effective_date=dt.date(2026, 12, 2),
                              request_key="p1", created_by=resident, status="approved")
    assert notifications.notify(resident, "order_decision", "decisions", order=order)
    assert PushMessage.select().count() == 2
    assert push.send_due() == (1, 1)
    [(path, headers, body)] = [r for r in PushService.received if r[0] == "/push/phone"]
    assert headers["content-encoding"] == "aes128gcm" and headers["authorization"].startswith("vapid ")
    payload = json.loads(http_ece.decrypt(body, private_key=private, auth_secret=auth, version="aes128gcm"))
    assert payload["title"] == "Kundtjänsten har behandlat din begäran"  # in the resident's language
    assert payload["url"] == f"/properties/{prop.id}"
    assert [s.endpoint for s in PushSubscription.select()] == [phone.endpoint]  # the gone one removed
    assert push.send_due() == (0, 0)  # nothing is sent twice


def test_no_push_unless_asked_for(ctx, service):
    push.make_keys()
    resident = factories.resident()
    push.subscribe(resident, f"{service}/push/x", browser_keys()[1], b64(os.urandom(16)))
    prop = resident.customer.properties.get()
    order = WasteOrder.create(property=prop, kind="extra_emptying", effective_date=dt.date(2026, 12, 2),
                              request_key="p2", created_by=resident, status="approved")
    notifications.notify(resident, "order_decision", "decisions", order=order)
    assert PushMessage.select().count() == 0  # push is off until the resident turns it on


def test_a_device_subscribes_through_the_app(client, app):
    with app.app_context():
        key = push.make_keys()
    resident = factories.resident()
    login(client, resident.username)
    page = client.get("/account/notifications").get_data(as_text=True)
    assert 'id="enable-push"' in page
    assert client.get("/push/key").get_json() == {"key": key}
    import re
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    body = {"endpoint": "https://push.example.invalid/abc", "keys": {"p256dh": browser_keys()[1], "auth": "x" * 22}}
    response = client.post("/push/subscriptions", json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 201
    assert PushSubscription.get().user_id == resident.id
    assert client.post("/push/subscriptions", json=body).status_code == 400  # no CSRF token
