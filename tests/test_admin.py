"""The administrators' pages: prices from a date, VAT by date, billing calendars; customer
service reads them (domain/administration.py, views/admin/)."""
import datetime as dt
import json
from decimal import Decimal

import pytest

from domain import administration, billing_runs, invoicing, price_list
from domain.billing import Tariffs
from domain.errors import FieldError
from models import AuditLog, BillingCalendar, PriceListRow, User
from models.clock import today
from tests import factories
from tests.conftest import login, post_form

TODAY = dt.date(2026, 11, 24)


@pytest.fixture
def prices(ctx):
    PriceListRow.insert_many(price_list.price_rows()).execute()
    BillingCalendar.insert_many(price_list.billing_calendar_rows(2026, 2026)).execute()


def water_row() -> PriceListRow:
    return PriceListRow.get((PriceListRow.component == "water") & PriceListRow.valid_to.is_null())


def test_a_new_price_starts_after_today_and_the_old_one_ends_the_day_before(prices):
    admin = factories.staff(role="admin")
    old = water_row()
    assert old.unit_price == Decimal("2.45")
    made = administration.set_price(admin, old, Decimal("2.6500"), dt.date(2027, 1, 1), today=TODAY)
    assert PriceListRow.get_by_id(old.id).valid_to == dt.date(2026, 12, 31)
    tariffs = Tariffs(PriceListRow.select())
    assert tariffs.price("water", dt.date(2026, 12, 31)).unit_price == Decimal("2.45")
    assert tariffs.price("water", dt.date(2027, 1, 1)).unit_price == Decimal("2.65")
    entry = AuditLog.get(AuditLog.action == "price_set")
    assert (entry.actor_id, entry.object_id) == (admin.id, str(made.id))
    assert json.loads(entry.before_json)["valid_to"] is None
    assert json.loads(entry.after_json)["unit_price"] == "2.6500"
    # Never today or earlier: invoices may use those days' prices already.
    for day in (TODAY, TODAY - dt.timedelta(days=30)):
        with pytest.raises(FieldError) as error:
            administration.set_price(admin, water_row(), Decimal("9"), day, today=TODAY)
        assert error.value.code == "price_not_future"
    # A later price exists: a second one before it is refused until it is removed.
    with pytest.raises(FieldError) as error:
        administration.set_price(admin, old, Decimal("2.55"), dt.date(2026, 12, 1), today=TODAY)
    assert error.value.code == "price_later_exists"
    administration.remove_price(admin, made, today=TODAY)
    assert PriceListRow.get_by_id(old.id).valid_to is None  # goes on as before
    assert AuditLog.select().where(AuditLog.action == "price_removed").count() == 1
    with pytest.raises(FieldError):
        administration.remove_price(admin, old, today=TODAY)  # in force: never removed


def test_a_vat_change_keeps_every_net_price(prices):
    """25,5 % -> 27 % from 1.1.2027: water 2,45 € = 1,952191… net; × 1,27 = 2,479283… -> 2,4793."""
    admin = factories.staff(role="admin")
    count = administration.change_vat(admin, Decimal("27"), dt.date(2027, 1, 1), today=TODAY)
    assert count == PriceListRow.in_force(dt.date(2026, 12, 31)).count()
    tariffs = Tariffs(PriceListRow.select())
    water = tariffs.price("water", dt.date(2027, 1, 1))
    assert (water.unit_price, water.vat_rate) == (Decimal("2.4793"), Decimal("27"))
    assert tariffs.price("water", dt.date(2026, 12, 31)).unit_price == Decimal("2.45")
    assert administration.vat_rates()[-2:] == [(price_list.VAT_CHANGE, Decimal("25.5")),
                                                (dt.date(2027, 1, 1), Decimal("27"))]
    assert AuditLog.get(AuditLog.action == "vat_changed").after_json


def test_a_billing_period_changes_until_its_billing_day_and_a_year_carries_over(prices):
    admin = factories.staff(role="admin")
    q4 = BillingCalendar.get((BillingCalendar.billing_group == "1") &
                             (BillingCalendar.period_start == dt.date(2026, 10, 1)))
    administration.save_period(admin, q4, report_by=dt.date(2026, 12, 31), billing_date=dt.date(2027, 1, 8),
                               due_date=dt.date(2027, 1, 29), today=TODAY)
    assert BillingCalendar.get_by_id(q4.id).billing_date == dt.date(2027, 1, 8)
    assert billing_runs.run_due(dt.date(2027, 1, 4), invoicing.BillingSettings()) == []  # not the old day
    with pytest.raises(FieldError) as error:
        administration.save_period(admin, q4, report_by=dt.date(2026, 12, 31), billing_date=dt.date(2027, 1, 8),
                                   due_date=dt.date(2027, 1, 15), today=TODAY)
    assert error.value.code == "due_two_weeks"
    q3 = BillingCalendar.get((BillingCalendar.billing_group == "1") &
                             (BillingCalendar.period_start == dt.date(2026, 7, 1)))
    with pytest.raises(FieldError) as error:
        administration.save_period(admin, q3, report_by=q3.report_by, billing_date=dt.date(2027, 1, 8),
                                   due_date=dt.date(2027, 2, 1), today=TODAY)
    assert error.value.code == "period_billed"
    assert administration.add_year(admin, "monthly", 2027) == 12
    feb = BillingCalendar.get((BillingCalendar.billing_group == "monthly") &
                              (BillingCalendar.period_start == dt.date(2027, 2, 1)))
    assert (feb.period_end, feb.billing_date, feb.due_date) == (dt.date(2027, 2, 28), dt.date(2027, 3, 15),
                                                                 dt.date(2027, 4, 5))
    with pytest.raises(FieldError):
        administration.add_year(admin, "monthly", 2027)
    assert AuditLog.select().where(AuditLog.action.startswith("billing_calendar")).count() == 2


