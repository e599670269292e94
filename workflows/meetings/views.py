"""The read model of a 推进会议 record."""

from __future__ import annotations

from datetime import date

import msgspec


class MeetingView(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    held_on: date
    title: str
    units: str
    decisions: str
    measures: list[int]
    problems: list[int]
    assigned: list[int] = []  # problems this meeting's decision handed to coordinating units
