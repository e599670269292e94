"""The persistent outbox: notices written in the same transaction as the change that caused them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from engine.db import AwareDateTime

QUEUED, SENDING, SENT, FAILED = "queued", "sending", "sent", "failed"


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=64, index=True)
    recipient: str = Field(max_length=255, index=True)
    recipient_name: str = Field(default="", max_length=128)
    subject_type: str = Field(default="", max_length=64)
    subject_id: int | None = Field(default=None, index=True)
    payload: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    status: str = Field(default=QUEUED, max_length=16, index=True)
    attempts: int = 0
    created_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    next_attempt_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False, index=True))
    sent_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime()))
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    message_id: str | None = Field(default=None, max_length=255)
    dedupe_key: str | None = Field(default=None, max_length=255, unique=True)

    @property
    def data(self) -> dict[str, Any]:
        return json.loads(self.payload or "{}")


@dataclass(frozen=True)
class Notice:
    """What a workflow wants said, to whom; becomes one outbox row."""

    kind: str
    recipient: str
    recipient_name: str = ""
    subject_type: str = ""
    subject_id: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    dedupe_key: str | None = None

    def to_row(self, now: datetime) -> OutboxMessage:
        return OutboxMessage(kind=self.kind, recipient=self.recipient, recipient_name=self.recipient_name,
                             subject_type=self.subject_type, subject_id=self.subject_id,
                             payload=json.dumps(self.payload, ensure_ascii=False, default=str),
                             created_at=now, next_attempt_at=now, dedupe_key=self.dedupe_key)
