"""Septic and holding tanks: the systems, orders for a week, the staff route, the m³ billed
on the next waste invoice, the reminders and a holding tank's fixed rhythm."""
import datetime as dt
import re
from decimal import Decimal

import pytest

from domain import billing_runs, notifications, price_list, sludge
from domain.errors import FieldError
from domain.invoicing import BillingSettings
from models import (Invoice, InvoiceRow, NotificationLog, Outbox, PriceListRow, Property, SludgeOrder, User,
                    WastewaterSystem)
from models.clock import HELSINKI, set_clock
from tests import factories
from tests.conftest import login, post_form

MONDAY = dt.date(2026, 11, 23)
TUESDAY = dt.date(2026, 11, 24)
SETTINGS = sludge.SludgeSettings()


@pytest.fixture
def tank(app, ctx):
    set_clock(dt.datetime(2026, 11, 24, 9, 0, tzinfo=HELSINKI))
    PriceListRow.insert_many(price_list.price_rows()).execute()
    user = factories.resident()
    prop = Property.get(Property.customer == user.customer)
    system = sludge.save_system(user, prop, None, today=TUESDAY, kind="septic_tank", volume_m3="4,5", chambers=2,
                                hose_distance_m=20, interval_weeks=None, last_emptied_on=dt.date(2025, 10, 20),
                                greywater_only=False, dry_toilet=False, access_notes=" Kansi saunan takana ")
    return user, prop, system


def fields(**changes):
    return {"kind": "septic_tank", "volume_m3": "4.5", "chambers": 2, "hose_distance_m": 10,
            "interval_weeks": None, "last_emptied_on": None, "today": TUESDAY, **changes}


@pytest.mark.parametrize("changes, field, code", [
    ({"kind": "cesspit"}, "kind", "system_kind"),
    ({"volume_m3": "0"}, "volume_m3", "volume_range"),
    ({"volume_m3": "neljä"}, "volume_m3", "volume_range"),
    ({"volume_m3": "51"}, "volume_m3", "volume_range"),
    ({"chambers": 5}, "chambers", "chambers_range"),
    ({"hose_distance_m": 120}, "hose_distance_m", "hose_range"),
    ({"interval_weeks": 8}, "interval_weeks", "interval_holding_only"),
    ({"kind": "holding_tank", "interval_weeks": 60}, "interval_weeks", "interval_weeks_range"),
    ({"last_emptied_on": dt.date(2026, 12, 1)}, "last_emptied_on", "last_emptied_range"),
])
def test_a_system_is_checked_field_by_field(changes, field, code):
    with pytest.raises(FieldError) as error:
        sludge.check_system(**fields(**changes))
    assert (error.value.field, error.value.code) == (field, code)


def test_a_system_keeps_what_the_resident_typed_normalised(tank):
    _user, _prop, system = tank
    assert system.volume_m3 == Decimal("4.5") and system.access_notes == "Kansi saunan takana"


def test_how_often_a_tank_must_be_emptied():
    permanent, holiday = Property(occupancy="permanent"), Property(occupancy="holiday")
    years = lambda prop, **kw: sludge.interval_years(WastewaterSystem(kind=kw.pop("kind", "septic_tank"), **kw),  # noqa: E731
                                                       prop, SETTINGS)
    assert years(permanent) == 1
    assert years(permanent, kind="treatment_plant") == 1
    assert years(permanent, greywater_only=True) == 3
    assert years(holiday, dry_toilet=True) == 2
    assert years(permanent, dry_toilet=True) == 1  # the two-year rule is the holiday home's
    assert years(holiday, kind="holding_tank") is None  # as it fills


def test_weeks_offered_start_a_lead_time_ahead():
    assert sludge.orderable_weeks(MONDAY, SETTINGS)[0] == dt.date(2026, 11, 30)  # 30.11. is 7 days ahead
    weeks = sludge.orderable_weeks(TUESDAY, SETTINGS)
    assert weeks[0] == dt.date(2026, 12, 7) and len(weeks) == 12
    assert all(w.weekday() == 0 for w in weeks)
    # the truck never comes at a weekend or on a public holiday
    assert sludge.working_days(dt.date(2026, 12, 21)) == [dt.date(2026, 12, 21), dt.date(2026, 12, 22),
                                                          dt.date(2026, 12, 23)]


