"""Import from the previous system: a folder of CSV files (`flask import`).

- Files: one per table (TABLES, in the order they are read), named in English or Finnish
  (`customers.csv` or `asiakkaat.csv`); UTF-8 (with or without a byte-order mark) or
  Windows-1252; `;` or `,` between cells; headers in English or Finnish; dates `d.m.yyyy`
  or `yyyy-mm-dd`; decimals with a comma or a point. A file that is missing is skipped.
- Every row carries its id in the previous system. `ImportRecord` remembers what each id
  became and the values it had, so a second run of the same files changes nothing and a
  corrected file updates what it corrects. A value changed in Kotipiha since it was
  imported (by a resident, customer service or a payment) is kept, and the report says so.
- Every row is validated before anything of its file is written; a row that fails is
  rejected with its file, line and reason, and the others are imported. A real run writes
  one transaction per file; `dry_run` runs the same in one transaction that is rolled back,
  so the report is exactly what a real run would do.
- Go-live: an imported water invoice names the reading it balanced to and the m³ it billed
  as estimates after it; the first billing run starts from there (domain/billing_runs.py).
  Open balances set what is still unpaid of an imported invoice, whose reference number is
  kept so that payments to it are matched. Registration takes the latest imported invoice
  number.
"""
from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Callable

from peewee import ForeignKeyField
from stdnum.exceptions import ValidationError
from stdnum.fi import ytunnus

from database import advance_sequence, bulk_insert, next_ids
from domain import compost, emails
from domain.accounts import CUSTOMER_NUMBER, normalize_customer_number
from domain.reference import fi_reference, is_valid_fi_reference, rf_reference
from domain.waste import WASTE_TYPES
from models import (BasicFeeBill, CompostNotice, ConsumptionPoint, Credit, Customer, ImportRecord, Invoice, Meter,
                    Property, Reading, WasteContract, db)
from models.clock import today as local_today, utcnow

CHUNK = 500  # ids per IN (…) query


class Reject(ValueError):
    """A row that cannot be imported, with the reason."""


# -- values ---------------------------------------------------------------------------------

MAX_TEXT = 255  # the longest text Kotipiha stores in a field (PostgreSQL refuses more)
MAX_CELL = 1000  # no cell of any column is longer (a longer one is a broken file, not data)


def text(value: str) -> str:
    value = value.strip()
    if len(value) > MAX_TEXT:
        raise Reject(f"longer than {MAX_TEXT} characters ({len(value)})")
    return value


def upper(value: str) -> str:
    return text(value).upper()  # addresses are stored in capitals


def integer(value: str) -> int:
    try:
        return int(value.strip().replace(" ", ""))
    except ValueError:
        raise Reject(f"not a whole number: {value!r}") from None


def positive(value: str) -> int:
    number = integer(value)
    if number < 1:
        raise Reject(f"must be 1 or more: {value!r}")
    return number


def not_negative(value: str) -> int:
    number = integer(value)
    if number < 0:
        raise Reject(f"must not be negative: {value!r}")
    return number


def decimal(value: str) -> Decimal:
    compact = value.strip().replace(" ", "").replace("\u00a0", "").replace(",", ".")
    try:
        number = Decimal(compact)
    except InvalidOperation:
        raise Reject(f"not a number: {value!r}") from None
    if not number.is_finite():
        raise Reject(f"not a number: {value!r}")
    return number


def money(value: str) -> Decimal:
    number = decimal(value)
    if number != number.quantize(Decimal("0.01")):
        raise Reject(f"more than two decimals in an amount: {value!r}")
    return number.quantize(Decimal("0.01"))


def date(value: str) -> dt.date:
    raw = value.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            return dt.date.fromisoformat(raw)
        day, month, year = (int(p) for p in raw.split("."))
        return dt.date(year, month, day)
    except ValueError:
        raise Reject(f"not a date (d.m.yyyy or yyyy-mm-dd): {value!r}") from None


def email(value: str) -> str:
    try:
        return emails.normalize(value)
    except emails.InvalidEmail:
        raise Reject(f"not an email address: {value!r}") from None


def choice(options: dict[str, str]) -> Callable[[str], str]:
    """A code from `options` (what the file may say -> the stored code); the codes
    themselves are always accepted."""
    accepted = {**{v: v for v in options.values()}, **options}

    def parse(value: str) -> str:
        key = value.strip().casefold()
        if key not in accepted:
            raise Reject(f"{value!r} is not one of {', '.join(sorted(set(options.values())))}")
        return accepted[key]
    return parse


