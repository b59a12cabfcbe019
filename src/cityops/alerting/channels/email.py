"""E-mail over SMTP (standard library ``smtplib``, run in a thread): a plain-text message
with every language of the alert, and the CAP document attached as application/cap+xml."""

from __future__ import annotations

import asyncio
import re
import smtplib
from email.message import EmailMessage
from email.policy import SMTP

from cityops.errors import InvalidInput
from cityops.settings import Settings

from .base import Channel, DeliveryError, Message

# Long header lines (an unsubscribe URL) stay one line up to RFC 5322's 998 characters
# instead of becoming encoded words that List-Unsubscribe readers do not decode.
_POLICY = SMTP.clone(max_line_length=998)
_ADDRESS = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


def _body(message: Message) -> str:
    """Every language of the alert; only the chosen one for a resident who chose one."""
    infos = list(message.summary.get("infos", []))
    if message.language:
        want = message.language.split("-")[0].lower()
        mine = [i for i in infos if str(i.get("language", "")).split("-")[0].lower() == want]
        infos = mine or infos
    parts = []
    for info in infos:
        block = [info.get("headline") or info.get("event") or "", "", info.get("description") or ""]
        if info.get("instruction"):
            block += ["", info["instruction"]]
        parts.append("\n".join(block))
    url = message.summary.get("cap_url")
    footer = f"\n\nCAP document: {url}" if url else ""
    if message.unsubscribe_url:
        footer += f"\n\nUnsubscribe: {message.unsubscribe_url}"
    return "\n\n----\n\n".join(parts) + footer


def send_plain(settings: Settings, to: str, subject: str, text: str) -> None:
    """Send one plain-text mail now (blocking; run it in a thread): confirmation links."""
    if not settings.smtp_host:
        raise DeliveryError("smtp_host is not set")
    mail = EmailMessage(policy=_POLICY)
    mail["Subject"], mail["From"], mail["To"] = subject, settings.smtp_from, to
    mail.set_content(text)
    Email(settings)._send_sync(mail)


class Email(Channel):
    """Send to one address through the configured SMTP server."""

    name = "email"

    @classmethod
    def check_target(cls, target: str) -> str:
        if not _ADDRESS.match(target):
            raise InvalidInput("target: not an e-mail address", field="target")
        return target

    def compose(self, target: str, message: Message) -> EmailMessage:
        mail = EmailMessage(policy=_POLICY)
        severity = message.summary.get("severity") or ""
        mail["Subject"] = f"[{severity}] {message.headline}".strip()
        mail["From"] = self.settings.smtp_from
        mail["To"] = target
        if message.unsubscribe_url:  # RFC 2369 / RFC 8058 one-click unsubscribe
            mail["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
            mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        mail.set_content(_body(message))
        if message.xml:  # operational notices (escalations) carry no CAP document
            mail.add_attachment(
                message.xml,
                maintype="application",
                subtype="cap+xml",
                filename=f"alert-{message.alert_id}.xml",
            )
        return mail

    def _send_sync(self, mail: EmailMessage) -> None:
        s = self.settings
        assert s.smtp_host is not None
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.delivery_timeout) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password or "")
            smtp.send_message(mail)

    async def send(self, target: str, secret: str | None, message: Message) -> None:
        if not self.settings.smtp_host:
            raise DeliveryError("smtp_host is not set")
        try:
            await asyncio.to_thread(self._send_sync, self.compose(target, message))
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from None
