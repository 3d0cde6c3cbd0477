"""Reproducible demo data for the five municipalities of the seeds.

Everything is relative to today, so there are always upcoming emptyings and recent
invoices. Rows are generated as tuples and written with `insert_many` in batches inside
one transaction: 50 000 properties load in well under two minutes.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
import random
from decimal import Decimal

from peewee import PostgresqlDatabase, fn

from models.clock import today as clock_today, utcnow
from domain.passwords import hash_password
from domain.reference import fi_reference
from domain import schedule
from models import (BillingCalendar, ConsumptionPoint, Customer, Emptying, Invoice, Meter,
                    PriceListRow, Property, Reading, User, WasteContract, WasteOrder, db)

DEMO_PASSWORD = "Kotipiha-demo-2026"
DEMO_RESIDENTS = (
    # username, email, first, last, what the login shows
    ("maija", "maija.virtanen@example.fi", "Maija", "Virtanen", "several properties"),
    ("pekka", "pekka.nieminen@example.fi", "Pekka", "Nieminen", "a holiday home"),
    ("anna", "anna.korhonen@example.fi", "Anna", "Korhonen", "a remote-read water meter"),
)
DEMO_STAFF = ("asiakaspalvelu", "asiakaspalvelu@example.fi", "Sanna", "Lehtonen")

# municipality -> [(postal code, post office, collection area, central area?)]
AREAS = {
    "Kouvola": [("45100", "KOUVOLA", "Kouvola keskusta", True),
                ("45130", "KOUVOLA", "Kouvola keskusta", True),
                ("45200", "KOUVOLA", "Kouvola keskusta", True),
                ("45610", "KORIA", "Kouvola", False),
                ("45700", "KUUSANKOSKI", "Kouvola", False),
                ("46860", "KELTAKANGAS", "Kouvola", False),
                ("46900", "INKEROINEN", "Kouvola", False)],
    "Kotka": [("48100", "KOTKA", "Kotka keskusta", True),
              ("48200", "KOTKA", "Kotka keskusta", True),
              ("48600", "KARHULA", "Kotka", False),
              ("48770", "KOTKA", "Kotka", False)],
    "Iitti": [("47400", "KAUSALA", "Iitti", False), ("47450", "PERHENIEMI", "Iitti", False)],
    "Mäntyharju": [("52700", "MÄNTYHARJU", "Mäntyharju", False),
                   ("52830", "TOIVOLA", "Mäntyharju", False)],
    "Pyhtää": [("49220", "SILTAKYLÄ", "Pyhtää", False), ("49270", "PYHTÄÄ", "Pyhtää", False)],
}
MUNICIPALITY_WEIGHTS = {"Kouvola": 45, "Kotka": 30, "Iitti": 9, "Mäntyharju": 8, "Pyhtää": 8}

STREET_STEMS = ("Koivu", "Mänty", "Kuusi", "Pihlaja", "Haapa", "Leppä", "Kataja", "Vaahtera",
                "Tammi", "Kallio", "Järvi", "Niitty", "Pelto", "Mylly", "Kirkko", "Koulu", "Paja",
                "Satama", "Ranta", "Metsä", "Harju", "Kangas", "Mäki", "Eko", "Puisto", "Lähde",
                "Kettu", "Karhu", "Ilves", "Joutsen", "Kurki", "Tähti", "Aamu", "Kesä", "Talvi")
STREET_ENDS = ("tie", "katu", "kuja", "polku", "rinne", "kaari", "raitti")
HOLIDAY_STREETS = ("Mökkitie", "Rantatie", "Saaritie", "Niemenkärjentie", "Lahdenpohjantie")
FIRST_NAMES = ("Matti", "Juha", "Timo", "Mikko", "Jari", "Kari", "Antti", "Pekka", "Ville", "Lauri",
               "Anne", "Tiina", "Sari", "Päivi", "Minna", "Riikka", "Helena", "Laura", "Aino", "Eeva")
LAST_NAMES = ("Korhonen", "Virtanen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine",
              "Heikkinen", "Koskinen", "Järvinen", "Lehtonen", "Lehtinen", "Saarinen", "Salminen",
              "Heinonen", "Niemi", "Kinnunen", "Salonen", "Turunen", "Tuominen", "Rantanen")

VAT_CHANGE = dt.date(2024, 9, 1)
# Prices (VAT included, 25.5 %) per emptying: bin size -> (waste treatment, bin emptying).
MIXED_PRICES = {140: ("1.66", "3.750"), 240: ("2.84", "3.950"), 360: ("4.26", "4.350"),
                660: ("7.81", "6.200")}
BIO_PRICES = {140: ("1.20", "3.200"), 240: ("2.05", "3.450")}
WATER_PRICES = {"water": "2.45", "wastewater": "3.10"}  # € per m³
# € per month by meter size: (water, wastewater)
BASIC_FEES = {"DN20": ("4.20", "4.80"), "DN25": ("7.00", "8.00"), "DN32": ("11.00", "12.50"),
              "DN40": ("17.50", "20.00")}
BIOWASTE_START = dt.date(2024, 5, 2)

BATCH = 500


def has_data() -> bool:
    return Customer.select().exists()


def _at_old_vat(price: str) -> Decimal:
    """The same net price with 24 % VAT, for the rows before 1.9.2024."""
    return (Decimal(price) * Decimal("124") / Decimal("125.5")).quantize(Decimal("0.001"))


def price_rows() -> list[dict]:
    rows = []

    def add(component, unit, price, **keys):
        # Every row has every key: insert_many takes its columns from the first row.
        keys = {"waste_type": None, "bin_size": None, "meter_size": None, **keys}
        rows.append(dict(component=component, unit=unit, unit_price=_at_old_vat(price),
                         vat_rate=Decimal("24"), valid_from=dt.date(2023, 1, 1),
                         valid_to=VAT_CHANGE - dt.timedelta(days=1), **keys))
        rows.append(dict(component=component, unit=unit, unit_price=Decimal(price),
                         vat_rate=Decimal("25.5"), valid_from=VAT_CHANGE, valid_to=None, **keys))

    for waste_type, table in (("mixed", MIXED_PRICES), ("bio", BIO_PRICES)):
        for size, (treatment, emptying) in table.items():
            add("waste_treatment", "emptying", treatment, waste_type=waste_type, bin_size=size)
            add("bin_emptying", "emptying", emptying, waste_type=waste_type, bin_size=size)
    for component, price in WATER_PRICES.items():
        add(component, "m3", price)
    for size, (water_fee, wastewater_fee) in BASIC_FEES.items():
        add("water_basic_fee", "month", water_fee, meter_size=size)
        add("wastewater_basic_fee", "month", wastewater_fee, meter_size=size)
    return rows


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def billing_calendar_rows(first_year: int, last_year: int) -> list[dict]:
    """Quarterly groups 1-3 offset by a month, as in Kerava's 2024 calendar (report by the
    period's last day, billed on the 4th, due on the 26th), and monthly billing for large
    customers (billed on the 15th, due on the 5th of the month after)."""
    rows = []
    for year in range(first_year, last_year + 1):
        for offset, group in enumerate(("1", "2", "3")):
            for quarter in range(4):
                month = 1 + offset + 3 * quarter  # first month of the period
                start = dt.date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
                end = (start + dt.timedelta(days=95)).replace(day=1) - dt.timedelta(days=1)
                billed = end + dt.timedelta(days=4)
                rows.append(dict(billing_group=group, period_start=start, period_end=end,
                                 report_by=end, billing_date=billed, due_date=billed + dt.timedelta(days=22)))
        for month in range(1, 13):
            start = dt.date(year, month, 1)
            end = _month_end(year, month)
            billed = end + dt.timedelta(days=15)
            rows.append(dict(billing_group="monthly", period_start=start, period_end=end,
                             report_by=end, billing_date=billed,
                             due_date=(billed.replace(day=1) + dt.timedelta(days=32)).replace(day=5)))
    return rows


class _Ids:
    """Explicit ids, so related rows can be generated before anything is written."""

    def __init__(self, model):
        self.next = (model.select(fn.MAX(model.id)).scalar() or 0) + 1

    def take(self) -> int:
        value, self.next = self.next, self.next + 1
        return value


def _quarter_starts(today: dt.date, count: int) -> list[dt.date]:
    start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    starts = []
    for _ in range(count):
        month = start.month - 3
        start = dt.date(start.year - (month < 1), month + 12 if month < 1 else month, 1)
        starts.append(start)
    return starts


class _Generator:
    def __init__(self, rng: random.Random, today: dt.date):
        self.rng = rng
        self.today = today
        self.ids = {m: _Ids(m) for m in (Customer, Property, WasteContract, ConsumptionPoint,
                                          Meter, Invoice, Reading)}
        self.customer_points = defaultdict(list)  # customer -> [(point, yearly m³, [readings])]
        self.current_customer = None
        self.rows = {m: [] for m in (Customer, Property, WasteContract, Emptying, ConsumptionPoint,
                                      Meter, Reading, Invoice)}
        self.next_invoice_number = 1_962_000 + self.ids[Invoice].next
        self.next_point_number = 100_000 + self.ids[ConsumptionPoint].next
        self.next_meter_number = 21_000_000 + self.ids[Meter].next * 7
        self.billing_from = today  # placeholders end here; real runs bill from this day on

    def customer(self, first=None, last=None, *, business=False) -> int:
        rng = self.rng
        first = first or rng.choice(FIRST_NAMES)
        last = last or rng.choice(LAST_NAMES)
        cid = self.ids[Customer].take()
        name = f"{last} Oy" if business else f"{first} {last}"
        postal, office, _, _ = rng.choice(AREAS["Kouvola"])
        self.rows[Customer].append(dict(
            id=cid, number=f"62-{cid:07d}-00", kind="business" if business else "private",
            name=name, business_id=f"{1000000 + cid:07d}-{cid % 10}" if business else None,
            language="sv" if rng.random() < 0.05 else "fi",
            email=None if business else f"{first}.{last}{cid}@example.fi".lower().replace("ä", "a").replace("ö", "o"),
            phone=f"040 {rng.randrange(1000000, 9999999)}", billing_name=name.upper(),
            billing_street=self.street(), billing_postal_code=postal, billing_post_office=office,
            created_at=utcnow()))
        return cid

    def street(self, holiday=False) -> str:
        rng = self.rng
        if holiday:
            return f"{rng.choice(HOLIDAY_STREETS).upper()} {rng.randrange(1, 300)}"
        return f"{rng.choice(STREET_STEMS)}{rng.choice(STREET_ENDS)} {rng.randrange(1, 80)}".upper()

    def property(self, customer_id: int, *, municipality=None, building_type=None,
                 meter_kind=None, central=None) -> int:
        rng = self.rng
        municipality = municipality or rng.choices(list(MUNICIPALITY_WEIGHTS),
                                                   weights=list(MUNICIPALITY_WEIGHTS.values()))[0]
        areas = AREAS[municipality]
        if central is not None:
            areas = [a for a in areas if a[3] == central] or areas
        postal, office, area, is_central = rng.choice(areas)
        building_type = building_type or rng.choices(
            ("detached", "semi_detached", "terraced", "apartment", "holiday_home"),
            weights=(62, 8, 8, 7, 15))[0]
        holiday = building_type == "holiday_home"
        pid = self.ids[Property].take()
        self.current_customer = customer_id
        self.rows[Property].append(dict(
            id=pid, customer=customer_id, street=self.street(holiday), postal_code=postal,
            post_office=office, municipality=municipality, collection_area=area,
            building_type=building_type, occupancy="holiday" if holiday else "permanent",
            created_at=utcnow()))
        self.waste_contracts(pid, building_type, is_central)
        self.water(pid, building_type, meter_kind)
        return pid

    def waste_contracts(self, pid, building_type, central) -> None:
        rng = self.rng
        large = building_type in ("apartment", "terraced")
        size = rng.choice((360, 660)) if large else rng.choices((140, 240, 360), weights=(3, 6, 1))[0]
        interval = 1 if large else rng.choices((1, 2, 3, 4), weights=(1, 6, 2, 3))[0]
        if building_type == "holiday_home":
            interval = rng.choice((2, 4))
        start = self.today - dt.timedelta(days=rng.randrange(400, 3000))
        weekday = rng.randrange(0, 5)
        self.contract(dict(
            id=self.ids[WasteContract].take(), property=pid, waste_type="mixed", bin_size=size,
            bin_count=rng.choice((2, 3)) if large else 1, interval_weeks=interval,
            route_weekday=weekday, start_date=start, end_date=None))
        if central and building_type != "holiday_home" and rng.random() < 0.45:
            self.contract(dict(
                id=self.ids[WasteContract].take(), property=pid, waste_type="bio",
                bin_size=140 if not large else 240, bin_count=1, interval_weeks=rng.choice((2, 4)),
                route_weekday=weekday,
                start_date=BIOWASTE_START + dt.timedelta(days=rng.randrange(0, 120)), end_date=None))

    def contract(self, row) -> None:
        """A contract, and the emptyings its truck has done in the last hundred days."""
        self.rows[WasteContract].append(row)
        terms = schedule.Terms(row["start_date"], row["interval_weeks"], row["route_weekday"],
                               row["bin_count"], row["bin_size"], schedule.monday(row["start_date"]))
        plan = schedule.ContractPlan(row["id"], row["waste_type"], row["start_date"], None, [terms])
        done = self.today - dt.timedelta(days=1)
        for emptying in schedule.planned_emptyings(plan, self.today - dt.timedelta(days=100), done):
            self.rows[Emptying].append(dict(contract=row["id"], emptied_on=emptying.day,
                                            bin_count=emptying.bin_count, extra=False))

    def water(self, pid, building_type, meter_kind) -> None:
        rng = self.rng
        if building_type == "holiday_home" and rng.random() < 0.6:
            return  # many holiday homes have their own well
        large = building_type in ("apartment", "terraced")
        point_id = self.ids[ConsumptionPoint].take()
        persons = rng.randrange(12, 60) if large else rng.randrange(1, 6)
        yearly = persons * rng.randrange(25, 50)
        self.next_point_number += 1
        self.rows[ConsumptionPoint].append(dict(
            id=point_id, number=str(self.next_point_number), property=pid,
            customer_class="large" if large else "small",
            billing_group="monthly" if large else rng.choice(("1", "2", "3")),
            persons=persons, annual_estimate_m3=yearly))
        meter_kind = meter_kind or ("remote" if rng.random() < 0.25 else "mechanical")
        installed = self.today - dt.timedelta(days=rng.randrange(1500, 4000))
        meter_id = self.ids[Meter].take()
        self.next_meter_number += rng.randrange(1, 13)
        start = rng.randrange(0, 2000)
        self.rows[Meter].append(dict(
            id=meter_id, point=point_id, number=str(self.next_meter_number),
            size=rng.choice(("DN25", "DN32", "DN40")) if large else "DN20", kind=meter_kind,
            installed_on=installed, removed_on=None, start_reading=start))
        readings = self.readings(meter_id, meter_kind, installed, start, yearly)
        self.customer_points[self.current_customer].append((point_id, yearly, readings))

    def readings(self, meter_id, kind, installed, value, yearly) -> list[tuple[int, dt.date, int]]:
        """Mechanical meters: a reading each December; remote-read: each quarter."""
        rng, today = self.rng, self.today
        dates = []
        for year in range(max(installed.year, today.year - 4), today.year + 1):
            if kind == "remote":
                dates += [dt.date(year, m, 1) for m in (1, 4, 7, 10)]
            else:
                dates.append(dt.date(year, 12, rng.randrange(1, 29)))
        previous, made = installed, []
        for day in dates:
            if not installed < day < today:
                continue
            value += round(yearly * (day - previous).days / 365 * rng.uniform(0.8, 1.2))
            previous = day
            reading_id = self.ids[Reading].take()
            self.rows[Reading].append(dict(id=reading_id, meter=meter_id, read_on=day, value=value,
                                           source="remote" if kind == "remote" else "resident",
                                           status="accepted", created_at=utcnow()))
            made.append((reading_id, day, value))
        return made

    def invoices(self, customer_id, has_water: bool) -> None:
        """Invoices of the previous billing system (totals only), up to where Kotipiha's
        own billing runs take over. Each water invoice names the reading it balanced to
        (the latest of its quarter) and the m³ it billed as estimates after it, so that
        Kotipiha's first balancing deducts them (go-live)."""
        rng = self.rng
        points = self.customer_points.pop(customer_id, []) if has_water else []
        for start in reversed(_quarter_starts(self.today, 6)):
            end = dt.date(start.year + (start.month == 10), (start.month + 2) % 12 + 1, 1) - dt.timedelta(days=1)
            for kind, delay in (("waste", 20), ("water", 10)):
                issued = end + dt.timedelta(days=delay)
                if issued >= self.billing_from:
                    continue
                for point_id, yearly, readings in (points if kind == "water" else [(None, 0, [])]):
                    balanced = max((r for r in readings if start <= r[1] <= end), key=lambda r: r[1], default=None)
                    first = balanced[1] if balanced else start
                    number = self.next_invoice_number
                    self.next_invoice_number += 1
                    self.rows[Invoice].append(dict(
                        id=self.ids[Invoice].take(), customer=customer_id, number=str(number),
                        reference=fi_reference(number), kind=kind, invoice_date=issued,
                        due_date=issued + dt.timedelta(days=21), period_start=start, period_end=end,
                        total=Decimal(rng.randrange(3000, 40000)) / 100,
                        status="paid" if issued < self.today - dt.timedelta(days=40) else "open",
                        point=point_id, balanced_reading=balanced[0] if balanced else None, imported=True,
                        estimated_m3=(Decimal(yearly * ((end - first).days + 1)) / 365).quantize(Decimal("0.001"))
                        if point_id else None))

    def flush(self) -> None:
        for model, rows in self.rows.items():
            for i in range(0, len(rows), BATCH):
                model.insert_many(rows[i:i + BATCH]).execute()
            rows.clear()


