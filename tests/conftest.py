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


# TEST_DATABASE_URL=postgresql://… runs the suite against PostgreSQL (emptied per test).
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")


def _empty_postgres(url: str) -> None:
    from playhouse.db_url import connect
    database = connect(url)
    database.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    database.close()


def make_app(tmp_path, **overrides):
    if POSTGRES_URL and "DATABASE_URL" not in overrides:
        _empty_postgres(POSTGRES_URL)
    settings = {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": POSTGRES_URL or f"sqlite:///{tmp_path / 'kotipiha.sqlite3'}",
        "SECRET_KEY": "test-secret-key",
        "BASE_URL": "http://127.0.0.1:8000",
        "BACKUP_ENABLED": False,  # tests/test_backup.py makes its own
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
