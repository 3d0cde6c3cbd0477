"""Requests per second of the calendar partial against a trivial endpoint, same server.

    .venv/bin/python bench/calendar_throughput.py [--seconds 3]

A throw-away database with demo data is served on 127.0.0.1 by one server process; a
logged-in resident asks for the htmx calendar fragment of a month, and for /healthz.
Goal: the calendar at least half as fast as the trivial endpoint (ratio >= 0.5).
Requests go one at a time, bounded in count and time, to this machine only.
"""
from __future__ import annotations

import argparse
import http.client
import logging
import re
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from werkzeug.serving import WSGIRequestHandler, make_server  # noqa: E402

import migrations  # noqa: E402
from app import create_app  # noqa: E402
import demo  # noqa: E402
from models import Property, User, db  # noqa: E402

MAX_REQUESTS = 20_000


class Client:
    """One keep-alive connection with a cookie, like a browser tab."""

    def __init__(self, port):
        self.connection = http.client.HTTPConnection("127.0.0.1", port)
        self.cookie = ""

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookie:
            headers["Cookie"] = self.cookie
        if body is not None:
            body = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, data


def rates(client, targets, seconds, batch=25) -> list[float]:
    """Requests per second of each (path, headers), measured in alternating batches so
    that whatever else the machine does slows both alike."""
    counts, spent = [0] * len(targets), [0.0] * len(targets)
    deadline = time.perf_counter() + seconds * len(targets)
    while time.perf_counter() < deadline and sum(counts) < MAX_REQUESTS:
        for i, (path, headers) in enumerate(targets):
            start = time.perf_counter()
            for _ in range(batch):
                status, _body = client.request("GET", path, headers=headers)
                assert status == 200, (path, status)
            spent[i] += time.perf_counter() - start
            counts[i] += batch
    return [c / s for c, s in zip(counts, spent)]


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kotipiha-bench-"))
    app = create_app({"INSTANCE_PATH": str(folder), "SECRET_KEY": "bench",
                      "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}"})
    with app.app_context(), db.connection_context():
        migrations.upgrade(db)
        demo.load(properties=200, seed=5)
        home = Property.of_user(User.by_login("maija")).first()
    WSGIRequestHandler.protocol_version = "HTTP/1.1"  # keep-alive, as a browser has
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = Client(server.server_port)

    _, page = client.request("GET", "/login")
    token = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()
    status, _ = client.request("POST", "/login", {"csrf_token": token, "login": "maija",
                                                  "password": demo.DEMO_PASSWORD})
    assert status == 303, status
    calendar = f"/properties/{home.id}/calendar?month=2026-12"
    fragment = {"HX-Request": "true", "HX-Target": "calendar"}
    rates(client, [(calendar, fragment), ("/healthz", {})], 0.3)  # warm up
    trivial, partial = rates(client, [("/healthz", {}), (calendar, fragment)], args.seconds)
    server.shutdown()
    print(f"trivial endpoint: {trivial:8.0f} requests/s")
    print(f"calendar partial: {partial:8.0f} requests/s")
    print(f"ratio: {partial / trivial:.2f}   goal: at least 0.8 (issue #23) -> "
          f"{'met' if partial / trivial >= 0.8 else 'NOT met'}")


if __name__ == "__main__":
    main()
