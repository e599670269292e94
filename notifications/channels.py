"""The channel seam: how a notice reaches people. Email is the first channel; the composition root registers them.

A channel resolves a row's recipient to an address on that channel, renders one digest for a group of rows,
and sends a batch of digests over one connection, reporting each outcome as soon as it is known.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlmodel import Session

from engine.outbox import Address, OutboxMessage

Outcome = Callable[[int, Exception | None], None]  # (index of the digest in the batch, error or None)


@dataclass
class Group:
    """The rows of one digest: one channel, one address."""

    channel: str
    address: Address
    message_id: str
    rows: list[tuple[int, str, dict]]  # (outbox id, kind, payload)

    @property
    def ids(self) -> list[int]:
        return [r[0] for r in self.rows]


class Channel(Protocol):
    name: str

    def address(self, session: Session, row: OutboxMessage) -> Address | None:
        """Where this channel reaches the row's recipient now; None when it cannot."""

    def message_id(self) -> str:
        """A new identifier for one digest, kept for its retries."""

    def render(self, group: Group, at: datetime) -> Any:
        """One digest message for the group."""

    async def send_all(self, messages: Sequence[Any], done: Outcome) -> None:
        """Send each message, calling done(index, error_or_None) right after each."""
