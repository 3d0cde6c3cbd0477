"""The administrators' pages for announced days, billing settings and collection areas
(domain/administration.py, domain/settings.py, domain/areas.py, views/admin/)."""
import datetime as dt
import json
from decimal import Decimal

import pytest

import scheduler
from domain import administration, areas, dunning, jobs, schedule, waste
from domain.errors import FieldError
from domain.settings import in_force
from models import (AuditLog, BillingCalendar, BillingRun, CalendarException, PriceListRow, Reminder, Setting,
                    WasteContract, WasteOrder)
from models.clock import HELSINKI, set_clock
from tests import factories
from tests.conftest import login, make_app, post_form
from tests.test_payments_dunning import water_invoice

TODAY = dt.date(2026, 11, 24)  # a Tuesday


@pytest.fixture(autouse=True)
def frozen():
    set_clock(dt.datetime(2026, 11, 24, 10, 0, tzinfo=HELSINKI))
    yield
    set_clock(None)


def friday_bin() -> WasteContract:
    """A weekly bin emptied on Fridays (4.12. and 11.12.2026 are Fridays)."""
    owner = factories.customer()
    prop = factories.property_(owner)
    return WasteContract.create(property=prop, waste_type="mixed", bin_size=240, bin_count=1, interval_weeks=1,
                                route_weekday=4, start_date=dt.date(2026, 11, 2))


def days_of(contract, first, last):
    plans = schedule.plans_for(WasteContract.select().where(WasteContract.id == contract.id))
    return [e.day for e in schedule.planned_emptyings(plans[0], first, last)]


# -- announced days -------------------------------------------------------------------------

def test_an_announced_day_moves_emptyings_like_a_holiday_or_to_the_day_named(ctx):
    admin = factories.staff(role="admin")
    contract = friday_bin()
    first, last = dt.date(2026, 11, 30), dt.date(2026, 12, 13)
    assert days_of(contract, first, last) == [dt.date(2026, 12, 4), dt.date(2026, 12, 11)]
    closed = administration.announce_day(admin, dt.date(2026, 12, 4), moved_to=None,
                                         names={"fi": "Henkilöstöpäivä", "sv": "Personaldag"}, today=TODAY)
    administration.announce_day(admin, dt.date(2026, 12, 11), moved_to=dt.date(2026, 12, 12),
                                names={"fi": "Lauantaiajo"}, today=TODAY)
    # Friday 4.12. closed: the next working day is Monday 7.12.; 11.12. goes to Saturday 12.12.
    assert days_of(contract, first, last) == [dt.date(2026, 12, 7), dt.date(2026, 12, 12)]
    assert not schedule.is_working_day(dt.date(2026, 12, 4))
    assert schedule.holiday_name(dt.date(2026, 12, 4), "sv") == "Personaldag"
    assert schedule.holiday_name(dt.date(2026, 12, 11), "sv") == "Lauantaiajo"  # Finnish when no Swedish
    # An extra emptying cannot be ordered for the closed day.
    with pytest.raises(FieldError) as error:
        waste.check_extra_day(dt.date(2026, 12, 4), TODAY, waste.WasteSettings())
    assert error.value.code == "not_working_day"
    entry = AuditLog.get(AuditLog.action == "day_announced")
    assert json.loads(entry.after_json)["name_fi"] == "Henkilöstöpäivä"
    # Withdrawn, the Friday is a Friday again.
    administration.withdraw_day(admin, closed, today=TODAY)
    assert days_of(contract, first, last) == [dt.date(2026, 12, 4), dt.date(2026, 12, 12)]
    assert json.loads(AuditLog.get(AuditLog.action == "day_withdrawn").before_json)["day"] == "2026-12-04"


