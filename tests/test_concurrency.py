"""Findings that need real concurrency, attacked through HTTP against gunicorn with three
worker processes on the test database: no "database is locked", no double import, no more
password checks than the limit allows."""
import datetime as dt
import re
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from models import ConsumptionPoint, Invoice, LoginAttempt, Meter, Payment, Reading, db
from tests import factories
from tests.conftest import make_app
from tests.served import Served

WORKERS = 3


@pytest.fixture
def served(tmp_path):
    app = make_app(tmp_path)
    with app.app_context():
        user = factories.resident(username="rinnakkain")
        prop = user.customer.properties.get()
        point = ConsumptionPoint.create(number="100777", property=prop, billing_group="1", persons=2)
        meter = Meter.create(point=point, number="21000777", size="DN20", installed_on=dt.date(2020, 1, 1))
        Reading.create(meter=meter, read_on=dt.date(2025, 11, 20), value=500)
        factories.staff(username="kassa")
        for n in range(3):
            factories.staff(username=f"paakayttaja{n}", role="admin")
        invoice = factories.invoice(user.customer, total=Decimal("80.00"))
        ids = {"point": point.id, "meter": meter.id, "invoice": invoice.id, "reference": invoice.reference}
    if not db.is_closed():
        db.close()
    with Served(app.config["DATABASE_URL"], tmp_path / "instance", workers=WORKERS,
                LOGIN_MAX_FAILURES=5) as server:
        yield server, app, ids


def test_twenty_identical_reading_posts_at_once_make_one_reading_and_no_error(served):
    server, app, ids = served
    browser = server.client()
    browser.login("rinnakkain", factories.PASSWORD)
    page = f"/water/points/{ids['point']}/reading"
    token = browser.token(page)
    day = dt.date.today().isoformat()

    def send(_):
        return browser.copy().post(page, {"meter": ids["meter"], "value": "570", "day": day}, token=token).status_code

    with ThreadPoolExecutor(20) as pool:
        statuses = list(pool.map(send, range(20)))
    assert all(s < 500 for s in statuses), statuses
    assert 303 in statuses
    with app.app_context():
        assert Reading.select().where((Reading.meter == ids["meter"]) & (Reading.value == 570)).count() == 1


def test_two_identical_payment_imports_at_the_same_moment_apply_it_once(served):
    server, app, ids = served
    browser = server.client()
    browser.login("kassa", factories.PASSWORD)
    token = browser.token("/staff/billing")
    body = f"reference;amount;date\n{ids['reference']};80,00;20.11.2026\n".encode()

    def send(_):
        return browser.copy().post("/staff/billing", {}, token=token,
                                   files={"payments": ("maksut.csv", body, "text/csv")}).status_code

    with ThreadPoolExecutor(2) as pool:
        statuses = list(pool.map(send, range(2)))
    assert statuses == [303, 303]
    with app.app_context():
        assert Payment.select().count() == 1
        assert Invoice.get_by_id(ids["invoice"]).paid_amount == Decimal("80.00")


def test_parallel_wrong_logins_check_no_more_passwords_than_the_limit_plus_the_workers(served):
    server, app, _ids = served
    browser = server.client()
    token = browser.token("/login")

    def guess(n):
        response = browser.copy().post("/login", {"login": "rinnakkain", "password": f"arvaus numero {n}"},
                                       token=token, headers={"Accept-Language": "en"})
        return "Too many failed attempts" in response.text

    with ThreadPoolExecutor(12) as pool:
        throttled = list(pool.map(guess, range(40)))
    checked = throttled.count(False)
    assert checked <= 5 + WORKERS, checked
    with app.app_context():
        assert LoginAttempt.select().count() == 40  # every attempt is recorded


def test_twenty_identical_support_replies_make_one_message(served):
    from models import SupportMessage, SupportThread
    server, app, _ids = served
    browser = server.client()
    browser.login("rinnakkain", factories.PASSWORD)
    with app.app_context():
        from models import User
        owner = User.get(User.username == "rinnakkain")
        thread = SupportThread.create(customer=owner.customer_id, user=owner, category="other", subject="Hei",
                                      contact_method="none", request_key="open-1")
    if not db.is_closed():
        db.close()
    page = browser.get(f"/support/{thread.id}").text
    key = re.search(r'name="request_key"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="request_key"', page)
    token = browser.token(f"/support/{thread.id}")

    def send(_):
        return browser.copy().post(f"/support/{thread.id}", {"body": "Astia jäi tyhjentämättä.",
                                                              "request_key": key.group(1)}, token=token).status_code

    with ThreadPoolExecutor(20) as pool:
        statuses = list(pool.map(send, range(20)))
    assert all(s < 500 for s in statuses), statuses
    with app.app_context():
        assert SupportMessage.select().where(SupportMessage.thread == thread.id).count() == 1


def test_three_administrators_announcing_the_same_day_at_once_get_one_day_and_no_error(served):
    from models import CalendarException
    server, app, _ids = served
    days = [dt.date.today() + dt.timedelta(days=10 + n) for n in range(12)]
    browsers = []
    for n in range(3):
        browser = server.client()
        browser.login(f"paakayttaja{n}", factories.PASSWORD)
        browsers.append((browser, browser.token("/admin/days")))

    def send(job):
        (browser, token), day = job
        return browser.copy().post("/admin/days", {"day": f"{day.day}.{day.month}.{day.year}", "moved_to": "",
                                                   "name_fi": "Henkilöstöpäivä", "name_sv": "", "name_en": ""},
                                   token=token)

    # Every day announced by all three at once, twelve days in one burst: the race is met.
    with ThreadPoolExecutor(12) as pool:
        responses = list(pool.map(send, [(b, d) for d in days for b in browsers]))
    assert all(r.status_code < 500 for r in responses), [r.status_code for r in responses]
    assert sorted(r.status_code for r in responses) == [303] * 12 + [422] * 24
    assert all("already announced" in r.text or "on jo ilmoitettu" in r.text
               for r in responses if r.status_code == 422)
    with app.app_context():
        assert CalendarException.select().where(CalendarException.day.in_(days)).count() == 12
