"""Demo data: reproducible, realistic enough, and with working demo logins."""
import datetime as dt

import pytest

import demo
from domain import accounts
from domain.waste import WasteSettings
from models import (ConsumptionPoint, Customer, Invoice, Meter, Property, Reading, User,
                    WasteContract)


def snapshot():
    return [(p.street, p.postal_code, p.municipality, p.building_type)
            for p in Property.select().order_by(Property.id)]


def test_same_seed_gives_the_same_data(tmp_path):
    from tests.conftest import make_app
    first = make_app(tmp_path / "a")
    with first.app_context():
        demo.load(properties=60, seed=7)
        a = snapshot()
    second = make_app(tmp_path / "b")
    with second.app_context():
        demo.load(properties=60, seed=7)
        b = snapshot()
    assert a == b and len(a) == 60


def test_demo_data_covers_the_seeds(ctx):
    demo.load(properties=300, seed=1)
    assert Property.select().count() == 300
    assert {m for (m,) in Property.select(Property.municipality).distinct().tuples()} == {
        "Iitti", "Kouvola", "Kotka", "Mäntyharju", "Pyhtää", "Pertunmaa"}
    assert Property.select().where(Property.occupancy == "holiday").exists()
    sizes = {s for (s,) in WasteContract.select(WasteContract.bin_size).distinct().tuples()}
    assert sizes <= {140, 240, 360, 660} and len(sizes) >= 3
    allowed = WasteSettings()
    kinds = set()
    for waste_type, interval in WasteContract.select(WasteContract.waste_type, WasteContract.interval_weeks).tuples():
        assert interval in allowed.intervals_for(waste_type), (waste_type, interval)
        kinds.add(waste_type)
    assert {"mixed", "bio", "plastic", "cardboard", "glass", "metal", "multi4"} <= kinds
    assert all(0 <= d <= 4 for (d,) in WasteContract.select(WasteContract.route_weekday).tuples())
    bio = WasteContract.select(WasteContract, Property).join(Property).where(WasteContract.waste_type == "bio")
    assert bio.exists()
    assert all(c.property.collection_area in ("Kouvola keskusta", "Kotka keskusta") for c in bio)
    assert all(c.start_date >= dt.date(2024, 5, 2) for c in bio)
    assert {k for (k,) in Meter.select(Meter.kind).distinct().tuples()} == {"mechanical", "remote"}
    assert {c for (c,) in ConsumptionPoint.select(ConsumptionPoint.customer_class).distinct().tuples()} == {"small", "large"}
    assert Reading.select().count() > 300 * 2
    assert Customer.select().where(Customer.kind == "business").exists()
    assert Invoice.select().where(Invoice.invoice_date >= dt.date.today() - dt.timedelta(days=120)).exists()


def test_readings_never_go_down(ctx):
    demo.load(properties=80, seed=3)
    for meter in Meter.select():
        values = [r.value for r in meter.readings.order_by(Reading.read_on)]
        assert values == sorted(values)


def test_printed_logins_work_and_printed_pairs_register(ctx):
    demo.load(properties=50, seed=2)
    settings = {"LOGIN_MAX_FAILURES": 10, "LOGIN_MAX_FAILURES_PER_IP": 30, "LOGIN_WINDOW_MINUTES": 15}
    maija = accounts.authenticate("maija", demo.DEMO_PASSWORD, ip="1.1.1.1", settings=settings)
    assert Property.of_user(maija).count() >= 2
    pekka = User.by_login("pekka")
    assert Property.of_user(pekka).where(Property.occupancy == "holiday").exists()
    anna = User.by_login("anna")
    assert (Meter.select().join(ConsumptionPoint).join(Property)
            .where((Property.customer == anna.customer) & (Meter.kind == "remote")).exists())
    assert User.by_login("asiakaspalvelu").is_staff
    text = demo.describe_logins()
    number, invoice = demo.unregistered_pairs()[0]
    assert number in text and invoice in text
    user = accounts.register(accounts.Registration(
        customer_number=number, invoice_number=invoice, first_name="Uusi", last_name="Asukas",
        phone="040 1", email="uusi@example.fi", username="uusi", password="kompostori ja kissa"))
    assert Property.of_user(user).exists()


def test_demo_data_command_loads_only_into_an_empty_database(runner):
    first = runner.invoke(args=["demo-data", "--properties", "20", "--if-empty"])
    assert first.exit_code == 0 and "20 properties" in first.output
    assert "maija" in first.output
    second = runner.invoke(args=["demo-data", "--properties", "20", "--if-empty"])
    assert "already loaded" in second.output and "maija" in second.output


@pytest.mark.parametrize("day", [dt.date(2026, 12, 7), dt.date(2026, 12, 30), dt.date(2027, 3, 10)])
def test_demo_residents_pay_like_real_ones_and_anna_is_the_one_who_has_not(app, day):
    """Audit #22, 21: on any day Maija and Pekka have paid everything due (paid history) and
    their latest invoice is open and not yet due; Anna has one overdue invoice with its first
    reminder; Pekka's Pyhtää holiday home has a basic-fee invoice of its own (the default
    mode); nobody's home screen greets them with debt but Anna's."""
    from models import Reminder
    from models.clock import HELSINKI, set_clock
    from tests.conftest import login
    set_clock(dt.datetime(day.year, day.month, day.day, 9, 0, tzinfo=HELSINKI))
    with app.app_context():
        demo.load(properties=40, seed=5)
        for username in ("maija", "pekka"):
            customer = User.get(User.username == username).customer
            invoices = list(Invoice.select().where(Invoice.customer == customer))
            assert not [i for i in invoices if i.status == "open" and i.total > 0 and i.due_date < day], username
            latest = max(invoices, key=lambda i: (i.invoice_date, i.id))
            assert latest.status == "open" and latest.due_date >= day, (username, latest.invoice_date, latest.due_date)
            assert any(i.status == "paid" and not i.imported for i in invoices), username  # paid here, too
        anna = User.get(User.username == "anna").customer
        overdue = [i for i in Invoice.select().where(Invoice.customer == anna)
                   if i.status == "open" and i.total > 0 and i.due_date < day]
        assert len(overdue) == 1 and Reminder.select().where(Reminder.invoice == overdue[0]).count() == 1
        pekka = User.get(User.username == "pekka").customer
        pyhtaa = Property.get((Property.customer == pekka) & (Property.municipality == "Pyhtää"))
        fee = (Invoice.select().where((Invoice.customer == pekka) & (Invoice.kind == "basic_fee"))
               .order_by(Invoice.invoice_date.desc()).first())
        assert fee is not None and fee.number in Invoice.latest_numbers_of(pekka) and pyhtaa.occupancy == "holiday"
        assert "has not paid" in demo.describe_logins()
    for username, debt in (("maija", False), ("pekka", False), ("anna", True)):
        client = app.test_client()
        login(client, username, demo.DEMO_PASSWORD)
        home = client.get("/properties/", follow_redirects=True).get_data(as_text=True).lower()
        assert ("erääntynyt" in home) is debt, username
