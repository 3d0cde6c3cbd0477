"""Registration, login throttling and password reset as domain rules."""
import datetime as dt

import pytest

from domain.errors import FieldError
from domain import accounts
from models.clock import set_clock, now
from models import AuditLog, Outbox, User
from tests import factories

pytestmark = pytest.mark.usefixtures("ctx")

SETTINGS = {"LOGIN_MAX_FAILURES": 10, "LOGIN_MAX_FAILURES_PER_IP": 30, "LOGIN_WINDOW_MINUTES": 15}


def registration(customer, invoice_number, **overrides):
    data = dict(customer_number=customer.number, invoice_number=invoice_number,
                first_name="Maija", last_name="Meikäläinen", phone="040 1234567",
                email="maija@example.fi", username="maija", password="kompostori ja kissa")
    data.update(overrides)
    return accounts.Registration(**data)


@pytest.fixture
def customer(app):
    owner = factories.customer()
    factories.property_(owner)
    factories.property_(owner, building_type="holiday_home", occupancy="holiday")
    factories.invoice(owner, number="1962001", days_ago=200)
    factories.invoice(owner, number="1962859", days_ago=20)
    return owner


def test_registration_links_the_account_to_the_customers_properties(customer):
    user = accounts.register(registration(customer, "1962859"))
    assert user.customer_id == customer.id
    assert user.username == "maija" and user.email == "maija@example.fi"
    assert user.terms_accepted_at is not None
    from models import Property
    assert Property.of_user(user).count() == 2
    assert Outbox.select().where(Outbox.recipient == "maija@example.fi").count() == 1


def test_only_the_latest_invoice_opens_registration(customer):
    with pytest.raises(FieldError) as error:
        accounts.register(registration(customer, "1962001"))
    assert (error.value.field, error.value.code) == ("invoice_number", "invoice_mismatch")


def test_the_latest_invoice_of_each_kind_opens_registration(customer):
    """A resident holds the latest emptying invoice while a newer water invoice exists (and
    the other way round): the latest of each kind is accepted, an older one of a kind not."""
    factories.invoice(customer, number="1962900", days_ago=5, kind="water")
    factories.invoice(customer, number="1962800", days_ago=100, kind="water")
    for older in ("1962001", "1962800"):
        with pytest.raises(FieldError):
            accounts.find_registrable_customer(customer.number, older)
    assert accounts.find_registrable_customer(customer.number, "1962859") == customer  # waste, not the newest
    assert accounts.find_registrable_customer(customer.number, "1962900") == customer


def test_unknown_customer_gets_the_same_answer_as_a_wrong_invoice(app):
    with pytest.raises(FieldError) as error:
        accounts.find_registrable_customer("62-0000999-99", "1962859")
    assert error.value.code == "invoice_mismatch"


def test_customer_number_may_be_typed_without_dashes(customer):
    digits = customer.number.replace("-", "")
    user = accounts.register(registration(customer, "1962859", customer_number=f" {digits} "))
    assert user.customer_id == customer.id


def test_nobody_registers_over_an_existing_account(customer):
    accounts.register(registration(customer, "1962859"))
    with pytest.raises(FieldError) as error:
        accounts.register(registration(customer, "1962859", username="toinen", email="t@example.fi"))
    assert error.value.code == "already_registered"
    assert User.select().where(User.customer == customer).count() == 1


@pytest.mark.parametrize("password, code", [
    ("lyhyt", "password_too_short"),
    ("x" * 129, "password_too_long"),
    ("salasana1234", "password_common"),
    ("aaaaaaaaaaaaaa", "password_common"),
    ("maija.meikalainen", None),
])
def test_password_rules_are_length_and_blocklist_only(customer, password, code):
    if code is None:
        assert accounts.register(registration(customer, "1962859", password=password))
        return
    with pytest.raises(FieldError) as error:
        accounts.register(registration(customer, "1962859", password=password))
    assert (error.value.field, error.value.code) == ("password", code)


def test_login_with_username_or_email_case_insensitively(app):
    user = factories.resident(username="pekka")
    assert accounts.authenticate("PEKKA", factories.PASSWORD, ip="1.2.3.4", settings=SETTINGS) == user
    assert accounts.authenticate("pekka@example.fi", factories.PASSWORD, ip="1.2.3.4", settings=SETTINGS) == user
    assert accounts.authenticate("pekka", "wrong password!", ip="1.2.3.4", settings=SETTINGS) is None
    assert accounts.authenticate("nobody", factories.PASSWORD, ip="1.2.3.4", settings=SETTINGS) is None


def test_ten_failures_lock_the_account_for_the_window(app):
    factories.resident(username="pekka")
    start = now()
    set_clock(start)
    for i in range(10):
        assert accounts.authenticate("pekka", f"wrong {i}", ip=f"10.0.0.{i}", settings=SETTINGS) is None
    with pytest.raises(accounts.Throttled):
        accounts.authenticate("pekka", factories.PASSWORD, ip="10.0.1.1", settings=SETTINGS)
    set_clock(start + dt.timedelta(minutes=16))
    assert accounts.authenticate("pekka", factories.PASSWORD, ip="10.0.1.1", settings=SETTINGS)