@pytest.fixture
def admin_world(app):
    with app.app_context():
        PriceListRow.insert_many(price_list.price_rows()).execute()
        BillingCalendar.insert_many(price_list.billing_calendar_rows(today().year, today().year + 1)).execute()
        factories.staff(username="paakayttaja", role="admin")
        factories.staff(username="palvelija")
        return water_row().id


def test_customer_service_reads_the_pages_and_cannot_change_them(client, admin_world, app):
    login(client, "palvelija")
    for url in ("/admin/", "/admin/prices", f"/admin/prices/{admin_world}", "/admin/vat", "/admin/calendars"):
        page = client.get(url)
        assert page.status_code == 200, url
        assert 'method="post"' not in page.get_data(as_text=True).split("<main", 1)[1].split("</main>")[0], url
    later = (today() + dt.timedelta(days=40)).isoformat()
    response = post_form(client, f"/admin/prices/{admin_world}", {"unit_price": "9,99", "valid_from": later},
                         page="/admin/prices")
    assert response.status_code == 403
    with app.app_context():
        assert PriceListRow.select().where(PriceListRow.unit_price == Decimal("9.99")).count() == 0


def test_an_administrator_sets_a_price_and_a_bad_one_keeps_what_was_typed(client, admin_world, app):
    login(client, "paakayttaja")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fi"
    url = f"/admin/prices/{admin_world}"
    bad = post_form(client, url, {"unit_price": "2,6x", "valid_from": today().isoformat()})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'value="2,6x"' in page
    later = today() + dt.timedelta(days=40)
    good = post_form(client, url, {"unit_price": "2,65", "valid_from": later.isoformat()})
    assert good.status_code == 303
    with app.app_context():
        row = PriceListRow.get((PriceListRow.component == "water") & (PriceListRow.valid_from == later))
        assert row.unit_price == Decimal("2.65")
        assert AuditLog.get(AuditLog.action == "price_set").actor.username == "paakayttaja"
    listing = client.get("/admin/prices").get_data(as_text=True)
    assert "2,6500" in listing or "2,65" in listing


def test_nobody_else_finds_the_pages(client, app):
    with app.app_context():
        factories.resident(username="asukas-admin")
    assert client.get("/admin/prices").status_code == 404
    login(client, "asukas-admin")
    assert client.get("/admin/prices").status_code == 404
    with app.app_context():
        assert not User.get(User.username == "asukas-admin").is_admin


def test_every_admin_route_staff_read_administrators_change_nobody_else_sees(client, admin_world, app):
    """One rule for the whole blueprint (a new route cannot forget it): anonymous and
    residents get 404, customer service reads (GET) and is refused every change (403 on
    every POST route), administrators get past the rule."""
    from tests.conftest import csrf_token
    from models import CalendarException
    with app.app_context():
        factories.resident(username="asukas")
        ids = {"row_id": admin_world, "period_id": BillingCalendar.select().first().id, "group": "1",
               "day_id": CalendarException.create(day=today() + dt.timedelta(days=30), name_fi="Päivä", name_sv="",
                                                  name_en="").id}
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("admin.")]
    assert len(rules) >= 12 and {a for r in rules for a in r.arguments} <= set(ids)
    urls = [(r, r.build({a: ids[a] for a in r.arguments})[1]) for r in rules]
    for who in (None, "asukas"):
        browser = app.test_client()
        if who:
            login(browser, who)
        token = csrf_token(browser, "/account/" if who else "/login")
        for rule, url in urls:
            if "GET" in rule.methods:
                assert browser.get(url).status_code == 404, (who, url)
            if "POST" in rule.methods:
                assert browser.post(url, data={"csrf_token": token}).status_code == 404, (who, url)
    login(client, "palvelija")
    token = csrf_token(client, "/admin/")
    for rule, url in urls:
        if "POST" in rule.methods:
            assert client.post(url, data={"csrf_token": token}).status_code == 403, url
    admin = app.test_client()
    login(admin, "paakayttaja")
    token = csrf_token(admin, "/admin/")
    for rule, url in urls:
        if "POST" in rule.methods:
            assert admin.post(url, data={"csrf_token": token}).status_code not in (403, 404, 500), url
