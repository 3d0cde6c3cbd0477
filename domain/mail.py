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
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale, lazy_gettext as _l

from domain.clock import utcnow
from models import Outbox

log = logging.getLogger(__name__)

SUBJECTS = {
    "welcome": _l("Welcome to Kotipiha"),
    "password_reset": _l("Reset your Kotipiha password"),
    "password_changed": _l("Your Kotipiha password was changed"),
    "order_decision": _l("Customer service has decided your request"),
    "reading_rejected": _l("Your meter reading was not accepted"),
    "support_received": _l("We received your message"),
    "support_answer": _l("Customer service answered your message"),
    "payment_reminder": _l("Payment reminder"),
    "pickup_reminder": _l("Emptying tomorrow: put your bin out tonight"),
    "reading_reminder": _l("Time to report your water meter reading"),
    "compost_renewal": _l("Your composting notification is about to expire"),
}


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an email, built from BASE_URL (no request needed)."""
    path = current_app.url_map.bind("").build(endpoint, values)
    return current_app.config["BASE_URL"].rstrip("/") + path


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


def _deliver_smtp(message: EmailMessage, cfg) -> None:
    host, port, timeout = cfg["SMTP_HOST"], int(cfg["SMTP_PORT"]), cfg["SMTP_TIMEOUT"]
    if cfg["SMTP_SECURITY"] == "ssl":
        client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
    with client:
        if cfg["SMTP_SECURITY"] == "starttls":
            client.starttls(context=ssl.create_default_context())
        if cfg["SMTP_USERNAME"]:
            client.login(cfg["SMTP_USERNAME"], cfg["SMTP_PASSWORD"])
        client.send_message(message)


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


def send_due(limit: int = 200) -> tuple[int, int]:
    """Send what is due; returns (sent, failed this round). Call with an app context."""
    cfg = current_app.config
    sent = failed = 0
    for mail in list(Outbox.due(utcnow()).limit(limit)):
        # Claim the mail first, so that two senders (the job and `flask outbox send`) never
        # send the same one; a claim left by a sender that died expires after CLAIM_FOR.
        claimed = (Outbox.update(status="sending", next_attempt_at=utcnow() + CLAIM_FOR)
                   .where((Outbox.id == mail.id) & (Outbox.status == mail.status) &
                          (Outbox.next_attempt_at == mail.next_attempt_at)).execute())
        if not claimed:
            continue
        message = build_message(mail, cfg["MAIL_FROM"])
        try:
            if cfg["SMTP_HOST"]:
                _deliver_smtp(message, cfg)
            else:
                _deliver_file(message, mail, cfg)
        except (smtplib.SMTPException, OSError) as error:
            failed += 1
            attempts = mail.attempts + 1
            (Outbox.update(attempts=attempts, last_error=str(error)[:1000],
                           next_attempt_at=utcnow() + retry_delay(attempts),
                           status="failed" if attempts >= Outbox.MAX_ATTEMPTS else "pending")
             .where(Outbox.id == mail.id).execute())
            log.warning("mail %s to %s failed (attempt %d): %s", mail.id, mail.recipient, attempts, error)
            continue
        Outbox.update(status="sent", sent_at=utcnow(), attempts=mail.attempts + 1).where(
            Outbox.id == mail.id).execute()
        sent += 1
    return sent, failed