WEEKDAYS = {**{str(i + 1): i for i in range(7)},
            **{name: i for i, names in enumerate((("ma", "maanantai", "mon", "monday"),
                                                   ("ti", "tiistai", "tue", "tuesday"),
                                                   ("ke", "keskiviikko", "wed", "wednesday"),
                                                   ("to", "torstai", "thu", "thursday"),
                                                   ("pe", "perjantai", "fri", "friday"),
                                                   ("la", "lauantai", "sat", "saturday"),
                                                   ("su", "sunnuntai", "sun", "sunday")))
               for name in names}}


def weekday(value: str) -> int:
    key = value.strip().casefold()
    if key not in WEEKDAYS:
        raise Reject(f"not a weekday (1–7 from Monday, or ma, ti, …): {value!r}")
    return WEEKDAYS[key]


def digits(value: str) -> str:
    compact = re.sub(r"\s", "", value)
    if not re.fullmatch(r"\d{1,19}", compact):
        raise Reject(f"must be digits only: {value!r}")
    return compact


def business_id(value: str) -> str:
    """A Finnish business ID (Y-tunnus), check digit and all (python-stdnum), as 1234567-1."""
    try:
        return ytunnus.format(ytunnus.validate(value.strip()))
    except ValidationError:
        raise Reject(f"not a Finnish business ID (Y-tunnus) like 1234567-1: {value!r}") from None


def reference(value: str) -> str:
    compact = re.sub(r"\s", "", value)
    if not is_valid_fi_reference(compact):
        raise Reject(f"not a Finnish reference number (check digit): {value!r}")
    return compact


# -- the files ------------------------------------------------------------------------------

@dataclass
class Column:
    name: str  # the English header (and the key the row is built from)
    finnish: str
    parse: Callable[[str], object]
    required: bool = True


@dataclass
class Table:
    entity: str
    files: tuple[str, str]  # English and Finnish file name
    columns: list[Column]
    model: object = None  # None: the file completes another table's rows (open balances)
    unique: tuple[str, ...] = ()  # fields unique in Kotipiha, checked before writing
    example: dict = field(default_factory=dict)


BUILDING_TYPES = {"omakotitalo": "detached", "paritalo": "semi_detached", "rivitalo": "terraced",
                  "kerrostalo": "apartment", "vapaa-ajan asunto": "holiday_home", "mökki": "holiday_home"}
WASTE_TYPE_NAMES = {"sekajäte": "mixed", "biojäte": "bio", "muovipakkaus": "plastic", "muovi": "plastic",
                    "kartonki": "cardboard", "kartonkipakkaus": "cardboard", "lasi": "glass",
                    "lasipakkaus": "glass", "metalli": "metal", "pienmetalli": "metal", "paperi": "paper",
                    "monilokero 2": "multi2", "monilokero 4": "multi4"}
assert set(WASTE_TYPE_NAMES.values()) <= set(WASTE_TYPES)

ID = Column("id", "tunnus", text)

