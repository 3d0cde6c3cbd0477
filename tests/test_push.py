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

from domain import notifications
from outbound import push
from outbound.notify import notify
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
def service(ctx):
    PushService.received = []
    server = http.server.HTTPServer(("127.0.0.1", free_port()), PushService)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_port}"
    ctx.config["PUSH_ALLOWED_ORIGINS"] = origin  # this test service, by name; nothing else private
    yield origin
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
    assert notify(resident, "order_decision", "decisions", order=order)
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
    notify(resident, "order_decision", "decisions", order=order)
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
    body = {"endpoint": "https://8.8.8.8/abc",  # a public host (resolves without a network)
            "keys": {"p256dh": browser_keys()[1], "auth": "x" * 22}}
    response = client.post("/push/subscriptions", json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 201
    assert PushSubscription.get().user_id == resident.id
    assert client.post("/push/subscriptions", json=body).status_code == 400  # no CSRF token


@pytest.mark.parametrize("endpoint", [
    "http://fcm.googleapis.com/fcm/send/x",  # not https
    "https://127.0.0.1:8443/push", "https://localhost/push", "https://[::1]/push",
    "https://10.0.0.5/push", "https://192.168.1.1/push", "https://172.16.0.1/push",
    "https://169.254.169.254/latest/meta-data", "https://[fe80::1]/push", "https://0.0.0.0/push",
    "https://224.0.0.1/push", "https://no-such-host.invalid/push", "javascript:alert(1)", "https:///x",
])
def test_only_https_endpoints_on_public_hosts_are_accepted(ctx, endpoint):
    resident = factories.resident()
    with pytest.raises(push.InvalidSubscription):
        push.subscribe(resident, endpoint, browser_keys()[1], b64(os.urandom(16)))
    push.check_endpoint("https://8.8.8.8/push/ok")  # a public address passes (nothing is sent)


@pytest.mark.parametrize("p256dh, auth", [
    ("not-a-key", b64(os.urandom(16))), (b64(os.urandom(65)), b64(os.urandom(16))),
    (None, b64(os.urandom(16))), (browser_keys()[1], b64(os.urandom(8))), (browser_keys()[1], "%%%")],
    ids=["not-a-key", "not-a-point", "no-key", "short-auth", "auth-not-base64"])  # random values: stable ids for xdist
def test_subscription_keys_are_checked(ctx, p256dh, auth):
    with pytest.raises(push.InvalidSubscription):
        push.check_keys(p256dh, auth)


def test_a_bad_key_or_private_host_never_blocks_the_pushes_behind_it(ctx, service):
    from models import PushSubscription as Sub
    push.make_keys()
    resident = factories.resident()
    private, public, auth = browser_keys()
    # Stored before the checks existed: a broken key, and an endpoint on a private host.
    bad_key = Sub.create(user=resident, endpoint=f"{service}/push/bad", p256dh="AAAA", auth="AAAA")
    inside = Sub.create(user=resident, endpoint="http://10.1.2.3/push", p256dh=public, auth=b64(auth))
    good = push.subscribe(resident, f"{service}/push/good", public, b64(auth))
    for subscription in (bad_key, inside, good):
        PushMessage.create(subscription=subscription, title="Hei", body="b", url="/")
    assert push.send_due() == (1, 2)
    assert [r[0] for r in PushService.received] == ["/push/good"]
    assert PushMessage.get(PushMessage.subscription == inside.id).status == "failed"


def test_the_subscribe_endpoint_refuses_a_loopback_endpoint(app, client):
    resident = factories.resident()
    login(client, resident.username)
    from tests.conftest import csrf_token
    token = csrf_token(client, "/account/notifications")
    response = client.post("/push/subscriptions", json={"endpoint": "https://127.0.0.1:9/x",
                                                        "keys": {"p256dh": browser_keys()[1],
                                                                 "auth": b64(os.urandom(16))}},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 400 and PushSubscription.select().count() == 0
