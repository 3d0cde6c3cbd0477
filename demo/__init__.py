"""Reproducible demo data for the five municipalities of the seeds.

Everything is relative to today, so there are always upcoming emptyings and recent
invoices. Rows are generated (demo/generator.py) and written with `insert_many` in batches
inside one transaction: 50 000 properties load in well under two minutes. Kotipiha's own
billing then runs over the last BILLED_DAYS, as the scheduler would have.
"""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from peewee import fn

from database import advance_sequence
from demo.generator import Generator
from domain import billing_runs, dunning, invoicing, price_list, schedule, sludge
from domain.passwords import hash_password
from models import (BillingCalendar, CollectionPoint, ConsumptionPoint, Customer, Emptying, Invoice,
                    JoinApplication, Meter, Payment, PriceListRow, Property, Reading, SharedBin, SharedBinMember,
                    SludgeOrder, User, WasteContract, WasteOrder, WastewaterSystem, db)
from models.clock import today as clock_today, utcnow

DEMO_PASSWORD = "Kotipiha-demo-2026"
DEMO_RESIDENTS = (
    # username, email, first, last, what the login shows
    ("maija", "maija.virtanen@example.fi", "Maija", "Virtanen", "several properties"),
    ("pekka", "pekka.nieminen@example.fi", "Pekka", "Nieminen", "two holiday homes, one on an area collection point"),
    ("anna", "anna.korhonen@example.fi", "Anna", "Korhonen",
     "a remote-read water meter; the one who has not paid: an overdue invoice with a reminder"),
)
DEMO_STAFF = ("asiakaspalvelu", "asiakaspalvelu@example.fi", "Sanna", "Lehtonen")
DEMO_ADMIN = ("paakayttaja", "paakayttaja@example.fi", "Kalle", "Koskinen")  # prices and calendars



def has_data() -> bool:
    return Customer.select().exists()


def load(properties: int = 200, seed: int = 2026, today: dt.date | None = None,
         with_billing: bool = True, billing: invoicing.BillingSettings | None = None) -> dict[str, int]:
    """Generate and store the demo data; returns row counts."""
    today = today or clock_today()
    rng = random.Random(seed)
    gen = Generator(rng, today)
    if with_billing:
        gen.billing_from = today - dt.timedelta(days=BILLED_DAYS)
    with db.atomic():
        if not PriceListRow.select().exists():
            PriceListRow.insert_many(price_list.price_rows()).execute()
        if not BillingCalendar.select().exists():
            BillingCalendar.insert_many(price_list.billing_calendar_rows(today.year - 1, today.year + 1)).execute()
        special = _special_customers(gen)
        made = sum(len(p) for _, p in special)
        while made < properties:
            business = rng.random() < 0.04
            cid = gen.customer(business=business)
            owned = 2 if rng.random() < 0.08 else 1
            pids = [gen.property(cid, building_type="apartment" if business else None)
                    for _ in range(min(owned, properties - made))]
            made += len(pids)
            gen.invoices(cid, has_water=True)
            if len(gen.rows[Reading]) > 20_000:
                gen.flush()
        gen.flush()
        _demo_users(special)
        _demo_orders(special, today)
        _demo_tanks(special, today)
        _demo_collection_points(special)
        _demo_join_application(today)
        _fix_sequences()
        _demo_shared_bin(special, today)  # makes a contract: after the generated ids
        _current_billing_group(special, today)
    if with_billing:
        _run_billing(today, billing or invoicing.BillingSettings(), gen.billing_from)
        _demo_payments(special, today)
    return {"customers": Customer.select().count(), "properties": Property.select().count(),
            "waste contracts": WasteContract.select().count(), "meters": Meter.select().count(),
            "readings": Reading.select().count(), "invoices": Invoice.select().count()}