@pytest.mark.parametrize("day, moved_to, code", [
    (TODAY, None, "announced_not_future"),
    (dt.date(2026, 12, 11), None, "announced_exists"),
    (dt.date(2026, 12, 4), dt.date(2026, 12, 6), "announced_move_closed"),  # a Sunday
    (dt.date(2026, 12, 4), dt.date(2026, 12, 11), "announced_move_closed"),  # announced itself
    (dt.date(2026, 12, 4), dt.date(2026, 12, 14), "announced_move_range"),  # ten days
    (dt.date(2026, 12, 4), dt.date(2026, 12, 4), "announced_move_range"),
])
def test_an_announced_day_is_checked(ctx, day, moved_to, code):
    admin = factories.staff(role="admin")
    administration.announce_day(admin, dt.date(2026, 12, 11), moved_to=None, names={"fi": "Huolto"}, today=TODAY)
    with pytest.raises(FieldError) as error:
        administration.announce_day(admin, day, moved_to=moved_to, names={"fi": "Syy"}, today=TODAY)
    assert error.value.code == code
    assert CalendarException.select().count() == 1


def test_the_days_page_announces_and_the_residents_calendar_says_why(app, client):
    with app.app_context():
        factories.staff(username="paakayttaja", role="admin")
        factories.staff(username="asiakaspalvelu")
        resident = factories.resident(username="asukas")
        prop = resident.customer.properties[0]
        WasteContract.update(interval_weeks=1, route_weekday=4).execute()
    login(client, "asiakaspalvelu")
    page = client.get("/admin/days").get_data(as_text=True)
    assert "Henkilöstöpäivä" not in page and 'name="name_fi"' not in page  # customer service reads
    assert post_form(client, "/admin/days", {"day": "4.12.2026", "name_fi": "x"}, page="/admin/days").status_code == 403
    client = client.application.test_client()
    login(client, "paakayttaja")
    bad = post_form(client, "/admin/days", {"day": "4.12.2026", "moved_to": "6.12.2026", "name_fi": "Henkilöstöpäivä"})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "Sunday" in text or "sunnuntai" in text.lower()
    assert 'value="Henkilöstöpäivä"' in text  # what was typed is kept
    done = post_form(client, "/admin/days", {"day": "4.12.2026", "moved_to": "", "name_fi": "Henkilöstöpäivä",
                                             "name_sv": "", "name_en": "Staff day"})
    assert done.status_code == 303
    resident_client = client.application.test_client()
    login(resident_client, "asukas")
    calendar = resident_client.get(f"/properties/{prop.id}/calendar?month=2026-12").get_data(as_text=True)
    assert "Henkilöstöpäivä" in calendar


# -- billing settings -------------------------------------------------------------------------

def test_a_reminder_fee_set_on_the_page_is_charged_by_the_nightly_reminders(app, client):
    with app.app_context():
        factories.staff(username="paakayttaja", role="admin")
        owner = factories.customer()
        factories.resident(customer=owner, with_property=False)
        invoice = water_invoice(owner, total=Decimal("250.00"), days_ago=40)
    login(client, "paakayttaja")
    page = client.get("/admin/settings").get_data(as_text=True)
    assert 'value="5"' in page or 'value="5,00"' in page  # the default, shown
    form = {"minimum_invoice": "10", "credit_refund_threshold": "200", "waste_basic_fee_billed_on": "15.2.",
            "payment_statement_accounts": "", "reminder_fee_private": "7,50", "reminder_fee_business": "10",
            "cutoff_debt_limit": "170", "cutoff_weeks_large_debt": "5", "cutoff_months_small_debt": "3",
            "collection_days_after_reminder": "14",
            "late_interest_reference_rates": "1.1.2025 3,50\n1.7.2025 2,50\n1.1.2026 2,50\n1.7.2026 2,50",
            "minimum_interest": "5"}
    bad = post_form(client, "/admin/settings", {**form, "reminder_fee_private": "seitsemän"})
    assert bad.status_code == 422 and 'value="seitsemän"' in bad.get_data(as_text=True)
    assert post_form(client, "/admin/settings", form).status_code == 303
    with app.app_context():
        assert Setting.select().count() == 1  # only what changed
        entry = AuditLog.get(AuditLog.action == "setting_changed")
        assert json.loads(entry.before_json) == {"REMINDER_FEE_PRIVATE": "5"}
        assert json.loads(entry.after_json) == {"REMINDER_FEE_PRIVATE": "7.50"}
        # The nightly job, as the scheduler runs it, charges the new fee.
        job = next(j for j in scheduler.daily_jobs(app.config) if j.id == "dunning")
        jobs.run_once(job, invoice.due_date + dt.timedelta(days=14), app.config)
        reminder = Reminder.get()
        assert reminder.fee == Decimal("7.50")
        assert reminder.open_amount == Decimal("257.50")


