"""The group-robot channel: digests to a unit's robots (钉钉/渝快政, 企业微信, a generic JSON webhook) via the outbox.

- Group key: one digest per webhook URL (the delivery groups rows by address; a robot's address is its URL).
- Rendered when claimed, with the time that fired the items, as Markdown parts that fit the robot's size limit.
- Each part carries a delivery key `{digest id}:{sha256 of its rows' ids}[:12]`, kept on retries: the digest id
  is the rows' message_id (kept from the first attempt to the last) and the rows are the part's, so a part
  re-sent after a dropped connection has the same key even when the parts already taken are not sent again (a
  key over the body would change then: the header counts the items). A generic webhook gets it as
  X-Reform-Delivery and can fold duplicates; 钉钉 and 企业微信 have no such field.
- Answers (notifications/robot_answers.py) map to the outbox: sent; retry (after max(Retry-After or the robot's
  pause, backoff)); "paced" by our own 20-a-minute limit: retry without spending an attempt; failed: at once,
  with the robot's answer. Each part's rows get their part's outcome.
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from collections.abc import AsyncIterable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from sqlmodel import Session

from engine.outbox import Address, OutboxMessage, Recipient
from engine.sealing import UNREADABLE, NoSealingKey, sealer_of
from notifications.channels import Deferred, Group, Outcome, PerRow, Refused
from notifications.digest import digest_item, first_words, subject_for
from notifications.labels import ESCALATION, kind_text
from notifications.robots import (
    FAILED,
    KINDS,
    SENT,
    Pacing,
    RobotItem,
    RobotSender,
    RobotTarget,
    body_for,
    render_parts,
)

KIND_LABELS = {"dingtalk": "钉钉 / 渝快政", "wecom": "企业微信", "webhook": "通用 JSON Webhook"}
# httpx logs every request line at INFO, and a webhook's URL is its credential (access_token, key, sign).
logging.getLogger("httpx").setLevel(logging.WARNING)


class Webhook(Protocol):
    """What the directory knows of one robot (workflows.models.UnitWebhook)."""

    url: str
    kind: str
    secret: str
    name: str


Resolver = Callable[[Session, Sequence[Recipient]], list[Webhook | None]]


def masked(text: str, keep: int = 4) -> str:
    """A secret shown as its first and last few characters: SEC1…cdef."""
    if not text:
        return ""
    return text[:keep] + "…" + text[-keep:] if len(text) > 3 * keep else "…" * 3


def masked_url(url: str) -> str:
    """The webhook with its token masked (access_token=ab12…90ef): its query values are credentials."""
    return re.sub(r"(?<=[?&])([^=&#]+)=([^&#]+)", lambda m: f"{m.group(1)}={masked(m.group(2))}", url)


@dataclass(frozen=True)
class RobotAddress(Address):
    target: RobotTarget | None = None

    @property
    def shown(self) -> str:
        return masked_url(self.value)

    @property
    def key(self) -> str:
        return self.value


@dataclass(frozen=True)
class RobotDigest:
    target: RobotTarget
    parts: tuple[tuple[dict, str, tuple[int, ...]], ...]  # (JSON body, delivery key, outbox ids of its items)


def robot_item(outbox_id: int, kind: str, payload: dict[str, Any], base_url: str) -> RobotItem:
    mid = payload.get("measure_id")
    units = payload.get("units") or []
    escalation = kind == ESCALATION
    return RobotItem(
        level=(payload.get("level") or "") if escalation else "",
        level_label=(payload.get("level_label") or "") if escalation else "", kind_label=kind_text(kind).label,
        item_no=str(payload.get("item_no") or ""), item_title=str(payload.get("item_title") or ""),
        measure_first_words=first_words(payload.get("measure_text") or ""),
        unit=payload.get("unit") or (units[0] if units else ""),
        due_date=date.fromisoformat(payload["due_date"][:10]) if payload.get("due_date") else None,
        overdue_workdays=payload.get("overdue_workdays") if escalation else None,
        link=f"{base_url.rstrip('/')}/measures/{mid}" if mid else base_url.rstrip("/"),
        copy=bool(payload.get("copy")), ref=str(outbox_id))


def delivery_key(digest_id: str, ids: Sequence[int]) -> str:
    return f"{digest_id}:{hashlib.sha256(','.join(map(str, sorted(ids))).encode()).hexdigest()[:12]}"


def outcome_error(outcome) -> Exception | None:
    """A robot's answer as the outbox reads it."""
    if outcome.status == SENT:
        return None
    said = f"{outcome.reason}: {outcome.answer}" if outcome.answer else outcome.reason
    if outcome.status == FAILED:
        return Refused(said)
    if outcome.reason == "paced":  # held back by our own per-robot pacing: it was never sent
        return Deferred("等待发送：每个机器人每分钟最多 20 条", outcome.retry_after, counted=False)
    return Deferred(said, outcome.retry_after)


class RobotChannel:
    name = "robot"

    def __init__(self, base_url: str, resolve: Resolver, *, pacing: Pacing | None = None,
                 timeout: float = 10.0) -> None:
        self.base_url, self.resolve, self.timeout = base_url, resolve, timeout
        self.pacing = pacing or Pacing()  # per process, across flushes: the robots' limit is per minute

    def addresses(self, session: Session, recipients: Sequence[Recipient]) -> list[Address | None]:
        return [self._address(hook) for hook in self.resolve(session, recipients)]

    @staticmethod
    def unready(session: Session) -> str | None:
        """Why this process cannot send to robots now (it has no key to open their credentials), or None."""
        try:
            sealer_of(session).digest("")
        except NoSealingKey as exc:
            return str(exc)
        return None

    def address(self, session: Session, row: OutboxMessage) -> Address | None:
        return self.addresses(session, [row.to])[0]

    @staticmethod
    def _address(hook: Webhook | None) -> RobotAddress | None:
        if hook is None or hook.kind not in KINDS or UNREADABLE in (hook.url, hook.secret):  # a former key's
            return None
        target = RobotTarget(hook.url, hook.kind, hook.secret or None, hook.name)
        return RobotAddress(hook.url, hook.name, target)

    def message_id(self) -> str:
        return f"robot-{uuid.uuid4().hex}"

    def render(self, group: Group, at: datetime) -> RobotDigest:
        target = group.address.target
        fired = group.fired_at(at)
        title = subject_for([digest_item(oid, kind, p, self.base_url) for oid, kind, p in group.rows])
        items = [robot_item(oid, kind, p, self.base_url) for oid, kind, p in group.rows]
        parts = []
        for part in render_parts(title, items, fired, target.kind):
            ids = tuple(int(i.ref) for i in part.items)
            parts.append((body_for(target, title, part.markdown, part.items), delivery_key(group.message_id, ids),
                          ids))
        return RobotDigest(target, tuple(parts))

    async def send_all(self, messages: AsyncIterable[RobotDigest], done: Outcome,
                       between: Callable[[], None] | None = None) -> None:
        """between is not called: a robot's answer is an HTTP round trip of tens of milliseconds, paced, and its
        digests are rendered as they come."""
        async with RobotSender(pacing=self.pacing, total_timeout=self.timeout,
                               connect_timeout=min(5.0, self.timeout)) as sender:
            index = -1
            async for digest in messages:
                index += 1
                outcomes: dict[int, Exception | None] = {}
                for body, key, ids in digest.parts:
                    error = outcome_error(await sender.send(digest.target, body, key))
                    outcomes.update(dict.fromkeys(ids, error))
                errors = set(map(id, outcomes.values()))
                done(index, next(iter(outcomes.values())) if len(errors) == 1 else PerRow(outcomes))