def load(properties: int = 200, seed: int = 2026, today: dt.date | None = None,
         with_billing: bool = True) -> dict[str, int]:
    """Generate and store the demo data; returns row counts."""
    today = today or clock_today()
    rng = random.Random(seed)
    gen = _Generator(rng, today)
    if with_billing:
        gen.billing_from = today - dt.timedelta(days=BILLED_DAYS)
    with db.atomic():
        if not PriceListRow.select().exists():
            PriceListRow.insert_many(price_rows()).execute()
        if not BillingCalendar.select().exists():
            BillingCalendar.insert_many(billing_calendar_rows(today.year - 1, today.year + 1)).execute()
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
        _fix_sequences()
    if with_billing:
        _run_billing(today)
    return {"customers": Customer.select().count(), "properties": Property.select().count(),
            "waste contracts": WasteContract.select().count(), "meters": Meter.select().count(),
            "readings": Reading.select().count(), "invoices": Invoice.select().count()}


def _special_customers(gen: _Generator) -> list[tuple[int, list[int]]]:
    """The customers behind the printed demo logins, with the properties they need."""
    maija = gen.customer("Maija", "Virtanen")
    maija_props = [gen.property(maija, municipality="Kouvola", building_type="detached", central=True),
                   gen.property(maija, municipality="Kotka", building_type="detached", central=True),
                   gen.property(maija, municipality="Mäntyharju", building_type="holiday_home")]
    pekka = gen.customer("Pekka", "Nieminen")
    pekka_props = [gen.property(pekka, municipality="Pyhtää", building_type="holiday_home",
                                meter_kind="mechanical")]
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