def _special_customers(gen: Generator) -> list[tuple[int, list[int]]]:
    """The customers behind the printed demo logins, with the properties they need."""
    maija = gen.customer("Maija", "Virtanen")
    maija_props = [gen.property(maija, municipality="Kouvola", building_type="detached", central=True,
                                recycling=True),
                   gen.property(maija, municipality="Kotka", building_type="detached", central=True),
                   gen.property(maija, municipality="Mäntyharju", building_type="holiday_home")]
    pekka = gen.customer("Pekka", "Nieminen")
    pekka_props = [gen.property(pekka, municipality="Pyhtää", building_type="holiday_home",
                                meter_kind="mechanical"),
                   gen.property(pekka, municipality="Pertunmaa", building_type="holiday_home")]
    # Make sure the holiday home has water so that its meter can be read.
    if not any(p["property"] == pekka_props[0] for p in gen.rows[ConsumptionPoint]):
        gen.water(pekka_props[0], "detached", "mechanical")
    anna = gen.customer("Anna", "Korhonen")
    anna_props = [gen.property(anna, municipality="Kotka", building_type="detached",
                               meter_kind="remote", central=False)]
    for cid in (maija, pekka, anna):
        gen.invoices(cid, has_water=True)
    return [(maija, maija_props), (pekka, pekka_props), (anna, anna_props)]


BILLED_DAYS = 200  # demo data runs Kotipiha's own billing for this many days back


def _run_billing(today: dt.date, settings: invoicing.BillingSettings, billing_from: dt.date) -> None:
    """The water runs of the last months, the year's waste basic fee on an invoice of its
    own (the default mode) when its day is in them, and the latest waste quarter, as the
    scheduler would have run them."""
    start = today - dt.timedelta(days=BILLED_DAYS)
    month, day_of_month = settings.basic_fee_billed_on
    for year in (today.year - 1, today.year):
        fee_day = dt.date(year, month, day_of_month)
        if billing_from <= fee_day <= today and not settings.basic_fee_with_waste:
            billing_runs.run_basic_fees(year, fee_day, settings)
    days = [d for (d,) in BillingCalendar.select(BillingCalendar.billing_date).distinct()
            .where((BillingCalendar.billing_date > start) & (BillingCalendar.billing_date <= today))
            .order_by(BillingCalendar.billing_date).tuples()]
    for day in days:
        billing_runs.run_water(day, settings)
    quarter_start, quarter_end = billing_runs.previous_quarter(today)
    billing_runs.run_waste(quarter_start, quarter_end, quarter_end + dt.timedelta(days=20), settings)


def _current_billing_group(special, today: dt.date) -> None:
    """Maija's and Pekka's water in the group billed last, when its invoice is not due yet:
    their latest invoice is open and not yet due, like a resident's who pays on time."""
    period = (BillingCalendar.select().where((BillingCalendar.billing_date <= today) &
                                             (BillingCalendar.due_date >= today))
              .order_by(BillingCalendar.billing_date.desc()).first())  # the quarterly or monthly group
    if period is not None:
        homes = [p for _c, props in special[:2] for p in props]
        ConsumptionPoint.update(billing_group=period.billing_group).where(ConsumptionPoint.property.in_(homes)).execute()


def _demo_payments(special, today: dt.date) -> None:
    """Customers pay like real ones: every invoice due before today is paid a few days
    before its due date (a bank payment matched by its reference), the ones not due yet
    are open. Anna is the exception: her latest invoice due a fortnight ago or more is
    unpaid and has its first reminder (the nightly dunning run of that day)."""
    anna = special[2][0]
    due = (Invoice.status == "open") & (Invoice.total > 0) & ~Invoice.imported & (Invoice.due_date < today)
    late = (Invoice.select().where(due & (Invoice.customer == anna) &
                                   (Invoice.due_date <= today - dt.timedelta(days=dunning.FIRST_AFTER_DAYS)))
            .order_by(Invoice.due_date.desc(), Invoice.id.desc()).first())
    if late is not None:
        due &= Invoice.id != late.id
    rows = [dict(paid_on=max(issued, due_on - dt.timedelta(days=invoice_id % 7)), amount=total, reference=reference,
                 payer=None, source="demo", source_id=f"demo-{invoice_id}", invoice=invoice_id, status="matched",
                 created_at=utcnow(), currency="EUR")
            for invoice_id, issued, due_on, total, reference in Invoice.select(
                Invoice.id, Invoice.invoice_date, Invoice.due_date, Invoice.total, Invoice.reference).where(due).tuples()]
    for i in range(0, len(rows), 500):
        Payment.insert_many(rows[i:i + 500]).execute()
    Invoice.update(status="paid", paid_amount=Invoice.total).where(due).execute()
    if late is not None:
        dunning.run(late.due_date + dt.timedelta(days=dunning.FIRST_AFTER_DAYS), dunning.DunningSettings())


