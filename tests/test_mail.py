"""The outbox: written with its cause, sent later over real SMTP, retried with back-off."""
import datetime as dt

import pytest
from flask_babel import force_locale

from domain import accounts
from outbound import mail
from models.clock import now, set_clock
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
    from models.clock import utcnow
    Outbox.update(status="sending", next_attempt_at=utcnow() + mail.CLAIM_FOR).execute()
    assert mail.send_due() == (0, 0)
    set_clock(start + mail.CLAIM_FOR + dt.timedelta(seconds=1))
    assert mail.send_due() == (1, 0)
    assert [m["Message-ID"] for m in smtp.inbox.wait_for(1)] == [mail_row.message_id]
    assert Outbox.get().status == "sent"


class RefusingInbox:
    """An SMTP server that refuses one address for good (550) and takes the rest."""

    def __init__(self, inbox):
        self.inbox = inbox

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refused@"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        return await self.inbox.handle_DATA(server, session, envelope)


def test_a_mail_that_cannot_be_built_or_is_refused_never_stops_the_mail_behind_it(tmp_path):
    from aiosmtpd.controller import Controller
    from tests.smtp import Inbox, free_port
    inbox, port = Inbox(), free_port()
    controller = Controller(RefusingInbox(inbox), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app = make_app(tmp_path, SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_SECURITY="none", SMTP_TIMEOUT=5)
        with app.app_context():
            user = factories.resident(username="nollaus")
            # Poison from before the address check existed: a line break in the recipient.
            broken = Outbox.create(recipient="x@example.fi\nBcc: everyone@example.fi", subject="Hei",
                                   body_text="t", body_html="<p>t</p>", message_id="<b1@kotipiha>", kind="account")
            refused = Outbox.create(recipient="refused@example.fi", subject="Hei", body_text="t",
                                    body_html="<p>t</p>", message_id="<b2@kotipiha>", kind="account")
            accounts.start_password_reset("nollaus", minutes=60)
            assert mail.send_due() == (1, 2)
            assert [m["To"] for m in inbox.wait_for(1)] == [user.email]
            for bad in (broken, refused):
                stored = Outbox.get_by_id(bad.id)
                assert stored.status == "failed" and stored.last_error  # at once, with the reason
            assert "550" in Outbox.get_by_id(refused.id).last_error
            assert mail.send_due() == (0, 0)
    finally:
        controller.stop()


def test_a_silent_mail_server_cannot_hold_the_outbox_job(tmp_path):
    """A server that accepts the connection and never answers: the run gives up within
    the SMTP timeout and its time budget, and the mail waits for the next run."""
    import socket
    import time
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    port = listener.getsockname()[1]
    try:
        app = make_app(tmp_path, SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_SECURITY="none", SMTP_TIMEOUT=1)
        with app.app_context():
            for n in range(5):
                Outbox.create(recipient=f"a{n}@example.fi", subject="Hei", body_text="t", body_html="<p>t</p>",
                              message_id=f"<s{n}@kotipiha>", kind="account")
            started = time.monotonic()
            sent, failed = mail.send_due(budget=2)
            assert time.monotonic() - started < 2 + 2 * 1 + 1  # the budget, and one timeout past it
            assert sent == 0 and 1 <= failed < 5
            assert Outbox.select().where(Outbox.status == "pending").count() == 5  # tried again later
    finally:
        listener.close()