def _run_billing(today: dt.date) -> None:
    """The water runs of the last months and the latest waste quarter, as the scheduler
    would have run them."""
    from flask import current_app
    from domain import billing_runs
    start = today - dt.timedelta(days=BILLED_DAYS)
    days = [d for (d,) in BillingCalendar.select(BillingCalendar.billing_date).distinct()
            .where((BillingCalendar.billing_date > start) & (BillingCalendar.billing_date <= today))
            .order_by(BillingCalendar.billing_date).tuples()]
    for day in days:
        billing_runs.run_water(day, current_app.config)
    quarter_end = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1) - dt.timedelta(days=1)
    quarter_start = (quarter_end - dt.timedelta(days=85)).replace(day=1)
    billing_runs.run_waste(quarter_start, quarter_end, quarter_end + dt.timedelta(days=20), current_app.config)


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


def _demo_users(special) -> None:
    password_hash = hash_password(DEMO_PASSWORD)
    for (username, email, first, last, _), (cid, _) in zip(DEMO_RESIDENTS, special):
        User.create(customer=cid, username=username, email=email, first_name=first,
                    last_name=last, phone="040 1234567", password_hash=password_hash,
                    role="resident", language="fi", terms_accepted_at=utcnow())
    username, email, first, last = DEMO_STAFF
    User.create(username=username, email=email, first_name=first, last_name=last,
                password_hash=password_hash, role="staff", language="fi")


def _fix_sequences() -> None:
    """PostgreSQL: move each id sequence past the explicit ids written above."""
    if not isinstance(db.obj, PostgresqlDatabase):
        return
    for model in (Customer, Property, WasteContract, Emptying, ConsumptionPoint, Meter, Invoice, Reading):
        table = model._meta.table_name
        db.execute_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                       f"COALESCE((SELECT MAX(id) FROM {table}), 1))")


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
    pairs = unregistered_pairs()
    if pairs:
        lines.append("Not yet registered (customer number + latest invoice number), for 'Register':")
        lines += [f"  {number}  invoice {invoice}" for number, invoice in pairs]
    return "\n".join(lines)