def test_the_environment_wins_and_the_page_says_so(tmp_path):
    app = make_app(tmp_path, REMINDER_FEE_PRIVATE=9)
    client = app.test_client()
    with app.app_context():
        factories.staff(username="paakayttaja", role="admin")
        Setting.create(key="REMINDER_FEE_PRIVATE", value="7.50")
        Setting.create(key="REMINDER_FEE_BUSINESS", value="12.00")
        fees = dunning.DunningSettings.from_config(in_force())
        assert (fees.fee_private, fees.fee_business) == (Decimal(9), Decimal(12))
    login(client, "paakayttaja")
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "REMINDER_FEE_PRIVATE" in page and 'name="reminder_fee_private"' not in page
    assert 'name="reminder_fee_business"' in page


def test_customer_service_reads_the_settings(app, client):
    with app.app_context():
        factories.staff(username="asiakaspalvelu")
    login(client, "asiakaspalvelu")
    page = client.get("/admin/settings")
    assert page.status_code == 200 and 'name="reminder_fee_private"' not in page.get_data(as_text=True)
    assert post_form(client, "/admin/settings", {"reminder_fee_private": "1"}, page="/admin/").status_code == 403


# -- collection areas -------------------------------------------------------------------------

def test_an_area_decides_its_waste_types_and_moves_its_route(ctx):
    admin = factories.staff(role="admin")
    owner = factories.customer()
    prop = factories.property_(owner, collection_area="Kuusankoski")  # a two-weekly Wednesday bin
    other = factories.property_(owner, collection_area="Anjala")
    contract = WasteContract.get(WasteContract.property == prop)
    cfg = waste.WasteSettings.from_config(in_force())
    assert waste.unavailable_reason(prop, "glass", TODAY, cfg) == "fraction_area"  # config.py's defaults
    area, moved = areas.save_area(admin, "Kuusankoski", route_weekday=0, biowaste=True, recycling=["glass"],
                                  move_from=dt.date(2027, 1, 4), today=TODAY)
    assert moved == 1
    cfg = waste.WasteSettings.from_config(in_force())
    assert waste.unavailable_reason(prop, "glass", TODAY, cfg) is None
    assert waste.unavailable_reason(prop, "plastic", TODAY, cfg) == "fraction_area"
    assert waste.unavailable_reason(other, "glass", TODAY, cfg) == "fraction_area"
    # An area not saved keeps what the settings gave it.
    centre = factories.property_(owner, collection_area="Kouvola keskusta")
    assert waste.unavailable_reason(centre, "plastic", TODAY, cfg) is None
    assert waste.unavailable_reason(centre, "bio", TODAY, cfg) is None
    # Every second Wednesday from 3.1.2022 (30.12.2026 is one); from Monday 4.1.2027 the
    # same weeks on Mondays: 11.1. (the week of 4.1. is not a week of this bin), 25.1.
    assert days_of(contract, dt.date(2026, 12, 21), dt.date(2027, 1, 31)) == [
        dt.date(2026, 12, 30), dt.date(2027, 1, 11), dt.date(2027, 1, 25)]
    order = WasteOrder.get(WasteOrder.kind == "route_change")
    assert (order.status, order.route_weekday, order.property_id) == ("approved", 0, prop.id)
    entry = AuditLog.get(AuditLog.action == "area_saved")
    assert json.loads(entry.after_json)["contracts_moved"] == 1 and entry.before_json is None
    # A new contract in the area is emptied on the area's day.
    assert areas.weekday_of("Kuusankoski") == 0 and areas.weekday_of("Anjala") == areas.DEFAULT_WEEKDAY
    with pytest.raises(FieldError) as error:
        areas.save_area(admin, "Kuusankoski", route_weekday=1, biowaste=True, recycling=[], move_from=TODAY,
                        today=TODAY)
    assert error.value.code == "route_change_future"


