"""Customer support: threads of messages between a resident and customer service."""
from __future__ import annotations

from dataclasses import dataclass

from peewee import IntegrityError

from outbound import mail
from outbound.notify import notify
from models.clock import utcnow
from domain.errors import FieldError
from models import AuditLog, SupportMessage, SupportThread, db


@dataclass
class NewMessage:
    category: str
    subject: str
    body: str
    contact_method: str  # phone | email | none
    email: str = ""
    phone: str = ""
    property_id: int | None = None
    point_id: int | None = None
    contract_id: int | None = None  # "my bin was not emptied": the service …
    missed_on: object = None  # … and the day
    collection_point_id: int | None = None  # a report of a full or damaged collection point
    attachment: str | None = None  # a photo's file name in the upload directory


def check(message: NewMessage) -> None:
    if message.category not in SupportThread.CATEGORIES:
        raise FieldError("category", "category_choice")
    if message.contact_method not in ("phone", "email", "none"):
        raise FieldError("contact_method", "contact_choice")
    if message.contact_method == "email" and not message.email.strip():
        raise FieldError("email", "email_needed")
    if message.contact_method == "phone" and not message.phone.strip():
        raise FieldError("phone", "phone_needed")


def open_thread(user, customer_id, message: NewMessage, *, language: str, request_key: str,
                ip: str | None = None) -> SupportThread:
    """A new thread with its first message, once per submitted form; the resident gets a
    confirmation email when there is an address to send it to."""
    check(message)
    existing = SupportThread.get_or_none(SupportThread.request_key == request_key)
    if existing is not None:
        return existing
    email = message.email.strip() or (user.email if user else "")
    try:
        with db.atomic():
            thread = SupportThread.create(
                customer=customer_id, user=user, property=message.property_id, point=message.point_id,
                category=message.category, subject=message.subject.strip(),
                contact_method=message.contact_method, email=email or None,
                phone=message.phone.strip() or None, language=language, request_key=request_key,
                contract=message.contract_id, missed_on=message.missed_on,
                collection_point=message.collection_point_id)
            SupportMessage.create(thread=thread, author=user, body=message.body.strip(), attachment=message.attachment)
            AuditLog.record(user, "support_open", thread, ip=ip)
            if email:
                mail.queue(email, "support_received", language, kind="support", thread=thread,
                           body=message.body.strip())
    except IntegrityError:
        return SupportThread.get(SupportThread.request_key == request_key)
    return thread


def reply(thread: SupportThread, author, body: str, *, from_staff: bool, internal: bool = False,
          ip: str | None = None, request_key: str | None = None) -> SupportMessage:
    """Add a message, once per submitted form (`request_key`). A staff answer is emailed to
    the resident; an internal note is not."""
    body = body.strip()
    if not body:
        raise FieldError("body", "body_needed")
    if request_key:
        existing = SupportMessage.get_or_none(SupportMessage.request_key == request_key)
        if existing is not None:
            return existing
    try:
        return _reply(thread, author, body, from_staff, internal, ip, request_key)
    except IntegrityError:  # the same form sent at the same moment by another request
        return SupportMessage.get(SupportMessage.request_key == request_key)


def _reply(thread, author, body, from_staff, internal, ip, request_key) -> SupportMessage:
    with db.atomic():
        message = SupportMessage.create(thread=thread, author=author, body=body, from_staff=from_staff,
                                        internal=internal, request_key=request_key or None)
        if not internal:
            thread.status = "answered" if from_staff else "open"
            thread.updated_at = utcnow()
            thread.save(only=[SupportThread.status, SupportThread.updated_at])
        AuditLog.record(author, "support_note" if internal else "support_reply", thread, ip=ip,
                        after={"message": message.id, "from_staff": from_staff})
        if from_staff and not internal and thread.email:
            if thread.user_id and thread.user.email == thread.email:
                notify(thread.user, "support_answer", "decisions", thread=thread, body=body)
            else:  # an address given on the form, not an account's: it asked for this answer
                mail.queue(thread.email, "support_answer", thread.language, kind="decisions",
                           thread=thread, body=body)
    return message


def close(thread: SupportThread, staff, ip: str | None = None) -> None:
    with db.atomic():
        before = thread.status
        thread.status = "closed"
        thread.updated_at = utcnow()
        thread.save(only=[SupportThread.status, SupportThread.updated_at])
        AuditLog.record(staff, "support_close", thread, before={"status": before},
                        after={"status": "closed"}, ip=ip)