TABLES = [
    Table("customer", ("customers.csv", "asiakkaat.csv"), [
        ID,
        Column("number", "asiakasnumero", normalize_customer_number, required=False),
        Column("kind", "tyyppi", choice({"yksityinen": "private", "yritys": "business"}), required=False),
        Column("name", "nimi", text),
        Column("business_id", "y_tunnus", business_id, required=False),
        Column("language", "kieli", choice({"suomi": "fi", "ruotsi": "sv", "englanti": "en"}), required=False),
        Column("email", "sähköposti", email, required=False),
        Column("phone", "puhelin", text, required=False),
        Column("billing_name", "laskutusnimi", text, required=False),
        Column("billing_street", "laskutusosoite", upper),
        Column("billing_postal_code", "postinumero", digits),
        Column("billing_post_office", "postitoimipaikka", upper),
    ], Customer, unique=("number",)),
    Table("property", ("properties.csv", "kohteet.csv"), [
        ID,
        Column("customer_id", "asiakas", text),
        Column("street", "katuosoite", upper),
        Column("postal_code", "postinumero", digits),
        Column("post_office", "postitoimipaikka", upper),
        Column("municipality", "kunta", text),
        Column("collection_area", "keräysalue", text),
        Column("building_type", "rakennustyyppi", choice(BUILDING_TYPES)),
        Column("occupancy", "käyttö", choice({"vakituinen": "permanent", "vapaa-aika": "holiday"}), required=False),
        Column("dwellings", "asuntoja", positive, required=False),
    ], Property),
    Table("waste_contract", ("waste_contracts.csv", "jatesopimukset.csv"), [
        ID,
        Column("property_id", "kohde", text),
        Column("waste_type", "jätelaji", choice(WASTE_TYPE_NAMES)),
        Column("bin_size", "astian_koko_l", positive),
        Column("bin_count", "astioita", positive, required=False),
        Column("interval_weeks", "tyhjennysväli_vk", positive),
        Column("route_weekday", "tyhjennyspäivä", weekday),
        Column("start_date", "alkaa", date),
        Column("end_date", "päättyy", date, required=False),
    ], WasteContract),
    Table("consumption_point", ("consumption_points.csv", "kayttopaikat.csv"), [
        ID,
        Column("property_id", "kohde", text),
        Column("number", "käyttöpaikkanumero", text),
        Column("customer_class", "asiakasluokka", choice({"pieni": "small", "suuri": "large",
                                                          "teollisuus": "industry"}), required=False),
        Column("billing_group", "laskutusryhmä", text),
        Column("persons", "henkilöitä", positive, required=False),
        Column("annual_estimate_m3", "vuosiarvio_m3", not_negative, required=False),
    ], ConsumptionPoint, unique=("number",)),
    Table("meter", ("meters.csv", "mittarit.csv"), [
        ID,
        Column("point_id", "käyttöpaikka", text),
        Column("number", "mittarinumero", text),
        Column("size", "koko", upper),
        Column("kind", "tyyppi", choice({"mekaaninen": "mechanical", "etaluettava": "remote"}), required=False),
        Column("installed_on", "asennettu", date),
        Column("removed_on", "poistettu", date, required=False),
        Column("start_reading", "alkulukema", not_negative, required=False),
    ], Meter, unique=("number",)),
    Table("reading", ("readings.csv", "lukemat.csv"), [
        ID,
        Column("meter_id", "mittari", text),
        Column("read_on", "luettu", date),
        Column("value", "lukema", not_negative),
        Column("source", "lähde", choice({"asukas": "resident", "laitos": "utility", "etaluenta": "remote",
                                          "lukukortti": "card"}), required=False),
    ], Reading),
    Table("open_balance", ("open_balances.csv", "avoimet_saatavat.csv"), [
        Column("invoice_id", "lasku", text),
        Column("open_amount", "avoin_summa", money),
    ]),
    Table("invoice", ("invoices.csv", "laskut.csv"), [
        ID,
        Column("customer_id", "asiakas", text),
        Column("point_id", "käyttöpaikka", text, required=False),
        Column("number", "laskunumero", digits),
        Column("reference", "viite", reference, required=False),
        Column("kind", "laji", choice({"vesi": "water", "jäte": "waste", "jate": "waste",
                                       "perusmaksu": "basic_fee"})),
        Column("invoice_date", "laskupäivä", date),
        Column("due_date", "eräpäivä", date),
        Column("period_start", "jakso_alkaa", date, required=False),
        Column("period_end", "jakso_päättyy", date, required=False),
        Column("total", "summa", money),
        Column("status", "tila", choice({"maksettu": "paid", "avoin": "open"})),
        Column("balanced_reading_id", "tasauslukema", text, required=False),
        Column("estimated_m3", "arvioitu_m3", decimal, required=False),
        Column("basic_fee_year", "perusmaksuvuosi", positive, required=False),
    ], Invoice, unique=("number", "reference")),
    Table("compost_notice", ("compost_notices.csv", "kompostointi-ilmoitukset.csv"), [
        ID,
        Column("property_id", "kohde", text),
        Column("notified_on", "ilmoitettu", date),
        Column("valid_until", "voimassa", date, required=False),
        Column("composter_type", "kompostori", choice({"lämpöeristetty": "insulated_food",
                                                       "eristämätön": "non_insulated", "bokashi": "bokashi",
                                                       "muu": "other"})),
        Column("volume_l", "tilavuus_l", positive),
        Column("persons", "henkilöitä", positive),
        Column("composted", "kompostoidaan", text, required=False),
        Column("first_name", "etunimi", text, required=False),
        Column("last_name", "sukunimi", text, required=False),
        Column("phone", "puhelin", text, required=False),
        Column("email", "sähköposti", email, required=False),
    ], CompostNotice),
]
BY_ENTITY = {t.entity: t for t in TABLES}


# -- the report -----------------------------------------------------------------------------

@dataclass
class FileReport:
    name: str
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    kept: list[tuple[int, str]] = field(default_factory=list)  # (line, what was kept)


@dataclass
class Report:
    folder: str
    dry_run: bool
    files: list[FileReport] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rejected(self) -> int:
        return sum(len(f.rejected) for f in self.files)

    def lines(self) -> list[str]:
        head = "Import (dry run: nothing was written)" if self.dry_run else "Import"
        out = [f"{head} from {self.folder}",
               f"{'file':<32} {'read':>7} {'create':>7} {'update':>7} {'same':>7} {'reject':>7}"]
        verb = ("would create", "would update") if self.dry_run else ("created", "updated")
        for f in self.files:
            out.append(f"{f.name:<32} {f.read:>7} {f.created:>7} {f.updated:>7} {f.unchanged:>7} "
                       f"{len(f.rejected):>7}")
        for f in self.files:
            out += [f"{f.name}:{line}: rejected: {reason}" for line, reason in sorted(f.rejected)]
            out += [f"{f.name}:{line}: kept: {what}" for line, what in sorted(f.kept)]
        summary = (f"{sum(f.read for f in self.files)} rows read, {sum(f.created for f in self.files)} "
                   f"{verb[0]}, {sum(f.updated for f in self.files)} {verb[1]}, "
                   f"{sum(f.unchanged for f in self.files)} unchanged, {self.rejected} rejected "
                   f"in {self.seconds:.1f} s")
        return out + [summary]


