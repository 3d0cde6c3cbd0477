"""Customers, logins and what is kept about them: audit log, login attempts, resets, mail."""
from __future__ import annotations

import hashlib
import json

from flask_login import UserMixin
from peewee import JOIN, BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField, fn

from models.clock import utcnow
from models.base import BaseModel


class Customer(BaseModel):
    """A customer of the utility (asiakas), private person or business."""

    number = CharField(unique=True)  # 62-0000000-00
    kind = CharField(default="private")  # private | business
    name = CharField()
    business_id = CharField(null=True)  # Y-tunnus
    language = CharField(default="fi")
    email = CharField(null=True)
    phone = CharField(null=True)
    billing_name = CharField()
    billing_street = CharField()
    billing_postal_code = CharField()
    billing_post_office = CharField()
    created_at = DateTimeField(default=utcnow)



class User(UserMixin, BaseModel):
    """A login. Residents are linked to a customer; staff and admins are not."""

    customer = ForeignKeyField(Customer, null=True, backref="users", on_delete="SET NULL")
    username = CharField(unique=True)  # stored case-folded
    email = CharField(unique=True)  # stored case-folded
    first_name = CharField()
    last_name = CharField()
    phone = CharField(default="")
    password_hash = CharField()
    role = CharField(default="resident")  # resident | staff | admin
    STAFF_ROLES = ("staff", "admin")
    language = CharField(default="fi")
    session_version = IntegerField(default=0)
    active = BooleanField(default=True)
    terms_accepted_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)
    last_login_at = DateTimeField(null=True)

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_staff(self) -> bool:
        return self.role in self.STAFF_ROLES

    @property
    def is_admin(self) -> bool:
        """Changes the municipality's data (prices, calendars); other staff read them."""
        return self.role == "admin"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    login_token: str | None = None  # the server-side session this request runs in

    def get_id(self) -> str:
        # The version makes every older cookie invalid after a password change or "log out
        # everywhere"; the token names the server-side session that logout deletes.
        return f"{self.id}.{self.session_version}.{self.login_token or ''}"

    @classmethod
    def from_session_id(cls, session_id: str):
        """The user of a live session: the cookie's version is current and its session row
        exists and has not expired (ASVS 3.3.1, 3.3.2)."""
        user_id, version, token = (session_id.split(".", 2) + ["", ""])[:3]
        if not (user_id.isdigit() and version.isdigit() and token) or len(user_id) > 18:
            return None
        user = (cls.select().join(UserSession)
                .where((cls.id == int(user_id)) & (cls.session_version == int(version)) &
                       (UserSession.token_hash == token_hash(token)) & (UserSession.expires_at > utcnow()))
                .first())
        if user is not None:
            user.login_token = token
        return user

    @classmethod
    def by_login(cls, login: str):
        """The user whose username or email is `login` (case-insensitive)."""
        key = login.strip().casefold()
        return cls.get_or_none((cls.username == key) | (cls.email == key))

    @classmethod
    def exists_for_customer(cls, customer) -> bool:
        return cls.select().where(cls.customer == customer).exists()

    @classmethod
    def visible_to(cls, user):
        return cls.select().where(cls.id == user.id)


class AuditLog(BaseModel):
    """Who did what and when, with the state before and after."""

    created_at = DateTimeField(default=utcnow)
    actor = ForeignKeyField(User, null=True, backref="audit_entries", on_delete="SET NULL")
    action = CharField()
    object_type = CharField()
    object_id = CharField(null=True)
    before_json = TextField(null=True)
    after_json = TextField(null=True)
    ip = CharField(null=True)

    @classmethod
    def entries(cls, *, action: str = "", staff_only: bool = True):
        """The log, the latest first, with the actor; of one action, and of staff only."""
        query = cls.select(cls, User).join(User, JOIN.LEFT_OUTER).order_by(cls.created_at.desc(), cls.id.desc())
        if action:
            query = query.where(cls.action == action)
        if staff_only:
            query = query.where(User.role.in_(User.STAFF_ROLES))
        return query

    @classmethod
    def actions(cls) -> list[str]:
        return [a for (a,) in cls.select(cls.action).distinct().order_by(cls.action).tuples()]

    @classmethod
    def record(cls, actor, action, obj=None, *, before=None, after=None, ip=None):
        return cls.create(
            actor=actor, action=action,
            object_type=type(obj).__name__ if obj is not None else "",
            object_id=str(obj.id) if obj is not None else None,
            before_json=json.dumps(before, default=str, ensure_ascii=False) if before else None,
            after_json=json.dumps(after, default=str, ensure_ascii=False) if after else None,
            ip=ip)


def token_hash(token: str) -> str:
    """Only a hash of a secret token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


class UserSession(BaseModel):
    """A login on one browser: logout deletes it, a password change or "log out
    everywhere" deletes all of a user's. A remembered one is replaced at each use."""

    user = ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    token_hash = CharField(unique=True)
    remember = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()


class EmailChange(BaseModel):
    """An email address change, which the old address can undo for a week."""

    user = ForeignKeyField(User, backref="email_changes", on_delete="CASCADE")
    old_email = CharField()
    new_email = CharField()
    token_hash = CharField(unique=True)
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    undone_at = DateTimeField(null=True)


class LoginAttempt(BaseModel):
    """Every login attempt, kept for throttling."""

    created_at = DateTimeField(default=utcnow, index=True)
    login = CharField(index=True)
    ip = CharField(index=True)
    success = BooleanField(default=False)

    @classmethod
    def failures_since(cls, since, *, login=None, ip=None):
        query = cls.select(fn.COUNT(cls.id)).where((cls.created_at >= since) & (cls.success == False))  # noqa: E712
        if login is not None:
            query = query.where(cls.login == login)
        if ip is not None:
            query = query.where(cls.ip == ip)
        return query.scalar()


class PasswordReset(BaseModel):
    """A single-use password reset link; only the token's hash is stored."""

    user = ForeignKeyField(User, backref="password_resets", on_delete="CASCADE")
    token_hash = CharField(unique=True)
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)


class Outbox(BaseModel):
    """An email waiting to be sent, written in the same transaction as its cause."""

    recipient = CharField()
    subject = CharField()
    body_text = TextField()
    body_html = TextField()
    message_id = CharField(unique=True)
    kind = CharField()
    language = CharField(default="fi")
    status = CharField(default="pending")  # pending | sending | sent | failed
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(default=utcnow)
    last_error = TextField(null=True)
    created_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True)
    list_unsubscribe = CharField(null=True)  # the one-click unsubscribe URL of a reminder

    MAX_ATTEMPTS = 8

    @classmethod
    def failed(cls):
        return cls.select().where(cls.status == "failed")

    @classmethod
    def unsent(cls):
        """Mail waiting to go, or being sent."""
        return cls.select().where(cls.status.in_(("pending", "sending")))

    @classmethod
    def due(cls, moment):
        """Pending mail whose time has come, and mail a dead sender had claimed."""
        return cls.unsent().where(cls.next_attempt_at <= moment).order_by(cls.id)
