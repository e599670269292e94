"""The channel seam: how a notice reaches people. Email and group robots; the composition root registers them.

A channel resolves recipients to addresses on that channel, renders one digest for a group of rows, and sends a
batch of digests over one connection, reporting each outcome as soon as it is known. A channel may render in
steps (`render_steps`, a generator) and call `between()` right after each write to the far side: delivery then
renders the next digests a step at a time while the server works on what was just written. An outcome is None (taken),
or an exception: `Refused` (permanent: the row fails at once), `Deferred` (try again later, maybe without
counting an attempt), `PerRow` (a digest sent in parts whose rows fared differently), or any other exception
(transient: retried with backoff until the last attempt).
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable, Generator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import msgspec
from sqlmodel import Session

from engine.outbox import Address, OutboxMessage, Recipient

Outcome = Callable[[int, Exception | None], None]  # (index of the digest in the batch, error or None)


class Refused(Exception):
    """The receiving side said no for good (SMTP 5xx, a robot's permanent errcode): retrying cannot help."""

    def __init__(self, answer: str) -> None:
        super().__init__(answer)
        self.answer = answer


class Deferred(Exception):
    """Not taken now: try again after `after` seconds (or the backoff, whichever is longer)."""

    def __init__(self, reason: str, after: float | None = None, counted: bool = True) -> None:
        super().__init__(reason)
        self.reason, self.after, self.counted = reason, after, counted  # counted=False: it was never tried


class PerRow(Exception):
    """A digest sent in parts: each row's own outcome (None for taken), by outbox id."""

    def __init__(self, outcomes: Mapping[int, Exception | None]) -> None:
        worst = next((e for e in outcomes.values() if e is not None), None)
        super().__init__(str(worst) if worst else "")
        self.outcomes = dict(outcomes)


@dataclass(frozen=True)
class Attachment:
    """A file a notice carries (an issued 督办文书): its name for people, media type and bytes."""

    filename: str
    media_type: str
    content: bytes


Row = tuple[int, str, dict]  # (outbox id, kind, payload)
_decode_rows = msgspec.json.Decoder(list[Row]).decode  # the rows as the claim's SQL encodes them


class Group:
    """The rows of one digest: one channel, one address, one identifier kept from the first attempt to the last.

    The rows' payloads may come encoded (a JSON list of [id, kind, payload], as the claim's SQL aggregates them)
    with their ids beside: they are decoded when first read, while the digest is rendered, and not before the
    first digest goes (decoding a batch's 2,000 payloads at once held up the sending)."""

    __slots__ = ("channel", "address", "message_id", "_rows", "_ids", "_encoded", "attachments", "prepared",
                 "taking", "attaches")

    def __init__(self, channel: str, address: Address, message_id: str, rows: list[Row] | None = None, *,
                 ids: list[int] | None = None, encoded: list[str] | None = None, attaches: bool = True) -> None:
        self.channel, self.address, self.message_id = channel, address, message_id
        self._rows = rows if rows is not None else (None if encoded else [])
        self._ids, self._encoded = ids, encoded
        self.attachments: list[Attachment] = []  # files the channel carries (mail), loaded at claim
        self.prepared: Any = None  # the message, rendered at claim while the rows were taken (or why it could not be)
        self.taking: Future | None = None  # a later wave's take, under way: it yields the ids this sender has taken
        self.attaches = attaches  # whether a row may carry a file (False: the claim's SQL saw none)

    def add(self, ids: list[int], encoded: str) -> None:
        """More rows for the same address (two accounts at one mailbox), kept in queue order."""
        if self._rows is None:
            self._encoded.append(encoded)
            self._ids = sorted(self._ids + ids)
        else:
            self._rows = sorted(self._rows + _decode_rows(encoded))

    @property
    def rows(self) -> list[Row]:
        """The rows, decoded. Refused when a payload is not what our code writes (a row edited by hand, cut
        short): no attempt can send it, so the digest fails at once with why, and the other digests go."""
        if self._rows is None:  # two threads may both decode: the same rows either way
            try:
                decoded = [row for part in self._encoded for row in _decode_rows(part)]
            except msgspec.MsgspecError as exc:
                raise Refused(f"通知内容已损坏，无法解析（outbox {', '.join(map(str, self._ids[:10]))}）：{exc}"
                              ) from exc
            self._rows = sorted(decoded)  # in queue order: SQL aggregates a group's rows in no order it promises
        return self._rows

    @rows.setter
    def rows(self, rows: list[Row]) -> None:
        self._rows, self._ids, self._encoded = rows, None, None

    @property
    def ids(self) -> list[int]:
        if self._rows is None:
            return list(self._ids)
        return [r[0] for r in self._rows]

    def fired_at(self, default: datetime) -> datetime:
        """The clock that fired the items (the sweep's `now`, the action's time), not the wall clock: the digest
        then reads the same on every attempt."""
        times = [_instant(p.get("fired_at") or p.get("at")) for _, _, p in self.rows]
        known = [t for t in times if t is not None]
        return max(known) if known else default


def _instant(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    try:
        found = datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    return found if found is None or found.tzinfo else None


class Channel(Protocol):
    name: str

    def addresses(self, session: Session, recipients: Sequence[Recipient]) -> list[Address | None]:
        """Where this channel reaches each recipient now (None when it cannot), in one look-up."""

    def address(self, session: Session, row: OutboxMessage) -> Address | None:
        """Where this channel reaches one row's recipient now; None when it cannot."""

    def message_id(self) -> str:
        """A new identifier for one digest, kept for its retries."""

    def unready(self, session: Session) -> str | None:
        """Why this process cannot send on this channel now (a shell without the robots' key), or None: the
        channel's due rows then wait for a process that can, and the flush says so."""

    def attach(self, session: Session, groups: Sequence[Group]) -> None:
        """Load, while the claim's session is open, the files the groups' rows carry (a channel that carries
        none does nothing)."""

    def render(self, group: Group, at: datetime) -> Any:
        """One digest message for the group; raises Refused when it can never be sent (a malformed address)."""

    async def send_all(self, messages: AsyncIterable[Any], done: Outcome, between: Callable[[], None] | None = None
                       ) -> None:
        """Send each message as it comes, over one connection, calling done(index, outcome) right after each; index
        counts the messages in the order they came. between(), when given, may be called right after each write
        to the far side (it does a little of delivery's work while the answer is on its way, and never raises)."""


def render_in_steps(channel: Channel, group: Group, at: datetime) -> Generator[None, None, Any]:
    """The channel's rendering of a group as steps (`render_steps` when it has one, else one step)."""
    steps = getattr(channel, "render_steps", None)
    if steps is not None:
        return (yield from steps(group, at))
    return channel.render(group, at)


def run_steps(steps: Generator[None, None, Any]) -> Any:
    """A rendering's result, its steps run to the end at once."""
    while True:
        try:
            next(steps)
        except StopIteration as finished:
            return finished.value
