"""Mail to the clinic: building the message safely, and delivering the outbox by SMTP.

The outbox row is committed in the same transaction as the request, so a request is never
stored without its mail, and a mail is never lost because SMTP was down: the sender retries
with back-off until the server accepts it. Delivery is at-least-once: a crash between the
server's acceptance and the "sent" mark sends the same mail again, with the same Message-ID,
rather than losing it.
"""

from __future__ import annotations

import html
import logging
import re
import smtplib
import ssl
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import update
from sqlalchemy.orm import Session

from privacybot.desk.leases import claim_due
from privacybot.desk.models import OutboxMail, utcnow
from privacybot.settings import MailSettings

logger = logging.getLogger(__name__)
CLAIM_SECONDS = 120
LINK = re.compile(r"https?://[^\s<>\"]+")


def new_message_id(domain: str) -> str:
    return make_msgid(domain=domain or "localhost")


def build_message(mail: OutboxMail, from_address: str) -> EmailMessage:
    """Headers hold only values the system controls or has validated (e-mail addresses and a
    subject built from the reference); the patient's words go in the body only, so no field
    can inject a header."""
    message = EmailMessage()
    message["From"] = from_address
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Message-ID"] = mail.message_id
    message["Date"] = formatdate(localtime=False)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to it
    if mail.reply_to:
        message["Reply-To"] = mail.reply_to
    message.set_content(mail.body)
    message.add_alternative(as_html(mail.body), subtype="html")
    return message


def as_html(text: str) -> str:
    """The text body as simple HTML: paragraphs, line breaks, and its links clickable; every
    character of the text is escaped, so nothing in it can become markup."""

    def paragraph(block: str) -> str:
        pieces, last = [], 0
        for match in LINK.finditer(block):
            pieces.append(html.escape(block[last : match.start()]))
            url = html.escape(match[0])
            pieces.append(f'<a href="{url}">{url}</a>')
            last = match.end()
        pieces.append(html.escape(block[last:]))
        return "<p>" + "".join(pieces).replace("\n", "<br>\n") + "</p>"

    blocks = [b for b in re.split(r"\n\s*\n", text.strip()) if b.strip()]
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head>'
        '<body style="font-family: sans-serif; line-height: 1.5">\n'
        + "\n".join(paragraph(b) for b in blocks)
        + "\n</body></html>\n"
    )


class SmtpSender:
    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings

    def send(self, message: EmailMessage) -> None:
        s = self.settings
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.timeout_seconds) as smtp:
            if s.starttls:
                smtp.starttls(context=ssl.create_default_context(cafile=s.tls_ca_file or None))
            if s.username:
                smtp.login(s.username, s.password)
            smtp.send_message(message)


class Outbox:
    """Delivers due mails; safe to run in several processes (rows are claimed with a lease)."""

    def __init__(
        self,
        session_factory: Callable[[], Session],
        settings: MailSettings,
        sender: SmtpSender | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.settings = settings
        self.sender = sender or SmtpSender(settings)

    def backoff(self, attempts: int) -> timedelta:
        seconds = self.settings.retry_base_seconds * (2 ** max(attempts - 1, 0))
        return timedelta(seconds=min(seconds, self.settings.retry_max_seconds))

    def deliver_due(self, now: datetime | None = None) -> tuple[int, int]:
        """Try every due mail once; returns (sent, failed)."""
        sent = failed = 0
        for mail_id in self._claim_due(now or utcnow()):
            if self._deliver(mail_id):
                sent += 1
            else:
                failed += 1
        return sent, failed

    def _claim_due(self, now: datetime) -> list[int]:
        return claim_due(self.session_factory, OutboxMail, now, CLAIM_SECONDS)

    def _deliver(self, mail_id: int) -> bool:
        with self.session_factory() as session:
            mail = session.get(OutboxMail, mail_id)
            if mail is None or mail.status != "pending":
                return False
            message = build_message(mail, str(self.settings.from_address))
        try:
            self.sender.send(message)
        except (OSError, smtplib.SMTPException) as error:
            self._record_failure(mail_id, error)
            return False
        with self.session_factory() as session, session.begin():
            session.execute(
                update(OutboxMail)
                .where(OutboxMail.id == mail_id)
                .values(
                    status="sent",
                    sent_at=utcnow(),
                    claimed_until=None,
                    last_error=None,
                    attempts=OutboxMail.attempts + 1,
                )
            )
        return True

    def _record_failure(self, mail_id: int, error: BaseException) -> None:
        with self.session_factory() as session, session.begin():
            mail = session.get(OutboxMail, mail_id)
            if mail is None:
                return
            mail.attempts += 1
            mail.claimed_until = None
            mail.next_attempt_at = utcnow() + self.backoff(mail.attempts)
            mail.last_error = f"{type(error).__name__}: {error}"[:500]
            logger.warning(
                "mail %s not delivered (attempt %d), retry at %s: %s",
                mail.message_id,
                mail.attempts,
                mail.next_attempt_at,
                type(error).__name__,
            )
