"""Accounts: registration against the latest invoice, login with throttling, password reset."""
from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from domain import emails
from outbound import mail
from domain.errors import FieldError, unique_or
from models.clock import today, utcnow
from domain.passwords import hash_password, password_problem, verify_password
from models import (AuditLog, Customer, EmailChange, Invoice, JoinApplication, LoginAttempt, PasswordReset, User,
                    UserSession, db)
from models.accounts import token_hash

CUSTOMER_NUMBER = re.compile(r"^\d{2}-\d{7}-\d{2}$")


def _email(raw: str) -> str:
    try:
        return emails.normalize(raw)
    except emails.InvalidEmail:
        raise FieldError("email", "email_format") from None


def normalize_customer_number(raw: str) -> str:
    """Accept the number with spaces or without dashes: 6200000000 0 -> 62-0000000-00."""
    digits = re.sub(r"\D", "", raw or "")
    if len(digits) == 11:
        return f"{digits[:2]}-{digits[2:9]}-{digits[9:]}"
    return (raw or "").strip()


def registration_code(customer: Customer | None, code: str) -> JoinApplication | None:
    """The approved join application whose unused, unexpired one-time registration code
    `code` is (domain/joining.py makes it): a new customer has no invoice yet."""
    code = re.sub(r"[\s-]", "", code or "").upper()
    if customer is None or len(code) != 10:
        return None
    return JoinApplication.get_or_none(
        (JoinApplication.customer == customer) & (JoinApplication.code_hash == token_hash(code)) &
        JoinApplication.code_used_at.is_null() & (JoinApplication.code_expires >= today()))


def find_registrable_customer(customer_number: str, invoice_number: str) -> Customer:
    """The customer whose latest invoice of some kind (the latest waste invoice, or the
    latest water invoice) is `invoice_number`, or whose registration code it is; or
    FieldError."""
    number = normalize_customer_number(customer_number)
    if not CUSTOMER_NUMBER.match(number):
        raise FieldError("customer_number", "customer_number_format")
    customer = Customer.get_or_none(Customer.number == number)
    latest = Invoice.latest_numbers_of(customer) if customer else set()
    if re.sub(r"\s", "", invoice_number or "") not in latest and not registration_code(customer, invoice_number):
        # One message for both: it must not reveal which customer numbers exist.
        raise FieldError("invoice_number", "invoice_mismatch")
    if User.exists_for_customer(customer):
        raise FieldError("customer_number", "already_registered")
    return customer


@dataclass
class Registration:
    customer_number: str
    invoice_number: str
    first_name: str
    last_name: str
    phone: str
    email: str
    username: str
    password: str
    language: str = "fi"


def register(data: Registration, *, ip: str | None = None, settings=None) -> User:
    """Create a resident account linked to the customer and its properties.

    Guessing invoice numbers is throttled exactly like logins (ASVS 2.2.1): per customer
    number and per client address, every failed match recorded, and an unknown customer
    and a wrong invoice answered alike."""
    attempt = None
    if settings is not None:
        attempt = count_attempt(f"register:{normalize_customer_number(data.customer_number)}", ip or "", settings)
    customer = find_registrable_customer(data.customer_number, data.invoice_number)
    if attempt is not None:
        succeeded(attempt)  # the pair matched: fixing a password or username is no guessing
    email = _email(data.email)
    username = (data.username.strip() or email).casefold()
    if User.select().where((User.username == username) | (User.email == username)).exists():
        raise FieldError("username", "username_taken")
    if User.select().where((User.email == email) | (User.username == email)).exists():
        raise FieldError("email", "email_taken")
    problem = password_problem(data.password, personal=(username, email.split("@")[0],
                                                        data.first_name, data.last_name))
    if problem:
        raise FieldError("password", f"password_{problem}")
    with unique_or("username", "username_taken"):
        user = User.create(
            customer=customer, username=username, email=email,
            first_name=data.first_name.strip(), last_name=data.last_name.strip(),
            phone=data.phone.strip(), password_hash=hash_password(data.password),
            role="resident", language=data.language, terms_accepted_at=utcnow())
        AuditLog.record(user, "register", user, after={"customer": customer.number}, ip=ip)
        (JoinApplication.update(code_used_at=utcnow())  # a registration code works once
         .where((JoinApplication.customer == customer) & JoinApplication.code_used_at.is_null()
                & JoinApplication.code_hash.is_null(False)).execute())
        mail.queue(user.email, "welcome", user.language, kind="account", user=user)
    return user