# -- reading a file -------------------------------------------------------------------------

def decode(raw: bytes) -> str:
    """UTF-8 (a byte-order mark is dropped) or, failing that, Windows-1252."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def read_rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the (line number, cells) of the other non-empty lines."""
    content = decode(path.read_bytes())
    first = content.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    # The csv module's own cell limit (128 KiB) would end the whole file with an exception:
    # cells are read whole here, and a row with a cell over MAX_CELL is rejected by its line.
    csv.field_size_limit(max(len(content) + 1, csv.field_size_limit()))
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    try:
        header = next(reader, [])
    except csv.Error as error:
        raise Reject(f"the header cannot be read: {error}") from None
    rows = []
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:  # a broken line is rejected like any other bad row
            rows.append((reader.line_num, Reject(f"cannot be read as CSV: {error}")))
            continue
        if any(c.strip() for c in cells):
            rows.append((reader.line_num, cells))
    return header, rows


def _header_key(name: str) -> str:
    folded = name.strip().casefold().replace(" ", "_").replace("-", "_")
    return folded.translate(str.maketrans("äöå", "aoa"))


def map_header(table: Table, header: list[str]) -> list[str | None]:
    """The column name of each cell; Reject when a header is unknown or a required one is
    missing (a typo must not drop a column silently)."""
    known = {}
    for column in table.columns:
        known[_header_key(column.name)] = column.name
        known[_header_key(column.finnish)] = column.name
    names, unknown = [], []
    for cell in header:
        key = _header_key(cell)
        if key in known:
            names.append(known[key])
        elif key:
            unknown.append(cell.strip())
        else:
            names.append(None)
    if unknown:
        raise Reject(f"unknown column(s): {', '.join(unknown)}")
    missing = [c.name for c in table.columns if c.required and c.name not in names]
    if missing:
        raise Reject(f"missing column(s): {', '.join(missing)}")
    return names


def parse_row(table: Table, names: list[str | None], cells: list[str] | Reject) -> dict:
    if isinstance(cells, Reject):
        raise cells
    if len(cells) > len(names):
        raise Reject(f"{len(cells)} cells, the header has {len(names)}")
    values = {}
    columns = {c.name: c for c in table.columns}
    for name, cell in zip(names, cells):
        if name is None:
            continue
        if len(cell) > MAX_CELL:
            raise Reject(f"{name}: longer than {MAX_CELL} characters ({len(cell)})")
        if cell.strip() == "":
            if columns[name].required:
                raise Reject(f"{name} is empty")
            continue
        try:
            values[name] = columns[name].parse(cell)
        except Reject as error:
            raise Reject(f"{name}: {error}") from None
    for column in table.columns:
        if column.required and column.name not in values:
            raise Reject(f"{column.name} is empty")
    return values


# -- comparing values -----------------------------------------------------------------------

def norm(value):
    """A value as compared and remembered: the same for what a file says and what the
    database gives back."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "id") and not isinstance(value, (int, str)):
        return value.id
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return value  # SQLite hands a date read by a raw query back as text
    return value


# -- the import -----------------------------------------------------------------------------

def ref_or_own(v: dict) -> str:
    """An invoice's reference: the one in the file, or its number with a check digit."""
    return v.get("reference") or fi_reference(v["number"].rjust(3, "0"))


