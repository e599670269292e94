"""Sending digests over one aiosmtplib connection, each answer sorted into taken, refused for good, or try again."""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable
from dataclasses import dataclass
from email.utils import make_msgid

import aiosmtplib

from notifications.channels import Refused
from notifications.mime import Outgoing


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


def smtp_client(cfg: SmtpConfig) -> aiosmtplib.SMTP:
    # A fixed local name: getfqdn() can stall on DNS; STARTTLS is required when configured, never tried otherwise.
    return aiosmtplib.SMTP(hostname=cfg.host, port=cfg.port, username=cfg.username, password=cfg.password,
                           timeout=cfg.timeout, start_tls=cfg.starttls, local_hostname=cfg.domain)


Outcome = Callable[[int, Exception | None], None]


# 530 (authentication or STARTTLS required) and a refused sender are our configuration, not this message: they
# wait like a refused login, so fixing the settings sends everything.
SESSION_CODES = frozenset({530, 534, 535, 538})


def classify(exc: Exception) -> Exception:
    """A 5xx to RCPT or DATA (RFC 5321 §4.2.1: permanent) becomes Refused with the server's words; the rest waits."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [(e.code, e.message) for e in exc.recipients]
        if codes and all(code >= 500 and code not in SESSION_CODES for code, _ in codes):
            return Refused("; ".join(f"{code} {message}" for code, message in codes)[:2000])
        return exc
    if isinstance(exc, aiosmtplib.SMTPDataError) and exc.code >= 500 and exc.code not in SESSION_CODES:
        return Refused(f"{exc.code} {exc.message}"[:2000])
    if isinstance(exc, aiosmtplib.SMTPNotSupported):  # SMTPUTF8 for a non-ASCII mailbox
        return Refused(f"SMTPNotSupported: {exc}")
    if isinstance(exc, ValueError):  # aiosmtplib refuses an address it cannot send safely
        return Refused(f"{type(exc).__name__}: {exc}")
    return exc


def _broken(exc: Exception) -> bool:
    """After these the connection's state is unknown: the next message opens a new one."""
    return isinstance(exc, aiosmtplib.SMTPServerDisconnected | aiosmtplib.SMTPTimeoutError | OSError
                      | TimeoutError)


async def _send_one(client: aiosmtplib.SMTP, message: Outgoing) -> None:
    options = ["SMTPUTF8"] if message.utf8 else None
    await client.sendmail(message.sender, [message.recipient], message.data, mail_options=options)


def _between_writes(client: aiosmtplib.SMTP, between: Callable[[], None] | None) -> None:
    """between() called right after each command or message is written to the server, before its answer is
    awaited: the work it does runs while the server reads and answers, not while our answer waits to be read
    (done between two messages instead, it delayed the sending by its whole time). The connection's protocol
    object is aiosmtplib's own, given the call on this one instance."""
    protocol = client.protocol
    if between is None or protocol is None:
        return
    write = protocol.write

    def write_then_work(data: bytes) -> None:
        write(data)
        between()

    protocol.write = write_then_work


async def send_all(cfg: SmtpConfig, messages: AsyncIterable[Outgoing], done: Outcome,
                   between: Callable[[], None] | None = None) -> None:
    """Send each message over one connection, calling done(index, outcome) right after each, and between()
    right after each write.

    A refused message never stops the others; a dropped connection is opened again for the next message, and
    when it cannot be, this and the remaining messages wait (retried later, each with its own Message-ID).
    """
    client = smtp_client(cfg)
    index = -1
    try:
        async for message in messages:
            index += 1
            if not client.is_connected:
                try:
                    await client.connect()
                except Exception as exc:  # server down, refused login, bad certificate: the rest wait
                    done(index, exc)
                    async for _ in messages:
                        index += 1
                        done(index, exc)
                    return
                _between_writes(client, between)
            try:
                await _send_one(client, message)
            except Exception as exc:
                if _broken(exc):
                    client.close()
                done(index, classify(exc))
            else:
                done(index, None)
    finally:
        if client.is_connected:
            try:
                await client.quit()
            except aiosmtplib.SMTPException:
                client.close()
