"""Building MIME digests and sending them over one aiosmtplib connection."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

import aiosmtplib

from notifications.render import Rendered


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    mail_from: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0

    @classmethod
    def from_settings(cls, s) -> SmtpConfig:
        return cls(host=s.smtp_host, port=s.smtp_port, mail_from=s.mail_from, username=s.smtp_username or None,
                   password=s.smtp_password or None, starttls=bool(s.smtp_starttls), timeout=float(s.smtp_timeout))

    @property
    def domain(self) -> str:
        return self.mail_from.rpartition("@")[2] or "localhost"


def new_message_id(cfg: SmtpConfig) -> str:
    return make_msgid(idstring="reform", domain=cfg.domain)


def build_message(cfg: SmtpConfig, to: str, to_name: str, rendered: Rendered, message_id: str,
                  at: datetime) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = rendered.subject
    msg["From"] = formataddr(("改革事项督办系统", cfg.mail_from))
    msg["To"] = formataddr((to_name, to)) if to_name else to
    msg["Date"] = format_datetime(at)
    msg["Message-ID"] = message_id
    msg.set_content(rendered.text)
    msg.add_alternative(rendered.html, subtype="html")
    return msg


def smtp_client(cfg: SmtpConfig) -> aiosmtplib.SMTP:
    # A fixed local name: getfqdn() can stall on DNS; STARTTLS is required when configured, never tried otherwise.
    return aiosmtplib.SMTP(hostname=cfg.host, port=cfg.port, username=cfg.username, password=cfg.password,
                           timeout=cfg.timeout, start_tls=cfg.starttls, local_hostname=cfg.domain)


Outcome = Callable[[int, Exception | None], None]


async def send_all(cfg: SmtpConfig, messages: list[EmailMessage], done: Outcome) -> None:
    """Send each message, calling done(index, error_or_None) right after each so it is marked at once."""
    client = smtp_client(cfg)
    try:
        await client.connect()
    except Exception as exc:  # server down, refused login, bad certificate: every message waits
        for index in range(len(messages)):
            done(index, exc)
        return
    try:
        for index, message in enumerate(messages):
            try:
                if not client.is_connected:
                    await client.connect()
                await client.send_message(message)
            except Exception as exc:
                done(index, exc)
            else:
                done(index, None)
    finally:
        if client.is_connected:
            try:
                await client.quit()
            except aiosmtplib.SMTPException:
                client.close()