def test_the_areas_pages(app, client):
    with app.app_context():
        factories.staff(username="paakayttaja", role="admin")
        factories.property_(factories.customer(), collection_area="Kuusankoski")
    login(client, "paakayttaja")
    listing = client.get("/admin/areas").get_data(as_text=True)
    assert "Kuusankoski" in listing
    page = client.get("/admin/area?name=Kuusankoski").get_data(as_text=True)
    assert 'value="Kuusankoski"' in page
    # Not saved yet: the form starts from what is in force (Kotka's packaging by config.py).
    kotka = client.get("/admin/area?name=Kotka").get_data(as_text=True)
    assert 'value="plastic" checked' in kotka and 'value="paper" checked' not in kotka
    bad = post_form(client, "/admin/area?name=Kuusankoski",
                    {"name": "Kuusankoski", "route_weekday": "0", "recycling": ["glass"], "move_from": "1.1.2020"},
                    page="/admin/area?name=Kuusankoski")
    assert bad.status_code == 422 and 'id="recycling-glass" name="recycling" value="glass" checked' in bad.get_data(
        as_text=True)
    done = post_form(client, "/admin/area?name=Kuusankoski",
                     {"name": "Kuusankoski", "route_weekday": "0", "recycling": ["glass"], "move_from": "4.1.2027"},
                     page="/admin/area?name=Kuusankoski")
    assert done.status_code == 303
    with app.app_context():
        assert WasteOrder.select().where(WasteOrder.kind == "route_change").count() == 1


# -- an empty installation's price list ---------------------------------------------------------

def test_an_empty_installation_starts_from_the_example_prices_and_corrects_them_until_billed(app, client):
    with app.app_context():
        factories.staff(username="paakayttaja", role="admin")
    login(client, "paakayttaja")
    assert "Aloita esimerkkihinnastosta" in client.get("/admin/").get_data(as_text=True)
    assert post_form(client, "/admin/", {"valid_from": "1.1.2027"}).status_code == 303
    with app.app_context():
        water = PriceListRow.get(PriceListRow.component == "water")
        assert (water.unit_price, water.valid_from, water.valid_to) == (Decimal("2.45"), dt.date(2027, 1, 1), None)
        assert PriceListRow.select().where(PriceListRow.valid_from != dt.date(2027, 1, 1)).count() == 0
        assert BillingCalendar.select(BillingCalendar.period_start.year).distinct().count() == 2  # 2027, 2028
        assert json.loads(AuditLog.get(AuditLog.action == "price_list_started").after_json)["valid_from"] == "2027-01-01"
    again = post_form(client, "/admin/", {"valid_from": "1.1.2027"}, page="/admin/prices")
    assert again.status_code == 422  # once
    page = f"/admin/prices/{water.id}"
    assert post_form(client, f"{page}/correct", {"correct-unit_price": "2,1O"}, page=page).status_code == 422
    assert post_form(client, f"{page}/correct", {"correct-unit_price": "2,10"}, page=page).status_code == 303
    with app.app_context():
        assert PriceListRow.get_by_id(water.id).unit_price == Decimal("2.10")
        entry = AuditLog.get(AuditLog.action == "price_corrected")
        assert (Decimal(json.loads(entry.before_json)["unit_price"]),
                Decimal(json.loads(entry.after_json)["unit_price"])) == (Decimal("2.45"), Decimal("2.10"))
        BillingRun.create(kind="water", billing_date=dt.date(2027, 4, 4), status="done")
    # A billing run made: prices are no longer corrected, only changed from a later date.
    assert "correct-unit_price" not in client.get(page).get_data(as_text=True)
    assert post_form(client, f"{page}/correct", {"correct-unit_price": "2,20"}, page="/admin/prices").status_code == 422
    with app.app_context():
        assert PriceListRow.get_by_id(water.id).unit_price == Decimal("2.10")