def test_one_address_trying_many_accounts_is_throttled(app):
    settings = dict(SETTINGS, LOGIN_MAX_FAILURES_PER_IP=5)
    for i in range(5):
        accounts.authenticate(f"user{i}", "whatever password", ip="10.9.9.9", settings=settings)
    with pytest.raises(accounts.Throttled):
        accounts.authenticate("someone-else", "whatever password", ip="10.9.9.9", settings=settings)
    assert accounts.authenticate("someone-else", "whatever password", ip="10.9.9.8", settings=settings) is None


def _reset_token():
    body = Outbox.select().order_by(Outbox.id.desc()).first().body_text
    return body.split("/password/reset/")[1].split()[0]


def test_reset_link_works_once(app):
    user = factories.resident(username="pekka")
    accounts.start_password_reset("pekka@example.fi", minutes=60)
    token = _reset_token()
    accounts.complete_password_reset(token, "uusi salasana joka toimii")
    assert accounts.authenticate("pekka", "uusi salasana joka toimii", ip="1.1.1.1", settings=SETTINGS)
    with pytest.raises(FieldError):
        accounts.complete_password_reset(token, "vielä yksi salasana")
    assert User.get_by_id(user.id).session_version == user.session_version + 1
    assert AuditLog.select().where(AuditLog.action == "password_reset").count() == 1


def test_reset_link_expires_after_an_hour(app):
    factories.resident(username="pekka")
    start = now()
    set_clock(start)
    accounts.start_password_reset("pekka", minutes=60)
    token = _reset_token()
    set_clock(start + dt.timedelta(minutes=61))
    assert accounts.reset_for_token(token) is None
    with pytest.raises(FieldError):
        accounts.complete_password_reset(token, "uusi salasana joka toimii")


def test_reset_for_an_unknown_address_sends_nothing(app):
    accounts.start_password_reset("nobody@example.fi", minutes=60)
    assert Outbox.select().count() == 0


def test_change_password_needs_the_current_one(app):
    user = factories.resident()
    with pytest.raises(FieldError) as error:
        accounts.change_password(user, "not my password", "uusi salasana joka toimii")
    assert error.value.code == "current_password_wrong"
    accounts.change_password(user, factories.PASSWORD, "uusi salasana joka toimii")
    assert accounts.authenticate(user.username, "uusi salasana joka toimii", ip="1.1.1.1", settings=SETTINGS)


def test_staff_accounts_need_the_same_password_strength(app):
    with pytest.raises(FieldError):
        accounts.create_staff_user(username="sanna", email="sanna@example.fi", first_name="Sanna",
                                   last_name="L", password="short")
    user = accounts.create_staff_user(username="sanna", email="sanna@example.fi", first_name="Sanna",
                                      last_name="L", password="asiakaspalvelun salasana")
    assert user.is_staff and user.customer is None


def test_registration_guessing_is_throttled_per_customer_and_per_address(customer):
    """ASVS 2.2.1: invoice numbers counted up from a recent one are stopped after the
    login limit; every failure is recorded; the right pair is refused too while throttled."""
    from models import LoginAttempt
    for guess in range(10):
        with pytest.raises(FieldError) as error:
            accounts.register(registration(customer, str(1962000 + guess)), ip=f"10.1.0.{guess}", settings=SETTINGS)
        assert error.value.code == "invoice_mismatch"
    with pytest.raises(accounts.Throttled):
        accounts.register(registration(customer, "1962859"), ip="10.1.1.1", settings=SETTINGS)
    assert LoginAttempt.select().where(LoginAttempt.login == f"register:{customer.number}").count() == 11
    # One address trying many customers is stopped too.
    other = dict(SETTINGS, LOGIN_MAX_FAILURES_PER_IP=3)
    for n in range(3):
        with pytest.raises(FieldError):
            accounts.register(registration(customer, "1", customer_number=f"62-00{n}0000-00"), ip="10.2.2.2",
                              settings=other)
    with pytest.raises(accounts.Throttled):
        accounts.register(registration(customer, "1962859"), ip="10.2.2.2", settings=other)


def test_an_unknown_customer_and_a_wrong_invoice_are_counted_alike(customer):
    from models import LoginAttempt
    for number in (customer.number, "62-0000999-99"):
        with pytest.raises(FieldError) as error:
            accounts.register(registration(customer, "1", customer_number=number), ip="10.3.3.3", settings=SETTINGS)
        assert error.value.code == "invoice_mismatch"
    assert LoginAttempt.select().where(LoginAttempt.ip == "10.3.3.3", ~LoginAttempt.success).count() == 2


