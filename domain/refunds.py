"""Refunds of credits: the resident names the account, staff mark the refund paid. Each
step is one transaction with its audit-log row."""
from __future__ import annotations

from domain import iban
from models.clock import utcnow
from domain.errors import FieldError
from models import AuditLog, Credit, db


def set_refund_account(credit: Credit, user, raw_iban: str, *, ip: str | None = None) -> None:
    if not iban.is_valid_iban(raw_iban):
        raise FieldError("iban", "iban_invalid")
    with db.atomic():
        credit.refund_iban = iban.normalize(raw_iban)
        credit.save(only=[Credit.refund_iban])
        AuditLog.record(user, "refund_account", credit, ip=ip)


def mark_refunded(credit: Credit, staff, *, ip: str | None = None) -> bool:
    """Record the refund as paid; False when it is not due, has no account, or is paid."""
    if not (credit.refund_due and credit.refund_iban and credit.refunded_at is None):
        return False
    with db.atomic():
        credit.refunded_at = utcnow()
        credit.save(only=[Credit.refunded_at])
        AuditLog.record(staff, "refund_paid", credit, after={"iban": credit.refund_iban, "amount": credit.amount},
                        ip=ip)
    return True