class Throttled(FieldError):
    """Too many failed attempts: the form says how long to wait ("throttled"), the login
    form also points to the password reset ("login_throttled")."""

    def __init__(self, minutes: int, code: str = "throttled"):
        super().__init__("", code, minutes=minutes)
        self.minutes = minutes


def count_attempt(key: str, ip: str, settings, *, code: str = "throttled") -> LoginAttempt:
    """Record an attempt as failed, then check the limits: an attempt is counted before any
    password is hashed or invoice compared, so parallel guesses never get more tries than
    the limit plus the requests already running. Raise Throttled past the limit for `key`
    (an account, or a customer number at registration) or for the client address."""
    with db.atomic():
        attempt = LoginAttempt.create(login=key[:255], ip=ip, success=False)
    since = utcnow() - dt.timedelta(minutes=settings["LOGIN_WINDOW_MINUTES"])
    if (LoginAttempt.failures_since(since, login=key[:255]) > settings["LOGIN_MAX_FAILURES"]
            or LoginAttempt.failures_since(since, ip=ip) > settings["LOGIN_MAX_FAILURES_PER_IP"]):
        raise Throttled(settings["LOGIN_WINDOW_MINUTES"], code)
    return attempt


def succeeded(attempt: LoginAttempt) -> None:
    LoginAttempt.update(success=True).where(LoginAttempt.id == attempt.id).execute()


def login_key(login: str) -> str:
    """One failure counter per account, whichever spelling (username or email) is typed;
    an unknown login counts by what was typed."""
    key = (login or "").strip().casefold()[:255]
    user = User.by_login(key) if key else None
    return f"user:{user.id}" if user else key


def authenticate(login: str, password: str, *, ip: str, settings) -> User | None:
    """The user for a correct login, None for a wrong one, Throttled after too many failures.

    An unknown user and a wrong password cost the same time and get the same answer.
    """
    key = (login or "").strip().casefold()[:255]
    attempt = count_attempt(login_key(key), ip, settings, code="login_throttled")
    user = User.by_login(key) if key else None
    ok = verify_password(user.password_hash if user else None, password or "")
    ok = ok and user.is_active
    if ok:
        with db.atomic():
            succeeded(attempt)
            user.last_login_at = utcnow()
            user.save(only=[User.last_login_at])
    return user if ok else None


def _token_hash(token: str) -> str:
    return token_hash(token)


# -- sessions (ASVS 3.3): server-side, ended by logout, rotated when remembered ------------

def set_language(user: User, lang: str) -> None:
    """The language of the user's pages and of everything sent to them."""
    User.update(language=lang).where(User.id == user.id).execute()
    user.language = lang


def open_session(user: User, *, remember: bool, settings) -> str:
    """A new login session for one browser; its token goes into the signed cookie."""
    token = secrets.token_urlsafe(32)
    with db.atomic():
        UserSession.delete().where((UserSession.user == user) & (UserSession.expires_at <= utcnow())).execute()
        # A remembered login lasts REMEMBER_DAYS; a browser session lasts until the browser
        # forgets its cookie, logout, a password change or "log out everywhere".
        expires = (utcnow() + dt.timedelta(days=int(settings["REMEMBER_DAYS"])) if remember
                   else dt.datetime(9999, 1, 1))
        UserSession.create(user=user, token_hash=token_hash(token), remember=remember, expires_at=expires)
    user.login_token = token
    return token


def close_session(token: str | None) -> None:
    """Logout: this browser's session ends, and with it any remember cookie it had."""
    if token:
        UserSession.delete().where(UserSession.token_hash == token_hash(token)).execute()


def rotate_session(user: User, settings) -> str:
    """A remember cookie was used: it is single-use, so its session is replaced."""
    with db.atomic():
        close_session(user.login_token)
        return open_session(user, remember=True, settings=settings)


