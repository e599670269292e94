"""A local SMTP sink (aiosmtpd) that keeps every message as a file, and a reader for them."""

from __future__ import annotations

import email
import email.policy
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.controller import Controller


class FileHandler:
    """Stores each accepted message as <received>-<uuid>.eml; a temp name first, so readers never see half."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's hook name)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        name = f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        tmp = self.directory / f".{name}.tmp"
        tmp.write_bytes(envelope.original_content or envelope.content)
        os.replace(tmp, self.directory / name)
        return "250 Message accepted for delivery"


@dataclass
class Sink:
    controller: Controller
    directory: Path

    @property
    def port(self) -> int:
        return self.controller.port

    def stop(self) -> None:
        self.controller.stop()


def start_sink(settings, *, host: str | None = None, port: int | None = None) -> Sink:
    """Serve SMTP on settings.smtp_host:smtp_port, storing messages under settings.sink_dir."""
    directory = Path(settings.sink_dir)
    controller = Controller(FileHandler(directory), hostname=host or settings.smtp_host,
                            port=port if port is not None else settings.smtp_port)
    controller.start()
    return Sink(controller, directory)


@dataclass(frozen=True)
class StoredMail:
    id: str
    received_at: str
    sender: str
    to: str
    subject: str
    message_id: str
    text: str
    html: str

    def summary(self) -> dict:
        return {"id": self.id, "received_at": self.received_at, "from": self.sender, "to": self.to,
                "subject": self.subject, "message_id": self.message_id, "text": self.text}


def read_mail(path: Path) -> StoredMail:
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    text = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    received = datetime.strptime(path.name.split("-", 1)[0], "%Y%m%dT%H%M%S%f").replace(tzinfo=UTC)
    return StoredMail(id=path.stem, received_at=received.isoformat(), sender=str(msg["From"] or ""),
                      to=str(msg["To"] or ""), subject=str(msg["Subject"] or ""),
                      message_id=str(msg["Message-ID"] or ""), text=text.get_content() if text else "",
                      html=html.get_content() if html else "")


def list_messages(directory: Path) -> list[StoredMail]:
    """Every stored message, oldest first."""
    if not Path(directory).exists():
        return []
    return [read_mail(p) for p in sorted(Path(directory).glob("*.eml"))]
