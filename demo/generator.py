"""The rows of the demo data, generated before anything is written: customers, properties,
waste contracts with their past emptyings, water points with meters and readings, and the
invoices of the previous billing system."""
from __future__ import annotations

import datetime as dt
import itertools
import random
from collections import defaultdict
from decimal import Decimal

from stdnum.fi import ytunnus

from database import first_free_id
from domain import schedule
from domain.reference import fi_reference
from domain.waste import WasteSettings
from domain.billing import Tariffs
from models import (BasicFeeBill, ConsumptionPoint, Customer, Emptying, Invoice, Meter, PriceListRow, Property, Reading,
                    WasteContract)
from models.clock import utcnow

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
    # Holiday homes here use the area collection points, not bins (demo/__init__.py adds them).
    "Pertunmaa": [("19430", "PERTUNMAA", "Pertunmaa", False)],
}
COLLECTION_POINT_AREAS = {"Pertunmaa"}
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

BIOWASTE_START = WasteSettings.biowaste_start
BATCH = 500


def business_id(cid: int) -> str:
    """A valid Finnish business ID (Y-tunnus) made from the customer id (a base whose
    remainder leaves no check digit is skipped)."""
    base = 1_000_000 + cid % 8_000_000
    while True:
        for digit in "0123456789":
            if ytunnus.is_valid(f"{base:07d}-{digit}"):
                return f"{base:07d}-{digit}"
        base += 1


def quarter_starts(today: dt.date, count: int) -> list[dt.date]:
    start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    starts = []
    for _ in range(count):
        month = start.month - 3
        start = dt.date(start.year - (month < 1), month + 12 if month < 1 else month, 1)
        starts.append(start)
    return starts


