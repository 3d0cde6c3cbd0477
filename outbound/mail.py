"""Email: written to the outbox with the change that causes it, sent later by a job.

`queue` renders the text and HTML parts in the recipient's language inside the caller's
transaction. `send_due` runs outside any request (the scheduler's outbox job and
`flask outbox send`): it delivers over SMTP, or without SMTP settings writes each mail as
an .eml file, retrying failures with back-off. The Message-ID is fixed when the mail is
queued, so a retried mail is recognisably the same mail.
"""
from __future__ import annotations

import datetime as dt
import logging
import smtplib
import ssl
import time
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale, lazy_gettext as _l

from models.clock import utcnow
from models import Outbox
from outbound.links import external_url

log = logging.getLogger(__name__)

SUBJECTS = {
    "welcome": _l("Welcome to Kotipiha"),
    "password_reset": _l("Reset your Kotipiha password"),
    "password_changed": _l("Your Kotipiha password was changed"),
    "email_changed": _l("The email address of your Kotipiha account was changed"),
    "order_decision": _l("Customer service has decided your request"),
    "reading_rejected": _l("Your meter reading was not accepted"),
    "support_received": _l("We received your message"),
    "support_answer": _l("Customer service answered your message"),
    "payment_reminder": _l("Payment reminder"),
    "pickup_reminder": _l("Emptying tomorrow: put your bin out tonight"),
    "reading_reminder": _l("Time to report your water meter reading"),
    "compost_renewal": _l("Your composting notification is about to expire"),
    "disruption_notice": _l("A disruption notice for your property"),
    "sludge_reminder": _l("Time to empty your septic tank"),
    "join_received": _l("We received your application"),
    "eform_confirm": _l("Confirm your request"),
    "shared_bin_invite": _l("A neighbour invites you to share a bin"),
    "join_approved": _l("Welcome as a customer: your registration code"),
    "join_rejected": _l("Your application to become a customer"),
}


def queue(recipient: str, template: str, language: str, *, kind: str, unsubscribe: str | None = None,
          **context) -> Outbox:
    """Render `email/<template>.txt|.html` in `language` and put it in the outbox.

    With `unsubscribe` (a token) the mail carries a one-click link that turns its kind off."""
    unsubscribe_url = external_url("notifications.unsubscribe", token=unsubscribe) if unsubscribe else None
    with force_locale(language):
        context.update(external_url=external_url, utility=_utility(), unsubscribe_url=unsubscribe_url)
        subject = str(SUBJECTS[template])
        text = render_template(f"email/{template}.txt", subject=subject, **context)
        html = render_template(f"email/{template}.html", subject=subject, **context)
    domain = current_app.config["MAIL_FROM"].rsplit("@", 1)[-1].strip(">").strip() or "kotipiha"
    return Outbox.create(recipient=recipient, subject=subject, body_text=text, body_html=html,
                         message_id=make_msgid(domain=domain), kind=kind, language=language,
                         list_unsubscribe=unsubscribe_url)


def _utility() -> dict:
    cfg = current_app.config
    return {"name": cfg["UTILITY_NAME"], "email": cfg["UTILITY_EMAIL"], "phone": cfg["UTILITY_PHONE"]}


def build_message(mail: Outbox, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message["Message-ID"] = mail.message_id
    message["Date"] = format_datetime(mail.created_at.replace(tzinfo=dt.timezone.utc))
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.body_text)
    message.add_alternative(mail.body_html, subtype="html")
    # After the parts: making the alternative moves Content-* headers into the first part.
    message["Content-Language"] = mail.language
    if mail.list_unsubscribe:
        message["List-Unsubscribe"] = f"<{mail.list_unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058
    return message


