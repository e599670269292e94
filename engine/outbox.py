"""The persistent outbox: notices written in the same transaction as the change that caused them.

A row is addressed to a person (a user) or a unit (its own address: the head's mail, a group robot) on a
channel; the address itself is looked up when the row is delivered, so a corrected address or display
name reaches the next delivery.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, Text
from sqlalchemy import text as sql_text
from sqlmodel import Field, Session, SQLModel

from engine.db import AwareDateTime, constants

QUEUED, SENDING, SENT, FAILED = "queued", "sending", "sent", "failed"
STATUSES = (QUEUED, SENDING, SENT, FAILED)
# Why a row failed: it had nowhere to go (no channel, no address), the receiving side refused it for good, or it
# used its last attempt. The first two are "unaddressed": the people meant to read it were never reached.
NO_CHANNEL, NO_ADDRESS, REFUSED, EXHAUSTED = "no_channel", "no_address", "refused", "exhausted"
UNADDRESSED = (NO_CHANNEL, NO_ADDRESS)
# The outbox's indexes are the ones its queries use: every other index made each claim and each mark (2,000 rows
# updated twice a batch) write a new entry per row in each of them. Rows waiting or being sent (the claim, the
# operator's flush, /health's oldest) and failed rows (the 邮件 page, retry) are few: each has a partial index.
DUE_ROWS = f"status IN ('{QUEUED}', '{SENDING}')"
FAILED_ROWS = f"status = '{FAILED}'"


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "next_attempt_at", postgresql_where=sql_text(DUE_ROWS),
                            sqlite_where=sql_text(DUE_ROWS)),
                      Index("ix_outbox_failed", "id", postgresql_where=sql_text(FAILED_ROWS),
                            sqlite_where=sql_text(FAILED_ROWS)))

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=64)
    channel: str = Field(default="email", max_length=32)
    user_id: int | None = Field(default=None)
    unit_id: int | None = Field(default=None)
    endpoint_id: int | None = Field(default=None)  # one of the unit's own endpoints on the channel (a robot)
    recipient: str = Field(default="", max_length=255)  # the address it was (last) sent to
    recipient_name: str = Field(default="", max_length=128)
    subject_type: str = Field(default="", max_length=64)
    subject_id: int | None = Field(default=None)  # not indexed: nothing reads the outbox by subject (0017)
    payload: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    status: str = Field(default=QUEUED, max_length=16)
    attempts: int = 0
    created_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    next_attempt_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime()))
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    failure: str = Field(default="", max_length=16)  # "" or one of NO_CHANNEL, NO_ADDRESS, REFUSED, EXHAUSTED
    message_id: str | None = Field(default=None, max_length=255)
    dedupe_key: str | None = Field(default=None, max_length=255, unique=True)

    @classmethod
    def waiting(cls):
        """Rows queued or being sent, in the words of ix_outbox_due: SQLite uses a partial index only for a query
        that repeats its condition with the same constants (a bound parameter does not count)."""
        return cls.status.in_(constants((QUEUED, SENDING)))

    @classmethod
    def in_status(cls, status: str):
        """Rows in one status, said so that the partial indexes (rows waiting, rows failed) serve it."""
        if status == FAILED:
            return cls.status == constants((FAILED,))[0]
        if status in (QUEUED, SENDING):
            return cls.waiting() & (cls.status == status)
        return cls.status == status

    @property
    def data(self) -> dict[str, Any]:
        return json.loads(self.payload or "{}")

    @property
    def to(self) -> Recipient:
        return Recipient(self.user_id, self.unit_id, self.recipient_name, self.endpoint_id)


@dataclass(frozen=True)
class Recipient:
    """Who a notice is for: a user, or a unit's own address when the unit has nobody in the role."""

    user_id: int | None = None
    unit_id: int | None = None
    name: str = ""  # the display name when it was queued, for lists of the outbox
    endpoint_id: int | None = None  # with unit_id: one of the unit's own endpoints (one of its group robots)

    @property
    def key(self) -> str:
        if self.user_id is not None:
            return f"user:{self.user_id}"
        return f"unit:{self.unit_id}" + (f":{self.endpoint_id}" if self.endpoint_id is not None else "")


@dataclass(frozen=True)
class Address:
    """Where a channel reaches a recipient (an email address, a webhook) and the name to greet them by."""

    value: str
    name: str

    @property
    def shown(self) -> str:
        """The address as lists and logs show it; a channel whose addresses hold secrets (a webhook) masks them."""
        return self.value

    @property
    def key(self) -> str:
        """What makes two addresses the same mailbox (one digest): mail addresses ignore case, a URL does not."""
        return self.value.lower()


@dataclass(frozen=True)
class Notice:
    """What a workflow wants said, to whom, on which channel; becomes one outbox row."""

    kind: str
    to: Recipient
    subject_type: str = ""
    subject_id: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    dedupe_key: str | None = None
    channel: str = "email"
    copy: bool = False  # 抄送: the recipient is told for information

    def to_row(self, now: datetime) -> OutboxMessage:
        return OutboxMessage(**self.to_values(now))

    def to_values(self, now: datetime) -> dict[str, Any]:
        """The row's columns as plain values (the rest take their defaults): for a bulk insert of many notices."""
        payload = {**self.payload, "copy": self.copy}
        return {"kind": self.kind, "channel": self.channel, "user_id": self.to.user_id, "unit_id": self.to.unit_id,
                "endpoint_id": self.to.endpoint_id, "recipient_name": self.to.name[:128],
                "subject_type": self.subject_type, "subject_id": self.subject_id,
                "payload": json.dumps(payload, ensure_ascii=False, default=str), "created_at": now,
                "next_attempt_at": now, "dedupe_key": self.dedupe_key}


# Which channels the notices of one change take (each person's choice, a unit's group robots): given by the
# composition root to the engine's service, so every workflow's notices are routed the same way.
Router = Callable[[Session, Sequence[Notice]], list[Notice]]


def unrouted(session: Session, notices: Sequence[Notice]) -> list[Notice]:
    return list(notices)
