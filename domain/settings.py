"""Settings administrators change on the admin pages, over those of the environment.

The billing settings of config.py (reminder fees, the refund threshold, the late-interest
reference rates, …) and the collection areas' waste types may be changed on the admin
pages; what is saved there is a `Setting` row or a `CollectionArea`. A key set in the
environment (or by whoever built the app) still wins: the page shows it and says so.

Everything that reads settings takes `in_force(config)` rather than the app's config:
the saved rows are read once per request or job (the app context) and laid over it.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import ChainMap
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Callable

from flask import current_app

import config as defaults
from domain import per_context
from domain.errors import FieldError
from domain.iban import is_valid_iban, normalize
from domain.interest import parse_rates
from domain.waste import RECYCLING_TYPES, WasteSettings
from models import AuditLog, CollectionArea, Setting, db
from models.clock import utcnow

CENT = Decimal("0.01")


def _euros(raw: str) -> str:
    amount = Decimal(raw.strip().replace(",", ".").replace("€", "").replace(" ", ""))
    if amount < 0 or amount != amount.quantize(CENT) or amount > 100_000:
        raise ValueError(raw)
    return str(amount.quantize(CENT))


def _count(low: int, high: int) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = int(raw.strip())
        if not low <= value <= high:
            raise ValueError(raw)
        return str(value)
    return parse


def _month_day(raw: str) -> str:
    """"15.2." or "02-15" -> "02-15" (a day every year has: not 29.2.)."""
    text = raw.strip().rstrip(".")
    match = re.fullmatch(r"(\d{1,2})\.(\d{1,2})", text) or re.fullmatch(r"(\d{1,2})-(\d{1,2})", text)
    if not match:
        raise ValueError(raw)
    day_month = (int(match[1]), int(match[2])) if "." in text else (int(match[2]), int(match[1]))
    day, month = day_month
    dt.date(2025, month, day)  # a ValueError for 31.4. and 29.2.
    return f"{month:02d}-{day:02d}"


def _yes_no(raw: str) -> str:
    return "true" if str(raw).strip().lower() in ("1", "true", "yes", "on", "y") else "false"


def _rates(raw: str) -> str:
    """"1.1.2026 2,50" per line or "2026-01-01:2.50,…" -> the config format."""
    pairs = []
    for part in re.split(r"[\n,;]+(?=\s*\d{1,4}[.-])", raw.strip()):
        if not part.strip():
            continue
        day_text, _sep, rate_text = part.strip().replace(":", " ").rpartition(" ")
        day_text = day_text.strip()
        if "." in day_text:
            d, m, y = (int(p) for p in day_text.rstrip(".").split("."))
            day = dt.date(y, m, d)
        else:
            day = dt.date.fromisoformat(day_text)
        if day.day != 1 or day.month not in (1, 7):
            raise ValueError(raw)  # a rate is per half-year
        rate = Decimal(rate_text.replace(",", "."))
        if not Decimal(0) <= rate <= Decimal(20):
            raise ValueError(raw)
        pairs.append(f"{day.isoformat()}:{rate:.2f}")
    if not pairs:
        raise ValueError(raw)
    text = ",".join(pairs)
    parse_rates(text)
    return text


def _accounts(raw: str) -> str:
    """IBANs one per line (or none) -> "FI…,FI…"."""
    found = [normalize(a) for a in re.split(r"[\n,;]+", raw) if a.strip()]
    if any(not is_valid_iban(a) for a in found):
        raise ValueError(raw)
    return ",".join(found)


@dataclass(frozen=True)
class Editable:
    key: str
    group: str  # billing | reminders | interest
    parse: Callable[[str], str]  # the text to store, or ValueError
    error: str  # the message code of a value it refuses
    optional: bool = False  # may be left empty

    @property
    def field(self) -> str:
        return self.key.lower()

    @property
    def is_flag(self) -> bool:
        return self.parse is _yes_no

    @property
    def is_euros(self) -> bool:
        return self.parse is _euros


EDITABLE = (
    Editable("MINIMUM_INVOICE", "billing", _euros, "setting_euros"),
    Editable("CREDIT_REFUND_THRESHOLD", "billing", _euros, "setting_euros"),
    Editable("WASTE_BASIC_FEE_BILLED_ON", "billing", _month_day, "setting_month_day"),
    Editable("WASTE_BASIC_FEE_ON_WASTE_INVOICE", "billing", _yes_no, "", optional=True),
    Editable("PAYMENT_STATEMENT_ACCOUNTS", "billing", _accounts, "setting_accounts", optional=True),
    Editable("REMINDER_FEE_PRIVATE", "reminders", _euros, "setting_euros"),
    Editable("REMINDER_FEE_BUSINESS", "reminders", _euros, "setting_euros"),
    Editable("CUTOFF_DEBT_LIMIT", "reminders", _euros, "setting_euros"),
    Editable("CUTOFF_WEEKS_LARGE_DEBT", "reminders", _count(1, 52), "setting_weeks"),
    Editable("CUTOFF_MONTHS_SMALL_DEBT", "reminders", _count(1, 24), "setting_months"),
    Editable("COLLECTION_DAYS_AFTER_REMINDER", "reminders", _count(14, 365), "setting_collection_days"),
    Editable("LATE_INTEREST_REFERENCE_RATES", "interest", _rates, "setting_rates"),
    Editable("MINIMUM_INTEREST", "interest", _euros, "setting_euros"),
)
BY_KEY = {e.key: e for e in EDITABLE}
GROUPS = ("billing", "reminders", "interest")


def environment_keys(config) -> frozenset[str]:
    """The keys the environment or the app's builder set: the pages do not change them."""
    return frozenset(config.get("FIXED_SETTINGS", ()))