def test_an_order_shows_the_price_for_the_volume_and_is_made_once(tank):
    user, prop, system = tank
    week = dt.date(2026, 12, 7)
    made = sludge.order(user, prop, system, week=week, info="", request_key="k1", today=TUESDAY, settings=SETTINGS)
    assert made.price_estimate == Decimal("233.25")  # 78,00 + 4,5 × 34,50 = 78,00 + 155,25
    again = sludge.order(user, prop, system, week=week, info="", request_key="k1", today=TUESDAY, settings=SETTINGS)
    assert again.id == made.id
    with pytest.raises(FieldError) as error:
        sludge.order(user, prop, system, week=dt.date(2026, 12, 14), info="", request_key="k2", today=TUESDAY,
                     settings=SETTINGS)
    assert error.value.code == "sludge_open_order" and error.value.values["week"] == 50
    sludge.cancel(user, made)
    for bad in (dt.date(2026, 11, 30), dt.date(2026, 12, 8), dt.date(2027, 6, 7)):  # too soon, a Tuesday, too far
        with pytest.raises(FieldError) as error:
            sludge.order(user, prop, system, week=bad, info="", request_key=f"b{bad}", today=TUESDAY, settings=SETTINGS)
        assert error.value.code == "week_choice"


def test_staff_plan_a_working_day_mark_it_done_and_the_waste_run_bills_the_m3(tank):
    user, prop, system = tank
    staff = factories.staff()
    week = dt.date(2026, 12, 21)
    made = sludge.order(user, prop, system, week=week, info="", request_key="k1", today=TUESDAY, settings=SETTINGS)
    for bad in (dt.date(2026, 12, 24), dt.date(2026, 12, 28)):  # Christmas Eve; the next week
        with pytest.raises(FieldError) as error:
            sludge.plan(made, staff, bad)
        assert error.value.code == "sludge_day_week"
    sludge.plan(made, staff, dt.date(2026, 12, 22))
    assert [o.id for o in SludgeOrder.route(dt.date(2026, 12, 22))] == [made.id]
    with pytest.raises(FieldError) as error:
        sludge.mark_done(made, staff, m3="3,2", day=dt.date(2026, 12, 22), today=dt.date(2026, 12, 21))
    assert error.value.code == "sludge_done_future"
    with pytest.raises(FieldError) as error:
        sludge.mark_done(made, staff, m3="0", day=dt.date(2026, 12, 22), today=dt.date(2026, 12, 22))
    assert error.value.code == "sludge_m3_range"
    sludge.mark_done(made, staff, m3="3,2", day=dt.date(2026, 12, 22), today=dt.date(2026, 12, 22))
    run = billing_runs.run_waste(dt.date(2026, 10, 1), dt.date(2026, 12, 31), dt.date(2027, 1, 20), BillingSettings())
    invoice_id = SludgeOrder.get_by_id(made.id).invoice_id
    assert invoice_id is not None
    rows = {r.code: (r.quantity, r.unit_price, r.amount) for r in
            InvoiceRow.select().where((InvoiceRow.invoice == invoice_id) & InvoiceRow.code.startswith("sludge"))}
    assert rows == {"sludge_base": (Decimal(1), Decimal("78.00"), Decimal("78.00")),
                    "sludge_m3": (Decimal("3.2"), Decimal("34.50"), Decimal("110.40"))}  # 3,2 × 34,50
    assert run.invoices >= 1
    again = billing_runs.run_waste(dt.date(2027, 1, 1), dt.date(2027, 3, 31), dt.date(2027, 4, 20), BillingSettings())
    assert not InvoiceRow.select().join(Invoice).where(  # billed once
        (Invoice.run == again.id) & InvoiceRow.code.startswith("sludge")).exists()


def test_a_reminder_when_the_year_has_passed_once_and_only_without_an_order(tank, app):
    user, prop, system = tank  # last emptied 20.10.2025: due by 20.10.2026
    with app.test_request_context():
        assert notifications.sludge_reminders(sludge.overdue(dt.date(2026, 10, 19), SETTINGS)) == 0
        assert notifications.sludge_reminders(sludge.overdue(TUESDAY, SETTINGS)) == 1
        assert notifications.sludge_reminders(sludge.overdue(TUESDAY, SETTINGS)) == 0  # once per due date
    mail = Outbox.get(Outbox.kind == "sludge")
    assert mail.recipient == user.email and "20.10.2026" in mail.body_text
    assert f"/properties/{prop.id}/wastewater/{system.id}/order" in mail.body_text
    NotificationLog.delete().execute()
    sludge.order(user, prop, system, week=dt.date(2026, 12, 7), info="", request_key="k", today=TUESDAY,
                 settings=SETTINGS)
    assert sludge.overdue(TUESDAY, SETTINGS) == []  # an emptying is on its way
    SludgeOrder.delete().execute()
    notifications.set_preference(user, "sludge", False)
    with app.test_request_context():
        assert notifications.sludge_reminders(sludge.overdue(TUESDAY, SETTINGS)) == 0