def end_sessions(user: User, *, keep: str | None = None, ip: str | None = None, reason: str = "") -> None:
    """A credential event (a password change or reset, an email change or its undo, "log out
    everywhere", an account deactivated): the one place that ends every session of the user
    but `keep` (this browser's, after the user's own change), every remember-me cookie (a
    new session version), and every unused password-reset and email-change link of the
    account. Whoever held any of them before the event holds nothing after it."""
    with db.atomic():
        query = UserSession.delete().where(UserSession.user == user)
        if keep:
            query = query.where(UserSession.token_hash != token_hash(keep))
        query.execute()
        User.update(session_version=User.session_version + 1).where(User.id == user.id).execute()
        user.session_version += 1
        now = utcnow()
        PasswordReset.update(used_at=now).where((PasswordReset.user == user) & PasswordReset.used_at.is_null()).execute()
        EmailChange.update(undone_at=now).where((EmailChange.user == user) & EmailChange.undone_at.is_null()).execute()
        if reason:
            AuditLog.record(user, reason, user, ip=ip)



def deactivate(user: User, staff, *, ip: str | None = None) -> None:
    """An account closed by customer service: it can no longer log in, and nothing it had
    (sessions, remember-me cookies, links) works."""
    with db.atomic():
        User.update(active=False).where(User.id == user.id).execute()
        user.active = False
        end_sessions(user)
        AuditLog.record(staff, "account_deactivated", user, ip=ip)


RESET_MAILS_PER_HOUR = 3


def start_password_reset(login: str, *, minutes: int, ip: str = "", settings=None) -> None:
    """Email a single-use reset link when the account exists; silent otherwise.

    - At most RESET_MAILS_PER_HOUR links an hour per account and per client address.
    - A new link makes the older unused ones invalid.
    - Known and unknown accounts take the same time: both branches make and hash a token
      the same memory-hard way before anything else (the mail itself is only queued)."""
    token = secrets.token_urlsafe(32)
    verify_password(None, token)  # the equal, memory-hard work of both branches
    key = (login or "").strip().casefold()[:255]
    hour_ago = utcnow() - dt.timedelta(hours=1)
    with db.atomic():
        # Recorded for the per-address limit; marked a success so that it never counts as
        # a failed login of the address.
        LoginAttempt.create(login=f"reset:{key}"[:255], ip=ip, success=True)
        from_ip = (LoginAttempt.select().where((LoginAttempt.ip == ip) & LoginAttempt.login.startswith("reset:") &
                                               (LoginAttempt.created_at >= hour_ago)).count())
        user = User.by_login(key) if key else None
        if user is None or not user.is_active or (ip and from_ip > RESET_MAILS_PER_HOUR):
            return
        sent = (PasswordReset.select().where((PasswordReset.user == user) &
                                             (PasswordReset.created_at >= hour_ago)).count())
        if sent >= RESET_MAILS_PER_HOUR:
            return
        PasswordReset.update(used_at=utcnow()).where(
            (PasswordReset.user == user) & PasswordReset.used_at.is_null()).execute()
        PasswordReset.create(user=user, token_hash=_token_hash(token),
                             expires_at=utcnow() + dt.timedelta(minutes=minutes))
        mail.queue(user.email, "password_reset", user.language, kind="account",
                   user=user, token=token, minutes=minutes)


def reset_for_token(token: str) -> PasswordReset | None:
    reset = PasswordReset.get_or_none(PasswordReset.token_hash == _token_hash(token or ""))
    if reset is None or reset.used_at is not None or reset.expires_at < utcnow():
        return None
    return reset


def set_new_password(user: User, password: str, *, reason: str, ip: str | None = None) -> None:
    """Store a new password and end every other session of the user."""
    problem = password_problem(password, personal=(user.username, user.email.split("@")[0],
                                                   user.first_name, user.last_name))
    if problem:
        raise FieldError("password", f"password_{problem}")
    with db.atomic():
        user.password_hash = hash_password(password)
        user.save(only=[User.password_hash])
        end_sessions(user, keep=user.login_token if reason == "password_change" else None)
        AuditLog.record(user, reason, user, ip=ip)
        mail.queue(user.email, "password_changed", user.language, kind="account", user=user)