def _stored() -> dict[str, str]:
    """The saved settings, read once per app context."""
    return per_context.cached("stored_settings", lambda: {
        row.key: row.value for row in Setting.select() if row.key in BY_KEY}, outside={})


def _saved_areas() -> list[CollectionArea]:
    return per_context.cached("saved_areas", lambda: list(CollectionArea.select().order_by(CollectionArea.name)),
                              outside=[])


def in_force(config=None):
    """`config` (the app's by default) with the saved settings and collection areas over
    it, except keys set in the environment."""
    config = current_app.config if config is None else config
    fixed = environment_keys(config)
    overlay = {**_stored(), **area_settings(config, _saved_areas())}
    overlay = {k: v for k, v in overlay.items() if k not in fixed}
    return ChainMap(overlay, config) if overlay else config


def area_settings(config, saved: list[CollectionArea]) -> dict[str, str]:
    """BIOWASTE_AREAS and RECYCLING_AREAS with the saved areas as the page sets them; an
    area not saved there keeps what `config` gives it."""
    if not saved:
        return {}
    before = WasteSettings.from_config(config)
    names = {a.name for a in saved}
    biowaste = [n for n in before.biowaste_areas if n not in names] + [a.name for a in saved if a.biowaste]
    recycling = ";".join(
        f"{kind}:" + ",".join([n for n in before.recycling_areas.get(kind, ()) if n not in names] +
                              [a.name for a in saved if kind in a.recycling_types])
        for kind in RECYCLING_TYPES)
    return {"BIOWASTE_AREAS": ",".join(biowaste), "RECYCLING_AREAS": recycling}


@dataclass(frozen=True)
class Shown:
    """One setting on the page: its value in force and where it comes from."""

    editable: Editable
    value: str
    source: str  # environment | page | default


def shown(config) -> list[Shown]:
    fixed, stored = environment_keys(config), _stored()
    found = []
    for item in EDITABLE:
        if item.key in fixed:
            found.append(Shown(item, str(config[item.key]), "environment"))
        elif item.key in stored:
            found.append(Shown(item, stored[item.key], "page"))
        else:
            found.append(Shown(item, str(defaults.DEFAULTS[item.key]), "default"))
    return found


def save(actor, values: dict[str, str], config, *, ip=None) -> list[str]:
    """Check every value, then save those that changed, each audited; the keys set in the
    environment are left out. Returns the keys changed."""
    fixed = environment_keys(config)
    current = {s.editable.key: s.value for s in shown(config)}
    parsed = {}
    for item in EDITABLE:
        if item.key in fixed or item.key not in values:
            continue
        try:
            parsed[item.key] = item.parse(str(values[item.key]))
        except (ValueError, InvalidOperation, ArithmeticError):
            raise FieldError(item.field, item.error) from None
    changed = [k for k, v in parsed.items() if v != _normal(k, current[k])]
    with db.atomic():
        for key in changed:
            row = Setting.get_or_none(Setting.key == key)
            before = {key: current[key]}
            if row is None:
                row = Setting.create(key=key, value=parsed[key], changed_by=actor, changed_at=utcnow())
            else:
                row.value, row.changed_by, row.changed_at = parsed[key], actor, utcnow()
                row.save()
            AuditLog.record(actor, "setting_changed", None, before=before, after={key: parsed[key]}, ip=ip)
    per_context.forget()
    return changed


def _normal(key: str, value: str) -> str:
    try:
        return BY_KEY[key].parse(value)
    except (ValueError, InvalidOperation, ArithmeticError):
        return value