class Importer:
    """One import of a folder. `ids[entity]` maps the previous system's ids to Kotipiha's
    (those imported before and those created by this run)."""

    def __init__(self, folder: Path, today: dt.date, refund_threshold: Decimal = Decimal(200)):
        self.folder = folder
        self.today = today
        self.refund_threshold = refund_threshold
        self.fee_years: dict[str, int] = {}  # invoice source id -> the year whose basic fee it carried
        self.credits: dict[str, Decimal] = {}  # credit note source id -> the credit still unused
        self.ids: dict[str, dict[str, int]] = {}
        self.open_amounts: dict[str, Decimal] = {}  # invoice source id -> still unpaid
        self.open_lines: dict[str, int] = {}

    def known(self, entity: str) -> dict[str, int]:
        if entity not in self.ids:
            self.ids[entity] = dict(ImportRecord.select(ImportRecord.source_id, ImportRecord.object_id)
                                    .where(ImportRecord.entity == entity).tuples())
        return self.ids[entity]

    def ref(self, entity: str, source_id: str, what: str) -> int:
        found = self.known(entity).get(source_id)
        if found is None:
            raise Reject(f"{what} {source_id!r} is not imported")
        return found

    def file_of(self, table: Table) -> Path | None:
        for name in table.files:
            for path in (self.folder / name, self.folder / name.upper()):
                if path.is_file():
                    return path
        return None

    # The fields of a Kotipiha row, from a parsed row of each file.

    def build_customer(self, v: dict) -> dict:
        number = v.get("number")
        if number is not None and not CUSTOMER_NUMBER.match(number):
            raise Reject(f"number: not a customer number like 62-0001234-00: {number!r}")
        kind = v.get("kind", "private")
        return dict(number=number, kind=kind, name=v["name"], business_id=v.get("business_id"),
                    language=v.get("language", "fi"), email=v.get("email"), phone=v.get("phone"),
                    billing_name=v.get("billing_name") or v["name"].upper(), billing_street=v["billing_street"],
                    billing_postal_code=v["billing_postal_code"], billing_post_office=v["billing_post_office"])

    def build_property(self, v: dict) -> dict:
        holiday = v["building_type"] == "holiday_home"
        return dict(customer=self.ref("customer", v["customer_id"], "customer"), street=v["street"],
                    postal_code=v["postal_code"], post_office=v["post_office"], municipality=v["municipality"],
                    collection_area=v["collection_area"], building_type=v["building_type"],
                    occupancy=v.get("occupancy", "holiday" if holiday else "permanent"),
                    dwellings=v.get("dwellings", 1))

    def build_waste_contract(self, v: dict) -> dict:
        if v["interval_weeks"] > 52:
            raise Reject(f"interval_weeks: more than 52: {v['interval_weeks']}")
        if v.get("end_date") and v["end_date"] < v["start_date"]:
            raise Reject("end_date is before start_date")
        return dict(property=self.ref("property", v["property_id"], "property"), waste_type=v["waste_type"],
                    bin_size=v["bin_size"], bin_count=v.get("bin_count", 1), interval_weeks=v["interval_weeks"],
                    route_weekday=v["route_weekday"], start_date=v["start_date"], end_date=v.get("end_date"))

    def build_consumption_point(self, v: dict) -> dict:
        return dict(property=self.ref("property", v["property_id"], "property"), number=v["number"],
                    customer_class=v.get("customer_class", "small"), billing_group=v["billing_group"],
                    persons=v.get("persons", 2), annual_estimate_m3=v.get("annual_estimate_m3"))

    def build_meter(self, v: dict) -> dict:
        if v.get("removed_on") and v["removed_on"] < v["installed_on"]:
            raise Reject("removed_on is before installed_on")
        return dict(point=self.ref("consumption_point", v["point_id"], "consumption point"), number=v["number"],
                    size=v["size"], kind=v.get("kind", "mechanical"), installed_on=v["installed_on"],
                    removed_on=v.get("removed_on"), start_reading=v.get("start_reading", 0))

    def build_reading(self, v: dict) -> dict:
        if v["read_on"] > self.today:
            raise Reject(f"read_on is in the future: {v['read_on']:%d.%m.%Y}")
        return dict(meter=self.ref("meter", v["meter_id"], "meter"), read_on=v["read_on"], value=v["value"],
                    source=v.get("source", "utility"), status="accepted")

    def build_invoice(self, v: dict, source_id: str) -> dict:
        point = self.ref("consumption_point", v["point_id"], "consumption point") if v.get("point_id") else None
        balanced = None
        if v.get("balanced_reading_id"):
            balanced = self.ref("reading", v["balanced_reading_id"], "reading")
            if point is None:
                raise Reject("balanced_reading_id needs point_id")
            if self.reading_points.get(balanced) != point:
                raise Reject(f"reading {v['balanced_reading_id']!r} is not of a meter of this point")
        if v.get("estimated_m3") is not None and point is None:
            raise Reject("estimated_m3 needs point_id")
        start, end = v.get("period_start"), v.get("period_end")
        if (start is None) != (end is None) or (start and end < start):
            raise Reject("period_start and period_end: both or neither, the start first")
        if v["kind"] == "water" and point is not None and start is None:
            raise Reject("a water invoice of a point needs its period")
        if v["due_date"] < v["invoice_date"]:
            raise Reject("due_date is before invoice_date")
        total = v["total"]
        unpaid = total if v["status"] == "open" else Decimal("0.00")
        if source_id in self.open_amounts:
            unpaid = self.open_amounts[source_id]
            if total >= 0 and not Decimal(0) <= unpaid <= total:
                raise Reject(f"open balance {unpaid} is not between 0 and the total {total}")
            if total < 0 and unpaid > -total:
                raise Reject(f"open credit {unpaid} is more than the credit note's {-total}")
        year = v.get("basic_fee_year") or ((start or v["invoice_date"]).year if v["kind"] == "basic_fee" else None)
        if year is not None:
            self.fee_years[source_id] = year
        status, paid = ("open" if unpaid else "paid"), total - unpaid
        if total < 0:  # a credit note: what is still unused becomes a credit like Kotipiha's own
            self.credits[source_id] = abs(unpaid)
            status, paid = ("credit" if unpaid else "paid"), Decimal("0.00")
        ref = ref_or_own(v)
        return dict(customer=self.ref("customer", v["customer_id"], "customer"), number=v["number"],
                    reference=ref, rf_reference=rf_reference(ref), kind=v["kind"],
                    invoice_date=v["invoice_date"], due_date=v["due_date"], period_start=start, period_end=end,
                    total=total, status=status, paid_amount=paid, point=point,
                    balanced_reading=balanced, estimated_m3=v.get("estimated_m3"), imported=True)

    def build_compost_notice(self, v: dict, source_id: str) -> dict:
        prop_id = self.ref("property", v["property_id"], "property")
        prop, owner = self.properties[prop_id]
        first, _sep, last = owner.name.partition(" ")
        return dict(property=prop_id, first_name=v.get("first_name") or first,
                    last_name=v.get("last_name") or last or first, street=prop.street,
                    postal_code=prop.postal_code, post_office=prop.post_office,
                    phone=v.get("phone") or owner.phone or "", email=v.get("email") or owner.email or "",
                    building_type=prop.building_type, occupancy=prop.occupancy, persons=v["persons"],
                    composter_type=v["composter_type"], volume_l=v["volume_l"], composted=v.get("composted", ""),
                    confirm_disuse=True, confirm_correct=True, notified_on=v["notified_on"],
                    valid_until=v.get("valid_until") or compost.valid_until(v["notified_on"]),
                    request_key=f"import:{source_id}")

    # Running a file.

    def prepare(self, table: Table) -> None:
        """What a file's rows need to know beyond the ids, loaded once."""
        if table.entity == "invoice":
            readings = list(self.known("reading").values())
            self.reading_points = {}
            for i in range(0, len(readings), CHUNK):
                self.reading_points.update(Reading.select(Reading.id, Meter.point).join(Meter)
                                           .where(Reading.id.in_(readings[i:i + CHUNK])).tuples())
        if table.entity == "compost_notice":
            props = list(self.known("property").values())
            self.properties = {}
            for i in range(0, len(props), CHUNK):
                for prop in (Property.select(Property, Customer).join(Customer)
                             .where(Property.id.in_(props[i:i + CHUNK]))):
                    self.properties[prop.id] = (prop, prop.customer)

    def run_open_balances(self, table: Table, path: Path, report: FileReport) -> None:
        """Open balances complete the invoices of the next file; read them first."""
        names, rows = self.open_file(table, path, report)
        invoices = self.invoice_ids_in_file()
        for line, cells in rows:
            report.read += 1
            try:
                values = parse_row(table, names, cells)
                source_id = values["invoice_id"]
                if source_id in self.open_amounts:
                    raise Reject(f"invoice {source_id!r} is on line {self.open_lines[source_id]} already")
                if source_id not in invoices and source_id not in self.known("invoice"):
                    raise Reject(f"invoice {source_id!r} is not imported")
                if values["open_amount"] < 0:
                    raise Reject("open_amount must not be negative")
            except Reject as error:
                report.rejected.append((line, str(error)))
                continue
            self.open_amounts[source_id] = values["open_amount"]  # set with the invoices (their file reports it)
            self.open_lines[source_id] = line

    def invoice_ids_in_file(self) -> set[str]:
        path = self.file_of(BY_ENTITY["invoice"])
        if path is None:
            return set()
        header, rows = read_rows(path)
        try:
            position = map_header(BY_ENTITY["invoice"], header).index("id")
        except (Reject, ValueError):
            return set()
        return {cells[position].strip() for _line, cells in rows
                if not isinstance(cells, Reject) and len(cells) > position}

    @staticmethod
    def open_file(table: Table, path: Path, report: FileReport) -> tuple[list, list]:
        """The column names and rows of a file; none when its header is wrong (line 1)."""
        try:
            header, rows = read_rows(path)
            return map_header(table, header), rows
        except Reject as error:
            report.rejected.append((1, str(error)))
            return [], []

    def run_file(self, table: Table, path: Path, report: FileReport) -> None:
        names, rows = self.open_file(table, path, report)
        if not names:
            return
        self.prepare(table)
        build = getattr(self, f"build_{table.entity}")
        takes_id = table.entity in ("invoice", "compost_notice")
        parsed, lines_of = [], {}
        for line, cells in rows:
            report.read += 1
            try:
                values = parse_row(table, names, cells)
                source_id = values.pop("id")
                if source_id in lines_of:
                    raise Reject(f"id {source_id!r} is on line {lines_of[source_id]} already")
                lines_of[source_id] = line
                fields = build(values, source_id) if takes_id else build(values)
            except Reject as error:
                report.rejected.append((line, str(error)))
                continue
            parsed.append((line, source_id, fields))
        known = self.known(table.entity)
        parsed = self.check_unique(table, parsed, known, report)
        try:
            with db.atomic():  # the file's transaction
                self.write(table, parsed, known, report)
                if table.entity == "invoice":
                    self.settle_invoices([(sid, known[sid]) for _l, sid, _f in parsed if sid in known])
        except Reject as error:  # rolled back: nothing of the file is imported
            self.ids.pop(table.entity, None)
            report.created = report.updated = report.unchanged = 0
            report.rejected.append((1, f"the whole file: {error}"))

    def check_unique(self, table: Table, parsed: list, known: dict, report: FileReport) -> list:
        """Rows whose unique value (a number, a reference) belongs to another row are
        rejected: in the file, or in Kotipiha."""
        model = table.model
        taken_by: dict[str, dict] = {}
        for name in table.unique:
            values = [f[name] for _l, _s, f in parsed if f.get(name) is not None]
            owners = {}
            for i in range(0, len(values), CHUNK):
                owners.update((v, oid) for v, oid in model.select(getattr(model, name), model.id)
                              .where(getattr(model, name).in_(values[i:i + CHUNK])).tuples())
            taken_by[name] = owners
        kept, seen = [], defaultdict(dict)
        for line, source_id, fields in parsed:
            problem = None
            for name in table.unique:
                value = fields.get(name)
                if value is None:
                    continue
                owner = taken_by[name].get(value)
                if owner is not None and owner != known.get(source_id):
                    problem = f"{name} {value} belongs to another {table.entity.replace('_', ' ')} in Kotipiha"
                elif value in seen[name]:
                    problem = f"{name} {value} is on line {seen[name][value]} already"
                if problem:
                    break
            if problem:
                report.rejected.append((line, problem))
                continue
            for name in table.unique:
                if fields.get(name) is not None:
                    seen[name][fields[name]] = line
            kept.append((line, source_id, fields))
        return kept

    def write(self, table: Table, parsed: list, known: dict, report: FileReport) -> None:
        model = table.model
        new = [(line, sid, fields) for line, sid, fields in parsed if sid not in known]
        old = [(line, sid, fields) for line, sid, fields in parsed if sid in known]
        now = utcnow()
        if new:
            ids = next_ids(model, len(new))
            defaults = _defaults(model, now)
            rows, records = [], []
            for object_id, (_line, source_id, fields) in zip(ids, new):
                if table.entity == "customer" and fields["number"] is None:
                    fields = {**fields, "number": f"62-{object_id:07d}-00"}
                rows.append({"id": object_id, **defaults, **fields})
                records.append(dict(entity=table.entity, source_id=source_id, object_id=object_id,
                                    values_json=_dump(fields), imported_at=now))
                known[source_id] = object_id
            if table.entity == "customer":
                self.check_generated_numbers(rows)
            for i in range(0, len(rows), CHUNK):
                bulk_insert(model, rows[i:i + CHUNK])
                bulk_insert(ImportRecord, records[i:i + CHUNK])
            advance_sequence(model)
            report.created += len(new)
        if old:
            self.update(table, old, known, report, now)

    def settle_invoices(self, imported: list[tuple[str, int]]) -> None:
        """What the invoices mean beyond their rows (audit #22, 2 and 6): an open credit note
        becomes a credit like Kotipiha's own (carried to the next invoice, or refunded at the
        threshold), once; a basic-fee invoice, or one naming `basic_fee_year`, records that
        the customer's properties' fee of that year is billed, so neither billing mode bills
        it again."""
        ids = dict(imported)
        wanted = [ids[sid] for sid in (*self.credits, *self.fee_years) if sid in ids]
        customer_of, has_credit, properties_of = {}, set(), defaultdict(list)
        for i in range(0, len(wanted), CHUNK):  # a few queries for the whole file, not some per invoice
            chunk = wanted[i:i + CHUNK]
            customer_of.update(Invoice.select(Invoice.id, Invoice.customer).where(Invoice.id.in_(chunk)).tuples())
            has_credit |= {c for (c,) in Credit.select(Credit.source_invoice)
                           .where(Credit.source_invoice.in_(chunk)).tuples()}
        customers = list(set(customer_of.values()))
        for i in range(0, len(customers), CHUNK):
            for prop_id, customer_id in (Property.select(Property.id, Property.customer)
                                         .where(Property.customer.in_(customers[i:i + CHUNK])).tuples()):
                properties_of[customer_id].append(prop_id)
        credits = [dict(customer=customer_of[ids[sid]], source_invoice=ids[sid], amount=amount,
                        refund_due=amount >= self.refund_threshold, created_at=utcnow())
                   for sid, amount in self.credits.items()
                   if sid in ids and ids[sid] not in has_credit and amount > 0]
        if credits:
            Credit.insert_many(credits).execute()
        bills = [dict(property=prop_id, year=year, invoice=ids[sid], months=12, created_at=utcnow())
                 for sid, year in self.fee_years.items() if sid in ids
                 for prop_id in properties_of[customer_of[ids[sid]]]]
        for i in range(0, len(bills), CHUNK):
            BasicFeeBill.insert_many(bills[i:i + CHUNK]).on_conflict_ignore().execute()

    @staticmethod
    def check_generated_numbers(rows: list[dict]) -> None:
        numbers = [r["number"] for r in rows]
        if len(set(numbers)) != len(numbers) or Customer.select().where(Customer.number.in_(numbers)).exists():
            raise Reject("a generated customer number is taken: give the numbers in the file")

    def update(self, table: Table, old: list, known: dict, report: FileReport, now) -> None:
        """Three-way: a field whose value in the file changed since the last import is
        updated when Kotipiha still has the value imported last; a field Kotipiha changed
        since is kept."""
        model = table.model
        records = {}
        sources = [sid for _l, sid, _f in old]
        for i in range(0, len(sources), CHUNK):
            records.update((sid, (rid, oid, values)) for sid, rid, oid, values in ImportRecord.select(
                ImportRecord.source_id, ImportRecord.id, ImportRecord.object_id, ImportRecord.values_json)
                .where((ImportRecord.entity == table.entity) & ImportRecord.source_id.in_(sources[i:i + CHUNK]))
                .tuples())
        changed = []
        for line, source_id, fields in old:
            record_id, object_id, values_json = records[source_id]
            if table.entity == "customer" and fields["number"] is None:  # the number Kotipiha gave
                fields = {**fields, "number": json.loads(values_json).get("number")}
            if _dump(fields) == values_json:
                report.unchanged += 1  # the file says what it said last time
            else:
                changed.append((line, fields, record_id, object_id, json.loads(values_json)))
        object_ids = [c[3] for c in changed]
        current = {}
        for i in range(0, len(object_ids), CHUNK):
            for obj in model.select().where(model.id.in_(object_ids[i:i + CHUNK])):
                current[obj.id] = obj
        foreign_keys = _foreign_keys(model)
        for line, fields, record_id, object_id, before in changed:
            obj = current.get(object_id)
            ImportRecord.update(values_json=_dump(fields), imported_at=now).where(
                ImportRecord.id == record_id).execute()
            if obj is None:
                report.kept.append((line, f"{table.entity.replace('_', ' ')} deleted in Kotipiha, not made again"))
                report.unchanged += 1
                continue
            changes = {}
            for name, value in fields.items():
                new, last = norm(value), before.get(name)
                now_value = norm(getattr(obj, f"{name}_id" if name in foreign_keys else name))
                if new == last or new == now_value:
                    continue
                if now_value == last:
                    changes[name] = value
                else:
                    report.kept.append((line, f"{name} {now_value!r} (changed in Kotipiha; the file says {new!r})"))
            if changes:
                model.update(**changes).where(model.id == obj.id).execute()
                report.updated += 1
            else:
                report.unchanged += 1


