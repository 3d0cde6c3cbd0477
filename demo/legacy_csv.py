"""A generated export of a previous system, in the files `flask import` reads: for the
import's benchmark (bench/import_folder.py) and tests at scale. English headers, `,`
between cells, UTF-8 (the sample set in data/import-sample is the Finnish variant)."""
from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

from demo.generator import AREAS, FIRST_NAMES, LAST_NAMES, STREET_ENDS, STREET_STEMS

HEADERS = {
    "customers.csv": ["id", "number", "kind", "name", "language", "email", "phone", "billing_street",
                      "billing_postal_code", "billing_post_office"],
    "properties.csv": ["id", "customer_id", "street", "postal_code", "post_office", "municipality",
                       "collection_area", "building_type", "dwellings"],
    "waste_contracts.csv": ["id", "property_id", "waste_type", "bin_size", "bin_count", "interval_weeks",
                            "route_weekday", "start_date"],
    "consumption_points.csv": ["id", "property_id", "number", "billing_group", "persons", "annual_estimate_m3"],
    "meters.csv": ["id", "point_id", "number", "size", "installed_on", "start_reading"],
    "readings.csv": ["id", "meter_id", "read_on", "value"],
    "open_balances.csv": ["invoice_id", "open_amount"],
    "invoices.csv": ["id", "customer_id", "point_id", "number", "kind", "invoice_date", "due_date",
                     "period_start", "period_end", "total", "status", "balanced_reading_id", "estimated_m3"],
    "compost_notices.csv": ["id", "property_id", "notified_on", "composter_type", "volume_l", "persons"],
}


def _quarters(last_end: dt.date, count: int) -> list[tuple[dt.date, dt.date]]:
    """`count` calendar quarters ending with the one that ends on `last_end`, oldest first."""
    found, end = [], last_end
    for _ in range(count):
        start = (end - dt.timedelta(days=85)).replace(day=1)
        found.append((start, end))
        end = start - dt.timedelta(days=1)
    return found[::-1]


def write_export(folder, customers: int, *, seed: int = 1, last_billed: dt.date = dt.date(2026, 6, 30)) -> dict:
    """Write the files into `folder`; returns the rows written per file."""
    rng = random.Random(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rows = {name: [] for name in HEADERS}
    quarters = _quarters(last_billed, 8)
    invoice_number = 7_000_000
    for c in range(1, customers + 1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        postal, office, area, _central = rng.choice(AREAS["Kouvola"])
        street = f"{rng.choice(STREET_STEMS)}{rng.choice(STREET_ENDS)} {rng.randrange(1, 90)}"
        rows["customers.csv"].append([f"C{c}", f"62-{5_000_000 + c:07d}-00", "private", f"{first} {last}",
                                      "sv" if c % 20 == 0 else "fi", f"c{c}@example.fi",
                                      f"040 {1_000_000 + c}", street, postal, office])
        properties = [f"P{c}"] + ([f"P{c}b"] if c % 10 == 0 else [])
        for p in properties:
            holiday = p.endswith("b")
            rows["properties.csv"].append([p, f"C{c}", street if not holiday else f"Rantatie {c % 300 + 1}",
                                           postal, office, "Kouvola", area,
                                           "holiday_home" if holiday else "detached", 1])
            rows["waste_contracts.csv"].append([f"W{p}", p, "mixed", 240, 1, 4 if holiday else 2,
                                                rng.randrange(1, 6), "1.1.2018"])
            if not holiday and c % 2:
                rows["waste_contracts.csv"].append([f"W{p}-bio", p, "bio", 140, 1, 2, rng.randrange(1, 6),
                                                    "1.6.2022"])
            if c % 10 == 3:
                rows["compost_notices.csv"].append([f"K{p}", p, "12.5.2023", "insulated_food", 320, 2])
        if c % 10 == 9:
            continue  # no municipal water
        point, meter = f"V{c}", f"M{c}"
        yearly = rng.randrange(40, 200)
        rows["consumption_points.csv"].append([point, f"P{c}", str(300_000 + c), rng.choice("123"),
                                               rng.randrange(1, 6), yearly])
        rows["meters.csv"].append([meter, point, str(40_000_000 + c), "DN20", "1.5.2017", 0])
        value = rng.randrange(100, 3000)
        for q, (start, end) in enumerate(quarters):
            read_on = end - dt.timedelta(days=rng.randrange(0, 20))
            value += yearly // 4 + rng.randrange(0, 5)
            reading = f"R{c}-{q}"
            rows["readings.csv"].append([reading, meter, read_on.isoformat(), value])
            invoice_number += 1
            estimated = round(yearly * ((end - read_on).days + 1) / 365, 3)
            status = "open" if q == len(quarters) - 1 and c % 7 == 0 else "paid"
            total = f"{rng.randrange(4000, 30000) / 100:.2f}"
            issued = end + dt.timedelta(days=10)
            rows["invoices.csv"].append([f"I{invoice_number}", f"C{c}", point, str(invoice_number), "water",
                                         issued.isoformat(), (issued + dt.timedelta(days=21)).isoformat(),
                                         start.isoformat(), end.isoformat(), total, status, reading, estimated])
            if status == "open" and c % 14 == 0:
                rows["open_balances.csv"].append([f"I{invoice_number}", f"{float(total) / 2:.2f}"])
        for start, end in quarters[-4:]:
            invoice_number += 1
            issued = end + dt.timedelta(days=20)
            rows["invoices.csv"].append([f"I{invoice_number}", f"C{c}", "", str(invoice_number), "waste",
                                         issued.isoformat(), (issued + dt.timedelta(days=21)).isoformat(),
                                         start.isoformat(), end.isoformat(), f"{rng.randrange(3000, 9000) / 100:.2f}",
                                         "paid", "", ""])
    for name, header in HEADERS.items():
        with open(folder / name, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out, delimiter=",")
            writer.writerow(header)
            writer.writerows(rows[name])
    return {name: len(found) for name, found in rows.items()}