def complete_password_reset(token: str, password: str, *, ip: str | None = None) -> User:
    reset = reset_for_token(token)
    if reset is None:
        raise FieldError("token", "reset_invalid")
    with db.atomic():
        # Claim the link first, so two submissions of it cannot both succeed.
        claimed = (PasswordReset.update(used_at=utcnow())
                   .where((PasswordReset.id == reset.id) & PasswordReset.used_at.is_null())
                   .execute())
        if not claimed:
            raise FieldError("token", "reset_invalid")
        set_new_password(reset.user, password, reason="password_reset", ip=ip)
    return reset.user


def change_password(user: User, current: str, new: str, *, ip: str | None = None) -> None:
    if not verify_password(user.password_hash, current or ""):
        raise FieldError("current_password", "current_password_wrong")
    set_new_password(user, new, reason="password_change", ip=ip)


EMAIL_UNDO_DAYS = 7


def update_profile(user: User, *, first_name, last_name, phone, email, language, current_password=None,
                   ip=None) -> None:
    """Save the contact details. A new email address needs the current password, and the
    old address gets a notice with a link that undoes the change for a week (ASVS 2.5)."""
    email = _email(email)
    taken = User.select().where(((User.email == email) | (User.username == email)) & (User.id != user.id))
    if taken.exists():
        raise FieldError("email", "email_taken")
    old_email = user.email
    changing = email != old_email
    if changing and not verify_password(user.password_hash, current_password or ""):
        raise FieldError("current_password", "current_password_for_email")
    before = {f: getattr(user, f) for f in ("first_name", "last_name", "phone", "email", "language")}
    user.first_name, user.last_name = first_name.strip(), last_name.strip()
    user.phone, user.email, user.language = phone.strip(), email, language
    after = {f: getattr(user, f) for f in before}
    with unique_or("email", "email_taken"):
        user.save()
        AuditLog.record(user, "profile_update", user, before=before, after=after, ip=ip)
        if changing:
            end_sessions(user, keep=user.login_token)  # a credential event: the new link is made after it
            token = secrets.token_urlsafe(32)
            EmailChange.create(user=user, old_email=old_email, new_email=email, token_hash=token_hash(token),
                               expires_at=utcnow() + dt.timedelta(days=EMAIL_UNDO_DAYS))
            mail.queue(old_email, "email_changed", user.language, kind="account", user=user, token=token,
                       new_email=email, days=EMAIL_UNDO_DAYS)


def email_change_for_token(token: str) -> EmailChange | None:
    change = EmailChange.get_or_none(EmailChange.token_hash == token_hash(token or ""))
    if change is None or change.undone_at is not None or change.expires_at < utcnow():
        return None
    return change


def undo_email_change(token: str, *, ip: str | None = None) -> User:
    """The old address takes the account back: its email is restored and every session
    ends (whoever changed it is logged out)."""
    change = email_change_for_token(token)
    if change is None:
        raise FieldError("token", "undo_invalid")
    user = change.user
    with db.atomic():
        claimed = (EmailChange.update(undone_at=utcnow())
                   .where((EmailChange.id == change.id) & EmailChange.undone_at.is_null()).execute())
        if not claimed:
            raise FieldError("token", "undo_invalid")
        if User.select().where((User.email == change.old_email) & (User.id != user.id)).exists():
            raise FieldError("token", "undo_invalid")
        User.update(email=change.old_email).where(User.id == user.id).execute()
        user.email = change.old_email
        end_sessions(user)
        AuditLog.record(None, "email_change_undone", user, before={"email": change.new_email},
                        after={"email": change.old_email}, ip=ip)
    return user


def create_staff_user(*, username, email, first_name, last_name, password, role="staff") -> User:
    """A customer-service account: the same password rules as residents."""
    if role not in ("staff", "admin"):
        raise FieldError("role", "role_invalid")
    email = _email(email)
    username = username.strip().casefold()
    if User.select().where(User.username.in_([username, email]) | User.email.in_([username, email])).exists():
        raise FieldError("username", "username_taken")
    problem = password_problem(password, personal=(username, email.split("@")[0], first_name, last_name))
    if problem:
        raise FieldError("password", f"password_{problem}")
    with unique_or("username", "username_taken"):
        user = User.create(username=username, email=email, first_name=first_name.strip(),
                           last_name=last_name.strip(), password_hash=hash_password(password),
                           role=role, language="fi")
        AuditLog.record(None, "create_staff", user, after={"role": role})
    return user
