"""Small builders of real rows for tests."""
from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from models.clock import today
from domain.passwords import hash_password
from domain.reference import fi_reference
from models import Customer, Invoice, Property, User, WasteContract

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)
_HASH = {}


def _password_hash(password):
    if password not in _HASH:
        _HASH[password] = hash_password(password)
    return _HASH[password]


def customer(**fields) -> Customer:
    n = next(_seq)
    defaults = dict(number=f"62-{9000000 + n:07d}-00", name=f"Testi Asiakas {n}",
                    billing_name=f"ASIAKAS TESTI {n}", billing_street="EKOKAARI 50",
                    billing_postal_code="46860", billing_post_office="KELTAKANGAS")
    defaults.update(fields)
    return Customer.create(**defaults)


def invoice(owner: Customer, *, number=None, days_ago=30, **fields) -> Invoice:
    n = next(_seq)
    number = number or str(5_000_000 + n)
    issued = today() - dt.timedelta(days=days_ago)
    defaults = dict(customer=owner, number=number, reference=fi_reference(number), kind="waste",
                    invoice_date=issued, due_date=issued + dt.timedelta(days=21),
                    total=Decimal("41.58"))
    defaults.update(fields)
    return Invoice.create(**defaults)


def property_(owner: Customer, **fields) -> Property:
    n = next(_seq)
    defaults = dict(customer=owner, street=f"KOIVUTIE {n}", postal_code="45100",
                    post_office="KOUVOLA", municipality="Kouvola",
                    collection_area="Kouvola keskusta", building_type="detached")
    defaults.update(fields)
    prop = Property.create(**defaults)
    WasteContract.create(property=prop, waste_type="mixed", bin_size=240, bin_count=1,
                         interval_weeks=2, route_weekday=2, start_date=dt.date(2022, 1, 3))
    return prop


def resident(*, username=None, password=PASSWORD, language="fi", with_property=True, **fields) -> User:
    n = next(_seq)
    owner = fields.pop("customer", None) or customer()
    if with_property:
        property_(owner)
    username = username or f"asukas{n}"
    return User.create(customer=owner, username=username, email=f"{username}@example.fi",
                       first_name="Testi", last_name=f"Asukas{n}", phone="040 1234567",
                       password_hash=_password_hash(password), language=language, **fields)


def staff(*, username=None, password=PASSWORD, role="staff") -> User:
    n = next(_seq)
    username = username or f"virkailija{n}"
    return User.create(username=username, email=f"{username}@example.fi", first_name="Sanna",
                       last_name="Lehtonen", password_hash=_password_hash(password), role=role)