def test_a_holding_tank_on_a_fixed_rhythm_gets_its_orders_made(tank):
    user, prop, _system = tank
    holding = sludge.save_system(user, prop, None, today=TUESDAY, kind="holding_tank", volume_m3="6", chambers=1,
                                 hose_distance_m=0, interval_weeks=6, last_emptied_on=dt.date(2026, 10, 28),
                                 greywater_only=False, dry_toilet=False, access_notes="")
    # due 6 weeks after 28.10. = 9.12. (week 50); made when week 50 is the first week offered
    assert sludge.scheduled_orders(MONDAY, SETTINGS) == 0  # the first week offered is week 49
    assert sludge.scheduled_orders(TUESDAY, SETTINGS) == 1  # now it is week 50
    made = SludgeOrder.get(SludgeOrder.system == holding)
    assert made.week == dt.date(2026, 12, 7) and made.scheduled
    assert sludge.scheduled_orders(dt.date(2026, 11, 25), SETTINGS) == 0  # it has an open order


def test_the_pages_of_a_tank_from_adding_it_to_the_route(client, app):
    set_clock(dt.datetime(2026, 11, 24, 9, 0, tzinfo=HELSINKI))
    PriceListRow.insert_many(price_list.price_rows()).execute()
    user = factories.resident()
    prop = Property.get(Property.customer == user.customer)
    login(client, user.username)
    page = client.get(f"/properties/{prop.id}").get_data(as_text=True)
    assert f"/properties/{prop.id}/wastewater/new" in page
    new = f"/properties/{prop.id}/wastewater/new"
    bad = post_form(client, new, {"kind": "septic_tank", "volume_m3": "neljä", "chambers": "2",
                                  "access_notes": "Portti auki"})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "Anna tilavuus kuutiometreinä" in body
    assert 'value="neljä"' in body and "Portti auki" in body  # what was typed is kept
    good = post_form(client, new, {"kind": "septic_tank", "volume_m3": "4,5", "chambers": "2",
                                   "last_emptied_on": "20.10.2025"}, page=new)
    assert good.status_code == 303
    system = WastewaterSystem.get()
    order_url = f"/properties/{prop.id}/wastewater/{system.id}/order"
    form = client.get(order_url).get_data(as_text=True)
    assert "233,25" in form and "Viikko 50: 7.12.2026–11.12.2026" in form
    key = re.search(r'name="request_key" type="hidden" value="([^"]+)"', form).group(1)
    missing = post_form(client, order_url, {"request_key": key, "terms": "y"})
    assert missing.status_code == 422 and "Valitse viikko." in missing.get_data(as_text=True)
    assert post_form(client, order_url, {"week": "2026-12-07", "terms": "y", "request_key": key}).status_code == 303
    page = client.get(f"/properties/{prop.id}").get_data(as_text=True)
    assert "Tilattu viikolle 50" in page
    # staff plan it and mark it done on the route
    client.post("/logout", data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)})
    set_clock(dt.datetime(2026, 12, 7, 8, 0, tzinfo=HELSINKI))
    login(client, factories.staff().username)
    order = SludgeOrder.get()
    route = "/staff/sludge?day=2026-12-07"
    assert "Odottaa päivää" in client.get(route).get_data(as_text=True)
    planned = post_form(client, f"/staff/sludge/{order.id}/plan", {f"o{order.id}-day": "2026-12-09"}, page=route)
    assert planned.status_code == 303
    stop = client.get("/staff/sludge?day=2026-12-09").get_data(as_text=True)
    assert prop.street in stop
    early = post_form(client, f"/staff/sludge/{order.id}/done", {f"o{order.id}-m3": "4,1"},
                      page="/staff/sludge?day=2026-12-09")
    assert early.status_code == 422  # 9.12. has not come yet
    set_clock(dt.datetime(2026, 12, 9, 8, 0, tzinfo=HELSINKI))  # two days later, a new session
    client = app.test_client()
    login(client, User.get(User.role == "staff").username)
    wrong = post_form(client, f"/staff/sludge/{order.id}/done", {f"o{order.id}-m3": "paljon"},
                      page="/staff/sludge?day=2026-12-09")
    assert wrong.status_code == 422
    done = post_form(client, f"/staff/sludge/{order.id}/done", {f"o{order.id}-m3": "4,1"},
                     page="/staff/sludge?day=2026-12-09")
    assert done.status_code == 303
    assert SludgeOrder.get().emptied_m3 == Decimal("4.1")
    assert User.select().count() == 2


def test_another_residents_tank_is_not_found(client, tank):
    _user, prop, system = tank
    other = factories.resident()
    login(client, other.username)
    for url in (f"/properties/{prop.id}/wastewater/{system.id}/edit", f"/properties/{prop.id}/wastewater/{system.id}/order",
                f"/properties/{prop.id}/wastewater/new"):
        assert client.get(url).status_code == 404