def _demo_orders(special, today: dt.date) -> None:
    """A few orders of Maija's, so the Orders list and the calendar have something to show."""
    maija = User.get(User.username == DEMO_RESIDENTS[0][0])
    home = WasteContract.select().where(WasteContract.property == special[0][1][0]).first()
    extra_day = schedule.add_working_days(today - dt.timedelta(days=30), 1)
    WasteOrder.create(property=home.property_id, contract=home, kind="extra_emptying",
                      status="approved", effective_date=extra_day, bin_count=1,
                      request_key="demo-maija-extra", created_by=maija, price=Decimal("6.79"),
                      extra_info="Portti on auki.", decided_at=utcnow(), decided_by=None)
    Emptying.insert(contract=home, emptied_on=extra_day, bin_count=1, extra=True).on_conflict_ignore().execute()


def _demo_tanks(special, today: dt.date) -> None:
    """A septic tank at Maija's Mäntyharju holiday home, a year and a month since its last
    emptying (so the reminder is due), and tanks at other holiday homes: one emptied last
    quarter (billed by the demo's waste run), one planned for the next working day (staff's
    route) and one waiting for a day."""
    holiday = special[0][1][2]
    WastewaterSystem.create(property=holiday, kind="septic_tank", volume_m3=Decimal("4.5"), chambers=2,
                            dry_toilet=False, access_notes="Kansi saunan takana.", hose_distance_m=20,
                            last_emptied_on=today - dt.timedelta(days=400))
    others = list(Property.select().where((Property.occupancy == "holiday") & Property.id.not_in(
        [p for _c, props in special for p in props])).order_by(Property.id).limit(3))
    last_quarter_end = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1) - dt.timedelta(days=1)
    next_day = schedule.add_working_days(today, 1)
    for n, prop in enumerate(others):
        system = WastewaterSystem.create(property=prop, kind=("septic_tank", "holding_tank", "septic_tank")[n],
                                         volume_m3=Decimal(("3.0", "6.0", "4.0")[n]), chambers=(2, 1, 3)[n],
                                         hose_distance_m=15, last_emptied_on=today - dt.timedelta(days=200))
        week = schedule.monday((last_quarter_end - dt.timedelta(days=20), next_day, next_day + dt.timedelta(days=7))[n])
        order = dict(system=system, property=prop, week=week, request_key=f"demo-sludge-{n}", price_estimate=None)
        if n == 0:
            day = sludge.working_days(week)[0]
            SludgeOrder.create(**order, status="done", planned_day=day, emptied_on=day, emptied_m3=Decimal("2.8"))
        elif n == 1:
            SludgeOrder.create(**order, status="planned", planned_day=next_day)
        else:
            SludgeOrder.create(**order)


# Pertunmaa's area collection points (demo: names and places approximate).
COLLECTION_POINTS = (
    ("Kirkonkylä", "Pertuntie 2", "61.5030", "26.4790", "mixed,bio,cardboard,glass,metal,plastic", "1,4"),
    ("Kuortti", "Kuortintie 625", "61.4248", "26.4270", "mixed,cardboard,glass,metal", "2"),
    ("Hartosenpää", "Hartosenpääntie 1", "61.5556", "26.3620", "mixed,glass,metal", "3"),
    ("Ruorasmäki", "Ruorasmäentie 40", "61.6009", "26.5668", "mixed,cardboard,glass,metal,plastic", "2"),
    ("Joutsjärvi", "Joutsjärventie 12", "61.4640", "26.5770", "mixed,glass", "4"),
)


def _demo_collection_points(special) -> None:
    """The points, and Pekka's Pertunmaa holiday home (and any other there) by Kuortti."""
    points = [CollectionPoint.create(name=name, street=street, municipality="Pertunmaa", latitude=Decimal(lat),
                                     longitude=Decimal(lon), fractions=fractions, emptying_weekdays=days)
              for name, street, lat, lon, fractions, days in COLLECTION_POINTS]
    (Property.update(collection_point=points[1], latitude=Decimal("61.4310"), longitude=Decimal("26.4390"))
     .where(Property.municipality == "Pertunmaa").execute())


