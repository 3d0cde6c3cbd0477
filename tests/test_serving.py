"""Serving as in production: compression, static caching, request logs, /healthz, /metrics
(views/monitoring.py), and gunicorn with deploy/gunicorn.conf.py."""
import datetime as dt
import gzip
import json
import logging
import re

import pytest
import requests

import backup
from models import Outbox, SchedulerLease, db
from models.clock import utcnow
from tests import factories
from tests.conftest import POSTGRES_URL, login, make_app
from tests.served import Served
from views.monitoring import JsonFormatter

STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"]+)"')


def test_html_css_and_js_are_compressed_and_versioned_files_cached_for_a_year(client):
    page = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    html = gzip.decompress(page.get_data()).decode()
    assert "<html" in html and "Accept-Encoding" in page.headers["Vary"]
    css_url = STYLESHEET.search(html).group(1)
    assert "?v=" in css_url
    css = client.get(css_url, headers={"Accept-Encoding": "br, gzip"})
    assert css.status_code == 200 and css.headers["Content-Encoding"] == "br"
    assert css.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    script = client.get("/static/vendor/htmx.min.js?v=1", headers={"Accept-Encoding": "br"})
    assert script.headers["Content-Encoding"] == "br"
    # Without the version the file may change under the same URL: no year-long cache.
    plain = client.get(css_url.split("?")[0])
    assert "immutable" not in plain.headers.get("Cache-Control", "")
    assert "Content-Encoding" not in plain.headers  # the client asked for no compression


def test_no_compression_when_the_proxy_does_it(tmp_path):
    app = make_app(tmp_path, COMPRESS_RESPONSES=False)
    page = app.test_client().get("/login", headers={"Accept-Encoding": "gzip, br"})
    assert "Content-Encoding" not in page.headers and b"<html" in page.get_data()


def test_one_log_line_per_request_with_its_id_and_the_user_id_never_the_name(client, caplog):
    user = factories.resident(username="lokimaija")  # lokimaija@example.fi, Testi Asukas…
    login(client, "lokimaija")
    caplog.set_level(logging.INFO, logger="kotipiha.request")
    caplog.clear()
    response = client.get("/properties/", headers={"X-Request-ID": "proxy-1234abcd"})
    [record] = [r for r in caplog.records if r.name == "kotipiha.request"]
    assert response.headers["X-Request-ID"] == record.request_id == "proxy-1234abcd"
    assert (record.user_id, record.endpoint, record.status) == (user.id, "properties.index", 200)
    assert record.duration_ms > 0
    line = JsonFormatter().format(record)
    fields = json.loads(line)
    assert "\n" not in line
    assert (fields["request_id"], fields["user_id"], fields["method"], fields["path"], fields["status"]) == (
        "proxy-1234abcd", user.id, "GET", "/properties/", 200)
    assert "lokimaija" not in line and "Testi" not in line and user.last_name not in line
    # An id that is not a plain token is replaced, not logged as it came.
    caplog.clear()
    response = client.get("/login", headers={"X-Request-ID": "bad id; <script>"})
    [record] = [r for r in caplog.records if r.name == "kotipiha.request"]
    assert re.fullmatch(r"[0-9a-f]{32}", record.request_id)
    assert response.headers["X-Request-ID"] == record.request_id


def test_healthz_tells_staff_the_database_scheduler_outbox_and_last_backup(tmp_path):
    app = make_app(tmp_path, BACKUP_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        factories.staff(username="valvoja")
    anonymous = client.get("/healthz")
    assert anonymous.status_code == 200 and anonymous.get_json() == {"status": "degraded"}  # the status alone
    login(client, "valvoja")
    first = client.get("/healthz").get_json()
    assert first["database"]["ok"] and first["database"]["schema_version"] == first["database"]["code_version"]
    assert (first["status"], first["late"]) == ("degraded", ["backup"])  # enabled, none made yet
    assert first["backup"]["last_at"] is None and first["outbox"]["pending"] == 0
    with app.app_context():
        Outbox.create(recipient="a@example.fi", subject="s", body_text="t", body_html="h", message_id="m1",
                      kind="test", created_at=utcnow() - dt.timedelta(hours=2))
        SchedulerLease.create(name="scheduler", holder="web-1", expires_at=utcnow() - dt.timedelta(minutes=5))
    report = client.get("/healthz").get_json()
    assert set(report["late"]) == {"scheduler", "outbox", "backup"}
    assert report["outbox"]["pending"] == 1 and report["outbox"]["oldest_pending_minutes"] >= 119
    assert report["scheduler"]["lease_alive"] is False
    assert "web-1" not in json.dumps(report)  # no host names to the world
    if not POSTGRES_URL:  # pg_dump's backup is tested with the backup tests
        with app.app_context():
            db.connect(reuse_if_open=True)
            backup.make_backup(db, app.instance_path, app.config["BACKUP_DIR"], 2)
            Outbox.update(status="sent").execute()
            SchedulerLease.update(expires_at=utcnow() + dt.timedelta(minutes=2)).execute()
        report = client.get("/healthz").get_json()
        assert report["status"] == "ok" and report["backup"]["age_hours"] < 1, report


@pytest.mark.skipif(bool(POSTGRES_URL), reason="a missing SQLite file is the unreachable database here")
def test_healthz_answers_503_when_the_database_does_not(tmp_path):
    app = make_app(tmp_path)
    app.config["DATABASE_URL"] = url = f"sqlite:///{tmp_path}/no/such/folder/db.sqlite3"
    from database import open_database
    open_database(url)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.get_json()["database"]["ok"] is False


def test_metrics_only_to_allowed_addresses(client):
    client.get("/login")
    page = client.get("/metrics")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/plain; version=")
    text = page.get_data(as_text=True)
    assert "kotipiha_schema_version" in text and "kotipiha_scheduler_lease_alive 0.0" in text
    # Made-up methods share one label value: a scraper cannot be made to grow a series each.
    for n in range(5):
        client.open("/login", method=f"BREW{n}")
    text = client.get("/metrics").get_data(as_text=True)
    assert "BREW" not in text and 'method="other"' in text
    text = page.get_data(as_text=True)
    assert re.search(r'kotipiha_requests_total\{endpoint="auth.login",method="GET",status="200"\} [1-9]', text)
    assert 'kotipiha_request_duration_seconds_count{endpoint="auth.login"}' in text
    assert 'kotipiha_queue_depth{queue="outbox_pending"} 0.0' in text
    outside = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert outside.status_code == 404


def test_gunicorn_with_the_production_settings_adds_up_every_workers_counts(tmp_path):
    """Two workers as `make run` starts them: /metrics counts the requests both served."""
    app = make_app(tmp_path)
    if not db.is_closed():
        db.close()
    with Served(app.config["DATABASE_URL"], tmp_path / "instance", workers=2) as server:
        session = requests.Session()
        for _ in range(12):
            assert session.get(server.url + "/healthz", headers={"Connection": "close"}).status_code == 200
        text = requests.get(server.url + "/metrics", timeout=10).text
        served_by = set()
        for line in server.log_path.read_text().splitlines():
            if "GET /healthz" in line:
                served_by.add(line)
    assert re.search(r'kotipiha_requests_total\{endpoint="monitoring.health",method="GET",status="200"\} 12.0',
                     text), text
    assert len(served_by) == 12  # one log line per request
