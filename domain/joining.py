"""Joining as a customer (seed 000: "Jätteenkuljetusasiakkaaksi liittyminen tapahtuu
sähköisellä lomakkeella"): anyone applies on a public form for a new property; customer
service decides; on approval the customer, the property and its bin services exist, and
the new customer gets their customer number and a one-time registration code, which
works in place of "the latest invoice number" when registering (there is no invoice yet).

The form is throttled like registration (per email address and per client address); the
code is random, stored only as a hash, valid REGISTRATION_CODE_DAYS and used once.
"""
from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from peewee import IntegrityError

from domain import emails, schedule
from domain.accounts import count_attempt
from domain.errors import FieldError
from domain.pricing import offered_bin_sizes
from domain.waste import WASTE_TYPES, WasteSettings
from models import AuditLog, Customer, JoinApplication, Property, WasteContract, db
from models.accounts import token_hash
from models.clock import utcnow
from outbound import mail

REGISTRATION_CODE_DAYS = 60
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread in a letter
OTHER_SERVICES = ("water", "septic")
SERVICES = (*WASTE_TYPES, *OTHER_SERVICES)


@dataclass
class Application:
    first_name: str
    last_name: str
    email: str
    phone: str
    street: str
    postal_code: str
    post_office: str
    municipality: str
    building_type: str
    persons: int
    dwellings: int
    services: list
    start_date: dt.date
    extra_info: str = ""
    language: str = "fi"


def check(data: Application, today: dt.date) -> dict:
    """The application's fields, checked and normalised; FieldError names the first wrong one."""
    for name in ("first_name", "last_name", "street", "post_office", "municipality"):
        if not getattr(data, name).strip():
            raise FieldError(name, "required")
    try:
        email = emails.normalize(data.email)
    except emails.InvalidEmail:
        raise FieldError("email", "email_format") from None
    if not re.fullmatch(r"\d{5}", data.postal_code.strip()):
        raise FieldError("postal_code", "postal_code_format")
    if data.building_type not in Property.BUILDING_TYPES:
        raise FieldError("building_type", "building_type_choice")
    if not 1 <= (data.persons or 0) <= 999:
        raise FieldError("persons", "persons_range")
    if not 1 <= (data.dwellings or 0) <= 999:
        raise FieldError("dwellings", "dwellings_range")
    services = [s for s in SERVICES if s in set(data.services)]
    if not services:
        raise FieldError("services", "services_needed")
    if not today <= data.start_date <= today + dt.timedelta(days=365):
        raise FieldError("start_date", "start_range")
    return dict(first_name=data.first_name.strip(), last_name=data.last_name.strip(), email=email,
                phone=data.phone.strip(), street=" ".join(data.street.split()).upper(),
                postal_code=data.postal_code.strip(), post_office=data.post_office.strip().upper(),
                municipality=data.municipality.strip(), building_type=data.building_type, persons=data.persons,
                dwellings=data.dwellings, services=",".join(services), start_date=data.start_date,
                extra_info=data.extra_info.strip(), language=data.language)


def apply(data: Application, *, request_key: str, today: dt.date, ip: str, settings) -> JoinApplication:
    """Save the application once however often the form is sent, and confirm it by email."""
    existing = JoinApplication.get_or_none(JoinApplication.request_key == request_key)
    if existing is not None:
        return existing
    values = check(data, today)
    count_attempt(f"join:{values['email']}", ip, settings)  # every application counts
    try:
        with db.atomic():
            made = JoinApplication.create(request_key=request_key, **values)
            AuditLog.record(None, "join_apply", made, after={"street": made.street, "services": made.services}, ip=ip)
            mail.queue(made.email, "join_received", made.language, kind="account", application=made)
    except IntegrityError:
        return JoinApplication.get(JoinApplication.request_key == request_key)
    return made


@dataclass(frozen=True)
class BinChoice:
    bin_size: int
    interval_weeks: int


def approve(application: JoinApplication, staff, *, collection_area: str, route_weekday: int,
            bins: dict[str, BinChoice], today: dt.date, settings: WasteSettings, ip=None) -> str:
    """Create the customer, the property and its bin services; return the registration
    code (shown once to customer service for the letter, and emailed)."""
    if application.status != "pending":
        raise FieldError("", "already_decided")
    if not collection_area.strip():
        raise FieldError("collection_area", "required")
    if route_weekday not in range(schedule.SATURDAY):
        raise FieldError("route_weekday", "weekday_choice")
    wanted = [s for s in application.service_list() if s in WASTE_TYPES]
    for waste_type in wanted:
        choice = bins.get(waste_type)
        sizes = {size for size, _price in offered_bin_sizes(waste_type, application.start_date)}
        if choice is None or choice.bin_size not in sizes:
            raise FieldError(f"size_{waste_type}", "bin_size_choice")
        if choice.interval_weeks not in settings.intervals_for(waste_type):
            raise FieldError(f"interval_{waste_type}", "interval_choice")
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))
    with db.atomic():
        name = f"{application.first_name} {application.last_name}"
        customer = Customer.create(number=f"new-{secrets.token_hex(8)}", name=name, language=application.language,
                                   email=application.email, phone=application.phone, billing_name=name.upper(),
                                   billing_street=application.street, billing_postal_code=application.postal_code,
                                   billing_post_office=application.post_office)
        customer.number = f"62-{customer.id:07d}-00"
        customer.save(only=[Customer.number])
        prop = Property.create(customer=customer, street=application.street, postal_code=application.postal_code,
                               post_office=application.post_office, municipality=application.municipality,
                               collection_area=collection_area.strip(), building_type=application.building_type,
                               occupancy="holiday" if application.building_type == "holiday_home" else "permanent",
                               dwellings=application.dwellings, joined_on=application.start_date)
        for waste_type in wanted:
            WasteContract.create(property=prop, waste_type=waste_type, bin_size=bins[waste_type].bin_size,
                                 interval_weeks=bins[waste_type].interval_weeks, route_weekday=route_weekday,
                                 start_date=application.start_date)
        (JoinApplication.update(status="approved", decided_at=utcnow(), decided_by=staff, customer=customer,
                                property=prop, code_hash=token_hash(code),
                                code_expires=today + dt.timedelta(days=REGISTRATION_CODE_DAYS))
         .where(JoinApplication.id == application.id).execute())
        AuditLog.record(staff, "join_approve", application, after={"customer": customer.number, "property": prop.id},
                        ip=ip)
        mail.queue(application.email, "join_approved", application.language, kind="account", application=application,
                   customer=customer, code=code, expires=today + dt.timedelta(days=REGISTRATION_CODE_DAYS))
    return code


def reject(application: JoinApplication, staff, *, note: str, ip=None) -> None:
    if application.status != "pending":
        raise FieldError("", "already_decided")
    if not note.strip():
        raise FieldError("note", "note_needed")
    with db.atomic():
        (JoinApplication.update(status="rejected", decided_at=utcnow(), decided_by=staff, decision_note=note.strip())
         .where(JoinApplication.id == application.id).execute())
        AuditLog.record(staff, "join_reject", application, after={"note": note.strip()}, ip=ip)
        mail.queue(application.email, "join_rejected", application.language, kind="account", application=application,
                   note=note.strip())
