"""Read models of a 批示 and its replies (落实情况)."""

from __future__ import annotations

from datetime import datetime

import msgspec


class Reply(msgspec.Struct, frozen=True, kw_only=True):
    text: str
    by: str
    unit: str | None
    at: datetime


class InstructionView(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    measure_id: int
    text: str
    by: str  # the leader whose 批示 it is
    entered_by: str | None  # 营商办, when it entered it on the leader's behalf
    at: datetime
    state: str
    state_label: str
    version: int
    replies: list[Reply]
    allowed_actions: list[str]