def _demo_join_application(today: dt.date) -> None:
    """A new customer's application waiting in customer service's queue."""
    JoinApplication.create(first_name="Ville", last_name="Salo", email="ville.salo@example.fi", phone="040 7654321",
                           street="KOIVIKKOTIE 3", postal_code="45100", post_office="KOUVOLA", municipality="Kouvola",
                           building_type="detached", persons=3, dwellings=1, services="mixed,bio,water",
                           start_date=today + dt.timedelta(days=14), extra_info="Uudisrakennus, muutto joulukuussa.",
                           request_key="demo-join-1")


def _demo_shared_bin(special, today: dt.date) -> None:
    """A glass bin shared by Maija's Kotka home and two neighbours of the same area, in
    equal shares, approved two months ago."""
    home = Property.get_by_id(special[0][1][1])
    neighbours = list(Property.select().where((Property.collection_area == home.collection_area) &
                                              (Property.id != home.id) &
                                              Property.customer.not_in([c for c, _p in special]))
                      .order_by(Property.id).limit(2))
    start = schedule.monday(today - dt.timedelta(days=60))
    contract = WasteContract.create(property=home, waste_type="glass", bin_size=240, bin_count=1, interval_weeks=8,
                                    route_weekday=3, start_date=start)
    shared = SharedBin.create(host=home, waste_type="glass", bin_size=240, interval_weeks=8, start_date=start,
                              status="approved", contract=contract, decided_at=utcnow())
    for n, prop in enumerate([home, *neighbours]):
        SharedBinMember.create(shared_bin=shared, property=prop, customer=prop.customer_id, status="confirmed",
                               is_contact=n == 0, confirmed_at=utcnow())


def _demo_users(special) -> None:
    password_hash = hash_password(DEMO_PASSWORD)
    for (username, email, first, last, _), (cid, _) in zip(DEMO_RESIDENTS, special):
        User.create(customer=cid, username=username, email=email, first_name=first,
                    last_name=last, phone="040 1234567", password_hash=password_hash,
                    role="resident", language="fi", terms_accepted_at=utcnow())
    for (username, email, first, last), role in ((DEMO_STAFF, "staff"), (DEMO_ADMIN, "admin")):
        User.create(username=username, email=email, first_name=first, last_name=last,
                    password_hash=password_hash, role=role, language="fi")


def _fix_sequences() -> None:
    for model in (Customer, Property, WasteContract, Emptying, ConsumptionPoint, Meter, Invoice, Reading):
        advance_sequence(model)


def unregistered_pairs(limit: int = 3) -> list[tuple[str, str]]:
    """(customer number, latest invoice number) of customers with no account yet."""
    pairs = []
    candidates = (Customer.select().where(~fn.EXISTS(User.select().where(User.customer == Customer.id)))
                  .where(Customer.kind == "private").order_by(Customer.id).limit(limit))
    for customer in candidates:
        latest = Invoice.latest_of(customer)
        if latest:
            pairs.append((customer.number, latest.number))
    return pairs


def describe_logins() -> str:
    lines = ["", "Demo logins (password for all: %s):" % DEMO_PASSWORD]
    for username, _, first, last, what in DEMO_RESIDENTS:
        if User.by_login(username):
            lines.append(f"  resident  {username:<15} {first} {last}: {what}")
    if User.by_login(DEMO_STAFF[0]):
        lines.append(f"  staff     {DEMO_STAFF[0]:<15} {DEMO_STAFF[2]} {DEMO_STAFF[3]}: customer service")
    if User.by_login(DEMO_ADMIN[0]):
        lines.append(f"  admin     {DEMO_ADMIN[0]:<15} {DEMO_ADMIN[2]} {DEMO_ADMIN[3]}: administrator (prices, calendars)")
    pairs = unregistered_pairs()
    if pairs:
        lines.append("Not yet registered (customer number + latest invoice number), for 'Register':")
        lines += [f"  {number}  invoice {invoice}" for number, invoice in pairs]
    return "\n".join(lines)