class Generator:
    def __init__(self, rng: random.Random, today: dt.date):
        self.rng = rng
        self.today = today
        first = {m: first_free_id(m) for m in (Customer, Property, WasteContract, ConsumptionPoint,
                                                Meter, Invoice, Reading)}
        self.ids = {m: itertools.count(start) for m, start in first.items()}  # explicit ids
        self.customer_points = defaultdict(list)  # customer -> [(point, yearly m³, [readings])]
        self.customer_properties = defaultdict(list)  # customer -> [(property, dwellings, occupancy)]
        self.current_customer = None
        self.rows = {m: [] for m in (Customer, Property, WasteContract, Emptying, ConsumptionPoint,
                                      Meter, Reading, Invoice, BasicFeeBill)}
        self.next_invoice_number = 1_962_000 + first[Invoice]
        self.next_point_number = 100_000 + first[ConsumptionPoint]
        self.next_meter_number = 21_000_000 + first[Meter] * 7
        self.billing_from = today  # placeholders end here; real runs bill from this day on
        self._tariffs = None

    @property
    def tariffs(self) -> Tariffs:
        """The price list, read when first needed (it is written after the generator is made)."""
        if self._tariffs is None:
            self._tariffs = Tariffs(PriceListRow.select())
        return self._tariffs

    def customer(self, first=None, last=None, *, business=False) -> int:
        rng = self.rng
        first = first or rng.choice(FIRST_NAMES)
        last = last or rng.choice(LAST_NAMES)
        cid = next(self.ids[Customer])
        name = f"{last} Oy" if business else f"{first} {last}"
        postal, office, _, _ = rng.choice(AREAS["Kouvola"])
        self.rows[Customer].append(dict(
            id=cid, number=f"62-{cid:07d}-00", kind="business" if business else "private",
            name=name, business_id=business_id(cid) if business else None,
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
                 meter_kind=None, central=None, recycling=False) -> int:
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
        pid = next(self.ids[Property])
        self.current_customer = customer_id
        self.rows[Property].append(dict(
            id=pid, customer=customer_id, street=self.street(holiday), postal_code=postal,
            post_office=office, municipality=municipality, collection_area=area,
            building_type=building_type, occupancy="holiday" if holiday else "permanent",
            # from the id, not the random generator: the rest of the data stays as it was
            dwellings={"apartment": 6 + pid % 34, "terraced": 3 + pid % 6, "semi_detached": 2}.get(building_type, 1),
            created_at=utcnow()))
        self.customer_properties[customer_id].append(
            (pid, self.rows[Property][-1]["dwellings"], self.rows[Property][-1]["occupancy"]))
        if area not in COLLECTION_POINT_AREAS:
            self.waste_contracts(pid, building_type, is_central)
        self.recycling(pid, municipality, building_type, recycling)
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
        weekday = rng.randrange(0, schedule.SATURDAY)  # a route weekday
        self.contract(dict(
            id=next(self.ids[WasteContract]), property=pid, waste_type="mixed", bin_size=size,
            bin_count=rng.choice((2, 3)) if large else 1, interval_weeks=interval,
            route_weekday=weekday, start_date=start, end_date=None))
        if central and building_type != "holiday_home" and rng.random() < 0.45:
            self.contract(dict(
                id=next(self.ids[WasteContract]), property=pid, waste_type="bio",
                bin_size=140 if not large else 240, bin_count=1, interval_weeks=rng.choice((2, 4)),
                route_weekday=weekday,
                start_date=BIOWASTE_START + dt.timedelta(days=rng.randrange(0, 120)), end_date=None))

    def recycling(self, pid, municipality, building_type, multi_compartment) -> None:
        """Packaging bins where the law asks for them (five dwellings or more) in Kouvola and
        Kotka, and a four-compartment bin where asked. From the id, not the random
        generator, so the rest of the data stays as it was."""
        start = self.today - dt.timedelta(days=300 + pid % 200)
        weekday = pid % schedule.SATURDAY
        bins = []
        if building_type in ("apartment", "terraced") and municipality in ("Kouvola", "Kotka"):
            bins = [("plastic", 660, 4), ("cardboard", 660, 4), ("glass", 240, 8), ("metal", 240, 8)]
        if multi_compartment:
            bins = [("multi4", 240, 8)]
        for waste_type, size, interval in bins:
            self.contract(dict(id=next(self.ids[WasteContract]), property=pid, waste_type=waste_type,
                               bin_size=size, bin_count=1, interval_weeks=interval, route_weekday=weekday,
                               start_date=start, end_date=None))

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
        point_id = next(self.ids[ConsumptionPoint])
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
        meter_id = next(self.ids[Meter])
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
            reading_id = next(self.ids[Reading])
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
        for start in reversed(quarter_starts(self.today, 6)):
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
                        id=next(self.ids[Invoice]), customer=customer_id, number=str(number),
                        reference=fi_reference(number), kind=kind, invoice_date=issued,
                        due_date=issued + dt.timedelta(days=21), period_start=start, period_end=end,
                        total=Decimal(rng.randrange(3000, 40000)) / 100,
                        status="paid" if issued < self.today - dt.timedelta(days=40) else "open",
                        point=point_id, balanced_reading=balanced[0] if balanced else None, imported=True,
                        estimated_m3=(Decimal(yearly * ((end - first).days + 1)) / 365).quantize(Decimal("0.001"))
                        if point_id else None))

        self.basic_fee_invoices(customer_id, quarter_starts(self.today, 6)[-1])

    def basic_fee_invoices(self, customer_id, since: dt.date) -> None:
        """The previous system's waste basic-fee invoices (default mode: one of its own a
        year, on 15.2.), dwellings × the year's price, paid; recorded as billed per property."""
        properties = self.customer_properties.get(customer_id, [])
        for year in range(since.year, self.today.year + 1):
            issued = dt.date(year, 2, 15)
            if not (since <= issued < self.billing_from) or not properties:
                continue
            total = sum((self.tariffs.price(f"waste_basic_fee_{occupancy}", dt.date(year, 1, 1)).unit_price * dwellings
                         for _pid, dwellings, occupancy in properties), Decimal(0))
            invoice_id = next(self.ids[Invoice])
            number = self.next_invoice_number
            self.next_invoice_number += 1
            self.rows[Invoice].append(dict(
                id=invoice_id, customer=customer_id, number=str(number), reference=fi_reference(number),
                kind="basic_fee", invoice_date=issued, due_date=issued + dt.timedelta(days=21),
                period_start=dt.date(year, 1, 1), period_end=dt.date(year, 12, 31), total=total.quantize(Decimal("0.01")),
                status="paid", point=None, balanced_reading=None, imported=True, estimated_m3=None))
            self.rows[BasicFeeBill] += [dict(property=pid, year=year, invoice=invoice_id, months=12, created_at=utcnow())
                                        for pid, _d, _o in properties]

    def flush(self) -> None:
        for model, rows in self.rows.items():
            for i in range(0, len(rows), BATCH):
                model.insert_many(rows[i:i + BATCH]).execute()
            rows.clear()