class SmtpConnection:
    """One SMTP connection for a whole run of the outbox, opened when the first mail needs
    it and opened again after the server dropped it."""

    def __init__(self, cfg):
        self.cfg, self.client = cfg, None

    def send(self, message: EmailMessage) -> None:
        if self.client is None:
            self.client = self._open()
        try:
            self.client.send_message(message)
        except (smtplib.SMTPServerDisconnected, OSError):
            self.close()
            raise

    def _open(self):
        cfg = self.cfg
        host, port, timeout = cfg["SMTP_HOST"], int(cfg["SMTP_PORT"]), cfg["SMTP_TIMEOUT"]
        if cfg["SMTP_SECURITY"] == "ssl":
            client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
        try:
            if cfg["SMTP_SECURITY"] == "starttls":
                client.starttls(context=ssl.create_default_context())
            if cfg["SMTP_USERNAME"]:
                client.login(cfg["SMTP_USERNAME"], cfg["SMTP_PASSWORD"])
        except BaseException:
            client.close()
            raise
        return client

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.quit()
            except (smtplib.SMTPException, OSError):
                self.client.close()
            self.client = None


def _deliver_file(message: EmailMessage, mail: Outbox, cfg) -> Path:
    folder = Path(cfg["MAIL_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{mail.created_at:%Y%m%d-%H%M%S}-{mail.id}.eml"
    path.write_bytes(bytes(message))
    log.info("mail to %s written to %s", mail.recipient, path)
    return path


CLAIM_FOR = dt.timedelta(minutes=10)


def retry_delay(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8 … minutes, at most six hours."""
    return dt.timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


SEND_BUDGET_SECONDS = 40  # the outbox job runs every minute: one run never takes longer


def is_temporary(error: Exception) -> bool:
    """A failure worth trying again: the server away or busy, or a 4xx answer. A 5xx
    answer (an address refused) or a mail that cannot even be built never gets better."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code < 500 for code, _msg in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code < 500
    return isinstance(error, (smtplib.SMTPException, OSError))


def send_due(limit: int = 200, *, budget: float = SEND_BUDGET_SECONDS) -> tuple[int, int]:
    """Send what is due; returns (sent, failed this round). Call with an app context.

    One SMTP connection serves the whole run, which stops starting new mail after `budget`
    seconds (a silent server cannot hold the minute job for long). A mail that fails is
    recorded with its reason and never stops the mail behind it: a temporary failure is
    tried again with back-off up to MAX_ATTEMPTS, a permanent one is failed at once."""
    cfg = current_app.config
    sent = failed = 0
    started = time.monotonic()
    smtp = SmtpConnection(cfg) if cfg["SMTP_HOST"] else None
    try:
        for mail in list(Outbox.due(utcnow()).limit(limit)):
            if time.monotonic() - started > budget:
                break  # the rest waits for the next run, unclaimed
            # Claim the mail first, so that two senders (the job and `flask outbox send`) never
            # send the same one; a claim left by a sender that died expires after CLAIM_FOR.
            claimed = (Outbox.update(status="sending", next_attempt_at=utcnow() + CLAIM_FOR)
                       .where((Outbox.id == mail.id) & (Outbox.status == mail.status) &
                              (Outbox.next_attempt_at == mail.next_attempt_at)).execute())
            if not claimed:
                continue
            try:
                message = build_message(mail, cfg["MAIL_FROM"])
                if smtp is not None:
                    smtp.send(message)
                else:
                    _deliver_file(message, mail, cfg)
            except Exception as error:  # noqa: BLE001 - one bad mail must not stop the others
                failed += 1
                _record_failure(mail, error)
                continue
            Outbox.update(status="sent", sent_at=utcnow(), attempts=mail.attempts + 1).where(
                Outbox.id == mail.id).execute()
            sent += 1
    finally:
        if smtp is not None:
            smtp.close()
    return sent, failed


def _record_failure(mail: Outbox, error: Exception) -> None:
    attempts = mail.attempts + 1
    temporary = is_temporary(error)
    gave_up = not temporary or attempts >= Outbox.MAX_ATTEMPTS
    reason = f"{type(error).__name__}: {error}"[:1000]
    (Outbox.update(attempts=attempts, last_error=reason, next_attempt_at=utcnow() + retry_delay(attempts),
                   status="failed" if gave_up else "pending")
     .where(Outbox.id == mail.id).execute())
    log.warning("mail %s to %s failed (attempt %d, %s): %s", mail.id, mail.recipient, attempts,
                "given up" if gave_up else "will retry", reason)