def _defaults(model, now) -> dict:
    """The model's defaults (created_at, …): a bulk insert names every column itself."""
    found = {}
    for name, model_field in model._meta.fields.items():
        if name != "id" and model_field.default is not None:
            default = model_field.default
            found[name] = now if default is utcnow else (default() if callable(default) else default)
    return found


def _foreign_keys(model) -> set[str]:
    return {name for name, f in model._meta.fields.items() if isinstance(f, ForeignKeyField)}


def _dump(fields: dict) -> str:
    return json.dumps({k: norm(v) for k, v in fields.items()}, sort_keys=True)


class _DryRun(Exception):
    pass


def import_folder(folder, *, dry_run: bool = False, today: dt.date | None = None,
                  refund_threshold: Decimal = Decimal(200)) -> Report:
    """Import every file of TABLES found in `folder`; a dry run writes nothing."""
    started = time.perf_counter()
    folder = Path(folder)
    importer = Importer(folder, today or local_today(), refund_threshold)
    report = Report(str(folder), dry_run)
    try:
        with db.atomic() if dry_run else contextlib.nullcontext():
            for table in TABLES:
                path = importer.file_of(table)
                if path is None:
                    continue
                file_report = FileReport(path.name)
                report.files.append(file_report)
                if table.model is None:
                    importer.run_open_balances(table, path, file_report)
                else:
                    importer.run_file(table, path, file_report)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    report.seconds = time.perf_counter() - started
    return report
