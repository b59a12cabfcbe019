"""E-mail over SMTP (standard library ``smtplib``, run in a thread): a plain-text message
with every language of the alert, and the CAP document attached as application/cap+xml."""

from __future__ import annotations

import asyncio
import re
import smtplib
from email.message import EmailMessage

from cityops.errors import InvalidInput

from . import register
from .base import Channel, DeliveryError, Message

_ADDRESS = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


def _body(message: Message) -> str:
    parts = []
    for info in message.summary.get("infos", []):
        block = [info.get("headline") or info.get("event") or "", "", info.get("description") or ""]
        if info.get("instruction"):
            block += ["", info["instruction"]]
        parts.append("\n".join(block))
    url = message.summary.get("cap_url")
    footer = f"\n\nCAP document: {url}" if url else ""
    return "\n\n----\n\n".join(parts) + footer


@register("email")
class Email(Channel):
    """Send to one address through the configured SMTP server."""

    name = "email"

    @classmethod
    def check_target(cls, target: str) -> str:
        if not _ADDRESS.match(target):
            raise InvalidInput("target: not an e-mail address", field="target")
        return target

    def compose(self, target: str, message: Message) -> EmailMessage:
        mail = EmailMessage()
        severity = message.summary.get("severity") or ""
        mail["Subject"] = f"[{severity}] {message.headline}".strip()
        mail["From"] = self.settings.smtp_from
        mail["To"] = target
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
