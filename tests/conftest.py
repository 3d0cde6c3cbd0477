"""Shared fixtures: an app on a real SQLite file, migrated; a client; data factories."""
from __future__ import annotations

import datetime as dt
import os
import re
from decimal import Decimal

import pytest

import migrations
from app import create_app
from models.clock import set_clock
from models import (CollectionPoint, ConsumptionPoint, Credit, Meter, Property, Reading, SupportThread, WasteOrder,
                    WastewaterSystem, db)
from tests import factories

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


# TEST_DATABASE_URL=postgresql://… runs the suite against PostgreSQL (a fresh database per
# test, copied from a migrated template; one database per xdist worker).
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
# Tests hash passwords the cheap way (production keeps scrypt: test_accounts proves it).
FAST_HASH = "pbkdf2:sha256:1"
_TEMPLATE: dict[str, object] = {}


def _worker_url(url: str) -> str:
    """The worker's own database (kotipiha_test → kotipiha_test_gw1) under xdist."""
    return f"{url}_{WORKER}" if WORKER else url


def _fresh_postgres(url: str) -> None:
    """The test database anew from the migrated template (made once per process):
    CREATE DATABASE … TEMPLATE copies it in milliseconds instead of 25 migrations."""
    from playhouse.db_url import connect
    base, name = url.rsplit("/", 1)
    template = f"{name}_template"
    admin = connect(f"{base}/postgres")
    admin.connect()
    admin.connection().autocommit = True
    try:
        if "postgres" not in _TEMPLATE:
            admin.execute_sql(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
            admin.execute_sql(f'CREATE DATABASE "{template}"')
            database = connect(f"{base}/{template}")
            migrations.upgrade(database)
            database.close()
            _TEMPLATE["postgres"] = template
        admin.execute_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        admin.close()


def copy_of_template(name: str, target, fill) -> None:
    """`target` becomes a copy of a SQLite file made once per process: `fill(folder)` leaves
    it in folder/kotipiha.sqlite3 (checkpointed here, so the one file is all of it)."""
    import shutil
    import sqlite3
    import tempfile
    from pathlib import Path
    if name not in _TEMPLATE:
        folder = Path(tempfile.mkdtemp(prefix=f"kotipiha-{name}-"))
        fill(folder)
        if not db.is_closed():
            db.close()
        connection = sqlite3.connect(folder / "kotipiha.sqlite3")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        _TEMPLATE[name] = folder / "kotipiha.sqlite3"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_TEMPLATE[name], target)


def _migrated(folder) -> None:
    create_app({"TESTING": True, "INSTANCE_PATH": str(folder / "instance"), "SECRET_KEY": "template",
                "DATABASE_URL": f"sqlite:///{folder / 'kotipiha.sqlite3'}", "BACKUP_ENABLED": False,
                "PASSWORD_HASH_METHOD": FAST_HASH})
    with db.connection_context():
        migrations.upgrade(db)


def make_app(tmp_path, **overrides):
    postgres = _worker_url(POSTGRES_URL) if POSTGRES_URL else ""
    if "DATABASE_URL" not in overrides:
        if postgres:
            _fresh_postgres(postgres)
        else:
            target = tmp_path / "kotipiha.sqlite3"
            if not target.exists():  # the same test opening its database again (a restart) keeps it
                copy_of_template("migrated", target, _migrated)
    settings = {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": postgres or f"sqlite:///{tmp_path / 'kotipiha.sqlite3'}",
        "SECRET_KEY": "test-secret-key",
        "BASE_URL": "http://127.0.0.1:8000",
        "BACKUP_ENABLED": False,  # tests/test_backup.py makes its own
        "PASSWORD_HASH_METHOD": FAST_HASH,
    }
    settings.update(overrides)
    app = create_app(settings)
    with db.connection_context():
        migrations.upgrade(db)
    return app


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path)
    yield app
    if not db.is_closed():
        db.close()
    set_clock(None)


@pytest.fixture
def ctx(app):
    """An app context for calling domain code directly. Requests made by a test client
    while it is pushed would share its `g`, so view tests do without it."""
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token(client, page="/login") -> str:
    match = CSRF_FIELD.search(client.get(page).get_data(as_text=True))
    assert match, f"no CSRF token on {page}"
    return match.group(1)


def post_form(client, url, data, page=None, **kwargs):
    """POST like a browser: with the CSRF token taken from the page the form is on."""
    return client.post(url, data={"csrf_token": csrf_token(client, page or url), **data}, **kwargs)


def login(client, username, password=factories.PASSWORD):
    response = post_form(client, "/login", {"login": username, "password": password})
    assert response.status_code == 303, response.get_data(as_text=True)
    return response


@pytest.fixture
def resident(app):
    return factories.resident()


@pytest.fixture
def resident_client(client, resident):
    login(client, resident.username)
    return client


@pytest.fixture(scope="module")
def ctx_prices(tmp_path_factory):
    """A module-wide app with the demo price list, for property-based price tests."""
    from domain import price_list
    from models import PriceListRow
    app = make_app(tmp_path_factory.mktemp("prices"))
    with app.app_context():
        PriceListRow.insert_many(price_list.price_rows()).execute()
        yield app


@pytest.fixture
def world(app):
    """One of every object a URL names, for the walks over the URL map."""
    with app.app_context():
        user = factories.resident(username="kokeilija")
        prop = user.customer.properties.get()
        contract = prop.waste_contracts.get()
        point = ConsumptionPoint.create(number="100123", property=prop, billing_group="1", persons=2)
        meter = Meter.create(point=point, number="21000123", size="DN20", installed_on=dt.date(2020, 1, 1))
        reading = Reading.create(meter=meter, read_on=dt.date(2025, 11, 20), value=500, status="flagged")
        invoice = factories.invoice(user.customer, total=Decimal("80.00"))
        credit = Credit.create(customer=user.customer, source_invoice=invoice, amount=Decimal("250"),
                               refund_due=True)
        order = WasteOrder.create(property=prop, contract=contract, kind="extra_emptying", status="pending",
                                  effective_date=dt.date(2026, 12, 2), bin_count=1, request_key="k1",
                                  created_by=user)
        thread = SupportThread.create(customer=user.customer, user=user, category="other", subject="Hei",
                                      contact_method="none", request_key="t1")
        system = WastewaterSystem.create(property=prop, kind="septic_tank", volume_m3=Decimal("4.0"))
        point_ = CollectionPoint.create(name="Kuortti", street="Kuortintie 625", municipality="Pertunmaa",
                                        latitude=Decimal("61.4248"), longitude=Decimal("26.4270"),
                                        fractions="mixed,glass", emptying_weekdays="2")
        Property.update(collection_point=point_).where(Property.id == prop.id).execute()
        staff = factories.staff(username="tarkastaja")
        ids = {"system_id": system.id, "collection_point_id": point_.id, "property_id": prop.id, "contract_id": contract.id, "point_id": point.id,
               "invoice_id": invoice.id, "credit_id": credit.id, "order_id": order.id,
               "thread_id": thread.id, "customer_id": user.customer_id, "reading_id": reading.id,
               "kind": "bin_count", "token": "x" * 40}
    return user, staff, ids
