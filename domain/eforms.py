"""The public e-form channel: the requests residents used to send on the waste company's
e-forms, for people who do not want an account (seed 000). A request names the customer
number and the property's street address; it is carried out only when confirmed from the
link emailed to the address given (valid CONFIRM_HOURS), and guessing is throttled like
registration (per customer number and per client address). Until the link is opened a right
and a wrong customer number + street get the same answer after the same work: every
request is stored and emailed (its property empty when the pair named none), and only the
link tells that the pair did not match (audit #22, 12).

On confirmation an extra emptying becomes a waste order and a septic tank emptying a
sludge order (both for customer service to decide, like a resident's own), each by the
same rules; a composting notice and a shared-bin notice go to the support inbox with the
property attached.
"""
from __future__ import annotations

import datetime as dt
import secrets

from peewee import IntegrityError

from domain import emails, schedule, sludge, support, waste
from domain.accounts import count_attempt, normalize_customer_number
from domain.errors import FieldError
from models import (AuditLog, Customer, Property, PublicRequest, SludgeOrder, WasteContract, WastewaterSystem,
                    db)
from models.accounts import token_hash
from models.clock import utcnow
from outbound import mail

CONFIRM_HOURS = 24
NO_MATCH = "identity_mismatch"  # the result of a request whose pair named no property


def normal_street(street: str) -> str:
    return " ".join((street or "").upper().split())


def match(customer_number: str, street: str) -> Property | None:
    """The customer's property at `street`, in one query whatever was wrong."""
    wanted = normal_street(street)
    if not wanted:
        return None
    return (Property.select().join(Customer)
            .where((Customer.number == normalize_customer_number(customer_number)) & (Property.street == wanted))
            .first())


def submit(*, kind: str, customer_number: str, street: str, email: str, phone: str, day: dt.date | None,
           details: str, language: str, request_key: str, ip: str, settings, today: dt.date,
           waste_settings: waste.WasteSettings, sludge_settings: sludge.SludgeSettings) -> PublicRequest:
    """Check the request, identify the property and email the confirmation link."""
    existing = PublicRequest.get_or_none(PublicRequest.request_key == request_key)
    if existing is not None:
        return existing
    if kind not in PublicRequest.KINDS:
        raise FieldError("kind", "kind_invalid")
    try:
        email = emails.normalize(email)
    except emails.InvalidEmail:
        raise FieldError("email", "email_format") from None
    # Every rule that does not depend on the property first: an error after the pair was
    # looked up would tell a right pair from a wrong one.
    if kind == "extra_emptying":  # the rules of an order, checked before the email goes
        waste.check_extra_day(day, today, waste_settings)
    if kind == "septic":
        sludge.check_week(schedule.monday(day) if day else None, today, sludge_settings, field="day")
    if kind in ("composting", "shared_bin") and not details.strip():
        raise FieldError("details", "body_needed")
    count_attempt(f"eform:{normalize_customer_number(customer_number)}", ip, settings)  # every request counts
    prop = match(customer_number, street)
    token = secrets.token_urlsafe(24)
    try:
        with db.atomic():
            made = PublicRequest.create(kind=kind, customer=prop.customer_id if prop else None, property=prop,
                                        customer_number=normalize_customer_number(customer_number)[:255],
                                        street=normal_street(street)[:255], email=email,
                                        phone=phone.strip(), day=day, details=details.strip(), language=language,
                                        token_hash=token_hash(token), request_key=request_key,
                                        expires_at=utcnow() + dt.timedelta(hours=CONFIRM_HOURS))
            AuditLog.record(None, "eform_submit", made, after={"kind": kind, "property": prop.id if prop else None},
                            ip=ip)
            mail.queue(email, "eform_confirm", language, kind="account", request=made, token=token)
    except IntegrityError:
        return PublicRequest.get(PublicRequest.request_key == request_key)
    return made


def confirm(token: str, describe, *, today: dt.date, waste_settings: waste.WasteSettings,
            sludge_settings: sludge.SludgeSettings) -> PublicRequest | None:
    """Carry out the request the link is for, once; None for an unknown or expired link.
    `describe(request)` gives the (subject, body) of a support thread in the request's
    language, for what goes to the inbox."""
    request = PublicRequest.get_or_none(PublicRequest.token_hash == token_hash(token or ""))
    if request is None or (request.confirmed_at is None and request.expires_at < utcnow()):
        return None
    if request.confirmed_at is not None:
        return request  # the link opened twice
    prop = request.property
    if prop is None:  # the pair named no property: now, and only now, that is said
        (PublicRequest.update(confirmed_at=utcnow(), result=NO_MATCH)
         .where((PublicRequest.id == request.id) & PublicRequest.confirmed_at.is_null()).execute())
        return PublicRequest.get_by_id(request.id)
    with db.atomic():
        claimed = (PublicRequest.update(confirmed_at=utcnow())
                   .where((PublicRequest.id == request.id) & PublicRequest.confirmed_at.is_null()).execute())
        if not claimed:
            return PublicRequest.get_by_id(request.id)
        result = _carry_out(request, prop, describe, today, waste_settings, sludge_settings)
        PublicRequest.update(result=result).where(PublicRequest.id == request.id).execute()
        AuditLog.record(None, "eform_confirm", request, after={"result": result})
    return PublicRequest.get_by_id(request.id)


def _carry_out(request, prop, describe, today, waste_settings, sludge_settings) -> str:
    key = f"eform:{request.id}"
    info = "\n".join(p for p in (request.details, request.email, request.phone) if p)
    if request.kind == "extra_emptying":
        contract = (WasteContract.active_on(request.day).where(WasteContract.property == prop)
                    .order_by(WasteContract.waste_type.desc(), WasteContract.id).first())
        if contract is not None:
            try:
                order = waste.order_extra_emptying(None, prop, contract, day=request.day, bins=contract.bin_count,
                                                   info=info, request_key=key, today=today, settings=waste_settings)
                return f"WasteOrder:{order.id}"
            except FieldError:
                pass  # the day has passed since: customer service agrees another one
    if request.kind == "septic":
        system = WastewaterSystem.of_property(prop).first()
        open_order = SludgeOrder.open_of([system]).get(system.id) if system else None
        if system is not None and open_order is None:
            try:
                order = sludge.order(None, prop, system, week=schedule.monday(request.day), info=info,
                                     request_key=key, today=today, settings=sludge_settings)
                return f"SludgeOrder:{order.id}"
            except FieldError:
                pass
    subject, body = describe(request)
    thread = support.open_thread(None, prop.customer_id, support.NewMessage(
        category={"composting": "composting", "extra_emptying": "emptying"}.get(request.kind, "bins_contracts"),
        subject=subject, body=body, contact_method="email", email=request.email, phone=request.phone,
        property_id=prop.id), language=request.language, request_key=key)
    return f"SupportThread:{thread.id}"
