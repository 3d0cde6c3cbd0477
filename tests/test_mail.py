"""The outbox: written with its cause, sent later over real SMTP, retried with back-off."""
import datetime as dt

import pytest
from flask_babel import force_locale

from domain import accounts, mail
from domain.clock import now, set_clock
from models import Outbox, db
from tests import factories
from tests.conftest import make_app
from tests.smtp import SmtpServer


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_app(tmp_path, smtp):
    app = make_app(tmp_path, **smtp.settings())
    with app.app_context():
        yield app
    set_clock(None)


def test_a_queued_mail_arrives_once_as_text_and_html_in_the_users_language(smtp_app, smtp):
    user = factories.resident(language="sv")
    accounts.start_password_reset(user.username, minutes=60)
    assert mail.send_due() == (1, 0)
    assert mail.send_due() == (0, 0)
    [message] = smtp.inbox.wait_for(1)
    assert message["To"] == user.email
    assert message["Message-ID"] == Outbox.get().message_id
    assert message["Content-Language"] == "sv"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "/password/reset/" in text and "/password/reset/" in html
    with force_locale("sv"):
        assert message["Subject"] == str(mail.SUBJECTS["password_reset"])


def test_mail_is_written_in_the_same_transaction_as_its_cause(smtp_app):
    user = factories.resident()
    with pytest.raises(RuntimeError):
        with db.atomic():
            accounts.start_password_reset(user.username, minutes=60)
            raise RuntimeError("the change fails after the mail was queued")
    assert Outbox.select().count() == 0


def test_mail_waits_while_the_server_is_down_and_then_arrives_once(tmp_path):
    down = SmtpServer()  # not started yet: nothing listens on its port
    app = make_app(tmp_path, **down.settings())
    with app.app_context():
        start = now()
        set_clock(start)
        accounts.start_password_reset(factories.resident().username, minutes=60)
        assert mail.send_due() == (0, 1)
        failed = Outbox.get()
        assert failed.status == "pending" and failed.attempts == 1 and failed.last_error
        assert mail.send_due() == (0, 0)  # waits for its back-off
        down.start()
        try:
            set_clock(start + dt.timedelta(minutes=2))
            assert mail.send_due() == (1, 0)
            set_clock(start + dt.timedelta(hours=3))
            assert mail.send_due() == (0, 0)
            messages = down.inbox.wait_for(1)
            assert len(messages) == 1
            assert messages[0]["Message-ID"] == failed.message_id
        finally:
            down.stop()
            set_clock(None)


def test_without_smtp_settings_mail_is_written_as_eml_files(tmp_path):
    app = make_app(tmp_path)
    with app.app_context():
        accounts.start_password_reset(factories.resident().username, minutes=60)
        assert mail.send_due() == (1, 0)
    files = list((tmp_path / "instance" / "mail").glob("*.eml"))
    assert len(files) == 1
    assert b"/password/reset/" in files[0].read_bytes()


def test_outbox_send_command(tmp_path, smtp):
    app = make_app(tmp_path, **smtp.settings())
    with app.app_context():
        accounts.start_password_reset(factories.resident().username, minutes=60)
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert "sent 1, failed 0" in result.output
    assert len(smtp.inbox.wait_for(1)) == 1


def test_retry_delays_grow_and_are_capped():
    delays = [mail.retry_delay(n) for n in range(1, 12)]
    assert delays[0] == dt.timedelta(minutes=1)
    assert all(a <= b for a, b in zip(delays, delays[1:]))
    assert delays[-1] == dt.timedelta(hours=6)


def test_a_claimed_mail_is_not_sent_by_a_second_sender_until_the_claim_expires(smtp_app, smtp):
    from models import Outbox
    accounts.start_password_reset(factories.resident().username, minutes=60)
    mail_row = Outbox.get()
    start = now()
    set_clock(start)
    # Another sender claimed it and died before sending (stored times are naive UTC).
    from domain.clock import utcnow
    Outbox.update(status="sending", next_attempt_at=utcnow() + mail.CLAIM_FOR).execute()
    assert mail.send_due() == (0, 0)
    set_clock(start + mail.CLAIM_FOR + dt.timedelta(seconds=1))
    assert mail.send_due() == (1, 0)
    assert [m["Message-ID"] for m in smtp.inbox.wait_for(1)] == [mail_row.message_id]
    assert Outbox.get().status == "sent"