def test_username_and_email_spellings_share_one_failure_counter(app):
    factories.resident(username="pekka")
    for i in range(5):
        accounts.authenticate("pekka", f"wrong {i}", ip=f"10.4.0.{i}", settings=SETTINGS)
        accounts.authenticate("PEKKA@example.fi", f"wrong {i}", ip=f"10.4.1.{i}", settings=SETTINGS)
    with pytest.raises(accounts.Throttled):
        accounts.authenticate("pekka@example.fi", factories.PASSWORD, ip="10.4.2.2", settings=SETTINGS)


def test_reset_mails_are_limited_and_a_new_link_invalidates_the_older(app):
    from models import PasswordReset
    factories.resident(username="pekka")
    for _ in range(5):
        accounts.start_password_reset("pekka", minutes=60, ip="10.5.5.5")
    assert PasswordReset.select().count() == 3  # at most three mails an hour per account
    assert PasswordReset.select().where(PasswordReset.used_at.is_null()).count() == 1  # only the newest works
    # One address asking for many accounts is limited too.
    for n in range(3):
        factories.resident(username=f"naapuri{n}")
    for n in range(3):
        accounts.start_password_reset(f"naapuri{n}", minutes=60, ip="10.6.6.6")
    accounts.start_password_reset("pekka", minutes=60, ip="10.6.6.6")
    assert PasswordReset.select().count() == 6  # the fourth request of 10.6.6.6 sent nothing


def test_a_reset_request_takes_as_long_for_unknown_and_known_accounts(app):
    """With production's scrypt: the point is that its cost hides the difference."""
    import time
    from domain import passwords
    from tests.conftest import FAST_HASH
    factories.resident(username="pekka")
    passwords.use_method("scrypt")
    try:
        _check_equal_time(time)
    finally:
        passwords.use_method(FAST_HASH)


def _check_equal_time(time):

    def timed(login, n):
        started = time.perf_counter()
        accounts.start_password_reset(login, minutes=60, ip=f"10.7.{n}.1")
        return time.perf_counter() - started

    known = min(timed("pekka", n) for n in range(3))
    unknown = min(timed("eioleolemassa", n) for n in range(3, 6))
    assert unknown > 0.5 * known  # both do the memory-hard work; no fast path for strangers


def test_changing_the_email_needs_the_password_and_the_old_address_can_undo_it(app):
    user = factories.resident(username="maija")
    old = user.email
    with pytest.raises(FieldError) as error:
        accounts.update_profile(user, first_name="Maija", last_name="M", phone="040", email="uusi@example.fi",
                                language="fi", current_password="väärä salasana")
    assert error.value.code == "current_password_for_email"
    accounts.update_profile(user, first_name="Maija", last_name="M", phone="040", email="Uusi@Example.FI",
                            language="fi", current_password=factories.PASSWORD)
    assert User.get_by_id(user.id).email == "uusi@example.fi"
    notice = Outbox.select().where(Outbox.recipient == old).get()
    token = notice.body_text.split("/account/email/undo/")[1].split()[0]
    accounts.undo_email_change(token)
    assert User.get_by_id(user.id).email == old
    with pytest.raises(FieldError):
        accounts.undo_email_change(token)  # once
    # Other details change without the password.
    user = User.get_by_id(user.id)
    accounts.update_profile(user, first_name="Maija", last_name="Uusi", phone="040", email=old, language="sv")
    assert User.get_by_id(user.id).language == "sv"


def test_the_undo_link_lasts_a_week(app):
    user = factories.resident(username="maija2")
    accounts.update_profile(user, first_name="M", last_name="M", phone="040", email="toinen@example.fi",
                            language="fi", current_password=factories.PASSWORD)
    token = Outbox.select().order_by(Outbox.id.desc()).get().body_text.split("/account/email/undo/")[1].split()[0]
    set_clock(now() + dt.timedelta(days=8))
    with pytest.raises(FieldError):
        accounts.undo_email_change(token)


def test_production_hashes_passwords_with_scrypt_and_only_the_tests_cheaply(tmp_path):
    """The suite sets PASSWORD_HASH_METHOD to a cheap method; an app built as production
    builds it (no such setting) hashes with scrypt, and either hash verifies."""
    from app import create_app
    from domain import passwords
    from tests.conftest import FAST_HASH
    cheap = passwords.hash_password("kompostori ja kissa")
    assert cheap.startswith("pbkdf2:sha256:1$")
    production = create_app({"INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "x",
                             "DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite3'}"})
    try:
        assert production.config["PASSWORD_HASH_METHOD"] == "scrypt"
        strong = passwords.hash_password("kompostori ja kissa")
        assert strong.startswith("scrypt:")
        assert passwords.verify_password(strong, "kompostori ja kissa")
        assert passwords.verify_password(cheap, "kompostori ja kissa")
    finally:
        passwords.use_method(FAST_HASH)
