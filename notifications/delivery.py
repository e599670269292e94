"""Outbox delivery: claim due rows, send one digest per address and channel, record each outcome on its rows.

- **One identifier per digest, kept.** A row gets its digest's identifier (the Message-ID, a robot's delivery
  key) at its first attempt and keeps it to its last, whatever failed: a connection dropped after DATA, a
  timeout, a crash between sending and marking (the claim is a lease: `sending` until claim + lease). A row that
  has one is re-sent only with the rows of that same digest, so the receiver sees the same message again and can
  fold it; new rows to the same person make a new digest. At-least-once, never a second identifier.
- **A permanent refusal fails at once.** An SMTP 5xx or a robot's permanent errcode marks the rows `failed` with
  the server's answer; other failures wait with doubling backoff (or the server's Retry-After) until the last
  attempt. A robot message held back by our own pacing waits without spending an attempt.
- **One bad digest never holds back the rest**: a malformed address is refused when rendered, the others go on.
- **Nowhere to go is visible**: a row whose channel is not configured, or whose recipient has no address on its
  channel, fails at once with `failure` NO_CHANNEL / NO_ADDRESS (the 邮件 page and /health list these).
- **Taken in waves, rendered in the server's time**: flush() takes the first FIRST_WAVE digests with the claim
  and sends them at once; a worker thread takes the rest in growing waves meanwhile (rows another sender took in
  between are left to it, and a digest that lost rows is rendered without them). Each digest is rendered a step
  at a time right after each write to the server, while it reads and answers: taken, rendered and only then
  sent, the claim had kept the connection idle for a third of the sending.
- **Outcomes are written a second's worth at a time** (Marker: a worker thread writes what has come in once a
  second has passed since the first of it, or as the last few digests go, and the rest when the sending ends,
  each batch in one statement): a commit per digest made the send loop wait on as many fsyncs, and batches of 20
  digests written beside a fast server took the CPU the server and the send loop needed. A crash loses the
  outcomes not yet written (about a second's at most, with the batch being written), and those rows are re-sent
  under their identifier when the lease runs out.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Generator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy import bindparam, func, literal_column, select, update
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from engine.clock import Clock
from engine.db import collector_paused, is_postgres, utc, write_session
from engine.outbox import (
    DUE_ROWS,
    EXHAUSTED,
    FAILED,
    NO_ADDRESS,
    NO_CHANNEL,
    QUEUED,
    REFUSED,
    SENDING,
    SENT,
    OutboxMessage,
    Recipient,
)
from engine.sealing import NoSealingKey
from notifications.channels import Channel, Deferred, Group, PerRow, Refused, render_in_steps

log = logging.getLogger("reform.outbox")
NO_ADDRESS_TEXT = "收件人在此渠道没有可用的地址（请在管理页面补充邮箱或工作群机器人，或为单位填写主要负责人邮箱）"
DUE = (OutboxMessage.id, OutboxMessage.kind, OutboxMessage.channel, OutboxMessage.user_id, OutboxMessage.unit_id,
       OutboxMessage.endpoint_id, OutboxMessage.recipient_name, OutboxMessage.payload, OutboxMessage.message_id)


@dataclass(frozen=True)
class DeliveryPolicy:
    max_attempts: int = 6
    first_delay: timedelta = timedelta(minutes=1)  # then 2, 4, 8, 16 minutes
    max_delay: timedelta = timedelta(hours=6)
    lease: timedelta = timedelta(minutes=15)  # longer than any flush; a crashed sender's rows return after it
    batch: int = 2000

    @classmethod
    def from_settings(cls, settings) -> DeliveryPolicy:
        """REFORM_MAIL_MAX_ATTEMPTS and REFORM_MAIL_RETRY_SECONDS (the first wait)."""
        return cls(max_attempts=int(settings.mail_max_attempts),
                   first_delay=timedelta(seconds=int(settings.mail_retry_seconds)))

    def backoff(self, attempts: int) -> timedelta:
        return min(self.first_delay * (2 ** max(attempts - 1, 0)), self.max_delay)


@dataclass
class FlushResult:
    sent: int = 0  # outbox rows delivered
    failed: int = 0  # rows refused for good, out of attempts, or with nowhere to go
    deferred: int = 0  # rows that will be retried
    emails: int = 0  # digests (or digest parts' rows) accepted by the receiving side, any channel
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Delivery:
    """What delivery needs, handed in by the composition root."""

    engine: Engine
    clock: Clock
    channels: Mapping[str, Channel]
    policy: DeliveryPolicy = DeliveryPolicy()


def flush(d: Delivery) -> FlushResult:
    """Deliver what is due now, in waves: the first FIRST_WAVE digests are taken with the claim and go at once; the
    others are taken by a worker thread while those are sent (each wave in its own transaction, WAVE_GROWTH times
    the one before), and every digest is rendered a step at a time while the server answers the one before it.
    Taken all at once, then rendered, then sent, the claim kept the connection idle for a third of the sending."""
    result = FlushResult()
    with collector_paused():
        asyncio.run(_flush(d, utc(d.clock.now()), result))
    return result


async def _flush(d: Delivery, now: datetime, result: FlushResult) -> None:
    with ThreadPoolExecutor(1, thread_name_prefix="outbox-db") as worker:
        with write_session(d.engine) as session:
            groups = _plan(session, d, now, result)
            waves = _waves(groups)
            if waves:
                _take(session, waves[0], now + d.policy.lease)  # under the plan's row locks
        until = now + d.policy.lease
        for wave in waves[1:]:
            taking = worker.submit(_take_wave, d, wave, now, until)
            for group in wave:
                group.taking = taking
        if groups:
            await deliver(d, groups, result, worker)


FIRST_WAVE, WAVE_GROWTH = 8, 4


def _waves(groups: list[Group]) -> list[list[Group]]:
    waves, start, size = [], 0, FIRST_WAVE
    while start < len(groups):
        waves.append(groups[start:start + size])
        start, size = start + size, size * WAVE_GROWTH
    return waves


# -- claiming


def claim(d: Delivery, now: datetime, result: FlushResult | None = None) -> list[Group]:
    """Take every due row (and rows of a crashed sender whose lease ran out) in one transaction, grouped into
    digests and rendered, ready for `deliver`: what an operator's tools and the tests use; flush() takes in waves."""
    result = result if result is not None else FlushResult()
    with collector_paused(), write_session(d.engine) as session:
        taken = _plan(session, d, now, result)
        _take_rendering(session, d, taken, now)
        return taken


def _plan(session: Session, d: Delivery, now: datetime, result: FlushResult) -> list[Group]:
    """The due rows, locked (PostgreSQL skips rows another sender holds), grouped into digests with their files."""
    batch = (select(*DUE).where(OutboxMessage.waiting(), OutboxMessage.next_attempt_at <= now)
             .order_by(OutboxMessage.id).limit(d.policy.batch))
    if blocked := _unready(session, d, now, result):  # left out of the batch, so they never crowd out the rest
        batch = batch.where(OutboxMessage.channel.not_in(blocked))
    postgres = is_postgres(session)
    if postgres:
        batch = batch.with_for_update(skip_locked=True)
    by_channel: dict[str, list] = {}
    for row in session.execute(_by_recipient(batch.cte("batch"), postgres)):
        by_channel.setdefault(row.channel, []).append(row)
    groups: dict[tuple, Group] = {}
    for name, rows in by_channel.items():
        _group(session, d.channels.get(name), name, rows, groups, result)
    for name in by_channel:
        if (attach := getattr(d.channels.get(name), "attach", None)) is not None:
            attach(session, _readable([g for g in groups.values() if g.channel == name and g.attaches]))
    return list(groups.values())


def _readable(groups: list[Group]) -> list[Group]:
    """The groups whose rows decode. One that does not is set to go as its own failure (Refused, its `prepared`
    message), and the claim goes on: raised here, it stopped every flush while the row waited."""
    readable = []
    for group in groups:
        try:
            _ = group.rows  # decoded here, where its files are looked for
        except Refused as exc:
            group.prepared = exc
        else:
            readable.append(group)
    return readable


# A batch's rows grouped in SQL by recipient and identifier, each group's ids and its rows as one JSON list of
# [id, kind, payload]: Python then handles a row per digest (some 200) instead of one per outbox row (2,000), and
# a digest's payloads are decoded when it is rendered, after the first digests have gone (see Group). Whether a
# group's rows may carry a file is seen in SQL too, so only those are decoded to load their files at claim.
_AGGREGATES = {
    True: ("string_agg(CAST(batch.id AS TEXT), ',')",
           "'[' || string_agg('[' || batch.id || ',' || to_json(batch.kind)::text || ',' || "
           "COALESCE(NULLIF(batch.payload, ''), '{}') || ']', ',') || ']'",
           "bool_or(strpos(batch.payload, '\"attach\"') > 0)"),
    False: ("group_concat(batch.id, ',')",
            "'[' || group_concat('[' || batch.id || ',' || json_quote(batch.kind) || ',' || "
            "COALESCE(NULLIF(batch.payload, ''), '{}') || ']', ',') || ']'",
            "MAX(instr(batch.payload, '\"attach\"') > 0)")}


def _by_recipient(batch, postgres: bool):
    keys = (batch.c.channel, batch.c.user_id, batch.c.unit_id, batch.c.endpoint_id, batch.c.recipient_name,
            batch.c.message_id)
    first = func.min(batch.c.id)
    ids, rows, attaches = (literal_column(sql) for sql in _AGGREGATES[postgres])
    return (select(*keys, first.label("first"), ids.label("ids"), rows.label("rows"), attaches.label("attaches"))
            .group_by(*keys).order_by(first))


def _unready(session: Session, d: Delivery, now: datetime, result: FlushResult) -> list[str]:
    """The channels this process cannot send on now (a shell without the robots' key): their due rows wait for a
    process that can, said in the result, and are not selected at all. Selected, a queue's head of such rows would
    fill every batch of this process and leave the mail behind them unsent."""
    blocked = []
    for name, channel in d.channels.items():
        why = channel.unready(session)
        if why is None:
            continue
        blocked.append(name)
        waiting = session.execute(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.waiting(), OutboxMessage.next_attempt_at <= now, OutboxMessage.channel == name)).scalar()
        if waiting:
            result.errors.append(f"{waiting} 条{name}通知本次未发送，仍在队列中：{why}")
            log.error("outbox: %d rows on %s left queued: %s", waiting, name, why)
    return blocked


def _take_rendering(session: Session, d: Delivery, groups: list[Group], now: datetime) -> None:
    """Take the rows in a worker thread while the digests are rendered here (the update is the database's work:
    the driver lets go of the GIL while it waits, SQLite's too while it steps). Nothing is sent before the claim
    commits."""
    if not groups:
        return
    with ThreadPoolExecutor(1, thread_name_prefix="outbox-take") as worker:
        taking = worker.submit(_take, session, groups, now + d.policy.lease)
        try:
            for group in groups:
                group.prepared = _render(d.channels[group.channel], group, now)
        finally:
            taking.result()


def _render(channel: Channel, group: Group, now: datetime) -> Any:
    """The group's message, or why it cannot be sent: Refused (a malformed address), or a template bug's error."""
    try:
        return channel.render(group, now)
    except Refused as exc:
        return exc
    except Exception as exc:  # a template bug holds back this digest, not the others
        log.exception("outbox: cannot render digest for %s", group.address.shown)
        return exc


OUTBOX = OutboxMessage.__table__
_DATES = {"b_until": OUTBOX.c.next_attempt_at.type, "b_now": OUTBOX.c.next_attempt_at.type,
          "b_at": OUTBOX.c.sent_at.type}


def _typed(sql: str):
    statement = sql_text(sql)
    return statement.bindparams(*(bindparam(k, type_=t) for k, t in _DATES.items() if f":{k}" in sql))


# Every row of a wave taken in one statement, each with its digest's identifier, address and name: an
# executemany (a parameter set per row) cost more than the SQL. The digests go as one JSON list, each with its
# ids, so an identifier and address are sent once per digest and nothing is bound per row. PostgreSQL is given
# the ids as an array too: without it, it guessed the JSON's size and hashed the whole outbox, sent rows and all.
_TAKE_SET = ("SET status = :b_status, attempts = outbox.attempts + 1, message_id = v.mid, recipient = v.rto, "
             "recipient_name = v.rname, next_attempt_at = :b_until")
TAKE_PG = _typed(f"UPDATE outbox {_TAKE_SET} FROM (SELECT CAST(i.value AS INTEGER) AS id, g.value->>0 AS mid, "
                 "g.value->>1 AS rto, g.value->>2 AS rname FROM json_array_elements(CAST(:b_groups AS JSON)) AS g, "
                 "json_array_elements_text(g.value->3) AS i) AS v "
                 "WHERE outbox.id = v.id AND outbox.id = ANY(CAST(:b_ids AS INTEGER[]))")
TAKE_SQLITE = _typed(f"UPDATE outbox {_TAKE_SET} FROM (SELECT i.value AS id, json_extract(g.value, '$[0]') AS mid, "
                     "json_extract(g.value, '$[1]') AS rto, json_extract(g.value, '$[2]') AS rname "
                     "FROM json_each(:b_groups) AS g, json_each(g.value, '$[3]') AS i) AS v WHERE outbox.id = v.id")
# A later wave's rows are no longer locked by the plan's SELECT: another sender may have taken some meanwhile.
# They are locked again, those still due (PostgreSQL skipping what another sender holds), before the take. (Put
# into the take's own WHERE, the condition made PostgreSQL join the JSON to the outbox in a nested loop: 1.5 s.)
STILL_DUE = (f"SELECT id, message_id FROM outbox WHERE {DUE_ROWS} AND next_attempt_at <= :b_now AND id ")
STILL_DUE_PG = _typed(STILL_DUE + "= ANY(CAST(:b_ids AS INTEGER[])) FOR UPDATE SKIP LOCKED")
STILL_DUE_SQLITE = _typed(STILL_DUE + "IN (SELECT value FROM json_each(:b_ids))")
# Taken digests of a batch in one statement. A row is matched by id and `sending` alone: its message_id never
# changes, so it would not tell a reclaimed row apart, and a row another sender reclaimed after our lease ran
# out was sent all the same (by us, under the same Message-ID). The ids go as one array (a JSON list on SQLite):
# 2,000 bound parameters cost more to render and plan than the update.
TAKEN_SET = "SET status = :b_sent, sent_at = :b_at, last_error = '', failure = '' "
TAKEN_PG = _typed(f"UPDATE outbox {TAKEN_SET} WHERE id = ANY(CAST(:b_ids AS INTEGER[])) AND status = :b_sending")
TAKEN_SQLITE = _typed(f"UPDATE outbox {TAKEN_SET} WHERE id IN (SELECT value FROM json_each(:b_ids)) "
                      "AND status = :b_sending")


def _ids_param(session: Session, ids: list[int]) -> Any:
    return ids if is_postgres(session) else msgspec.json.encode(ids).decode()


def _take(session: Session, groups: list[Group], until: datetime, only: set[int] | None = None) -> set[int]:
    """The groups' rows (those in `only`, when given) marked `sending` under their digests' identifiers until
    `until`; the ids taken."""
    parts = [(g, g.ids if only is None else [i for i in g.ids if i in only]) for g in groups]
    parts = [(g, ids) for g, ids in parts if ids]
    if not parts:
        return set()
    taken = msgspec.json.encode([(g.message_id, g.address.shown[:255], g.address.name[:128], ids)
                                 for g, ids in parts]).decode()
    params = {"b_groups": taken, "b_status": SENDING, "b_until": until}
    all_ids = [i for _, ids in parts for i in ids]
    if is_postgres(session):
        session.connection().execute(TAKE_PG, {**params, "b_ids": all_ids})
    else:
        session.connection().execute(TAKE_SQLITE, params)
    return set(all_ids)


def _take_wave(d: Delivery, wave: list[Group], now: datetime, until: datetime) -> set[int]:
    """A later wave, in its own transaction: the rows still due and still without another digest's identifier."""
    ids = [i for g in wave for i in g.ids]
    with write_session(d.engine) as session:
        still = STILL_DUE_PG if is_postgres(session) else STILL_DUE_SQLITE
        due = dict(session.connection().execute(still, {"b_now": now, "b_ids": _ids_param(session, ids)}).all())
        mine = {i for g in wave for i in g.ids if i in due and due[i] in (None, "", g.message_id)}
        return _take(session, wave, until, mine)


def _group(session: Session, channel: Channel | None, name: str, rows: list, groups: dict[tuple, Group],
           result: FlushResult) -> None:
    """`rows`: the batch's rows of one channel, a row per recipient and identifier (see _by_recipient)."""
    ids = [sorted(map(int, r.ids.split(","))) for r in rows]
    if channel is None:
        _nowhere(session, sorted(i for each in ids for i in each), NO_CHANNEL, f"未配置的发送渠道：{name}", result)
        return
    try:
        addresses = channel.addresses(session, [Recipient(r.user_id, r.unit_id, r.recipient_name, r.endpoint_id)
                                                for r in rows])
    except NoSealingKey as exc:  # e.g. robots sealed, and this process has no key: they wait
        count = sum(map(len, ids))
        result.errors.append(f"{count} 条{name}通知本次未发送，仍在队列中：{exc}")
        log.error("outbox: %d rows on %s left queued: %s", count, name, exc)
        return
    missing = []
    for row, address, each in zip(rows, addresses, ids, strict=True):
        if address is None:
            missing.extend(each)
            continue
        # a row that was tried before goes again only with the rows of its own digest, under its identifier; two
        # recipients at one address (two accounts, one mailbox) get one digest
        key = (name, row.message_id or "", address.key)
        group = groups.get(key)
        if group is None:
            groups[key] = Group(name, address, row.message_id or channel.message_id(), ids=each, encoded=[row.rows],
                                attaches=bool(row.attaches))
        else:
            group.add(each, row.rows)
            group.attaches = group.attaches or bool(row.attaches)
    if missing:
        _nowhere(session, sorted(missing), NO_ADDRESS, NO_ADDRESS_TEXT, result)


def _nowhere(session: Session, ids: list[int], failure: str, text: str, result: FlushResult) -> None:
    session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                    .values(status=FAILED, failure=failure, last_error=text))
    result.failed += len(ids)
    result.errors.append(f"{len(ids)} 条通知：{text}")
    log.warning("outbox: %d rows have nowhere to go (%s): %s", len(ids), failure, ids[:20])


# -- sending


async def deliver(d: Delivery, groups: list[Group], result: FlushResult,
                  worker: ThreadPoolExecutor | None = None) -> None:
    """Send the groups, channel by channel; outcomes are written by `worker` (the thread that takes later waves:
    one after the other, so on SQLite they never wait on each other's lock) or by a thread of its own."""
    by_channel: dict[str, list[Group]] = {}
    for group in groups:
        by_channel.setdefault(group.channel, []).append(group)
    own = worker is None
    marker = Marker(d, result, worker or ThreadPoolExecutor(1, thread_name_prefix="outbox-marker"), len(groups))
    with collector_paused():
        try:
            for name, mine in by_channel.items():
                await _deliver_channel(d.channels[name], mine, d.clock.now(), marker)
        finally:
            marker.write()
            if own:
                marker.worker.shutdown(wait=True)


async def _deliver_channel(channel: Channel, groups: list[Group], now: datetime, marker: Marker) -> None:
    """Each digest waits for its wave's take, then goes; the renderer works in the server's time (see Renderer)."""
    ready: list[Group] = []
    renderer = Renderer(channel, groups, now)

    async def messages() -> AsyncIterator:
        for index, group in enumerate(groups):
            kept = await _taken(group, marker.result) if group.taking is not None else True
            if kept is None:  # none of its rows is this sender's any more (or its wave could not be taken)
                continue
            message = renderer.message(index, fresh=kept)
            if isinstance(message, Exception):  # a malformed address, a template bug: this digest fails, the others go
                marker.add(group, message)
                continue
            ready.append(group)
            yield message

    await channel.send_all(messages(), lambda index, outcome: marker.add(ready[index], outcome), renderer.step)


async def _taken(group: Group, result: FlushResult) -> bool | None:
    """Once its wave is taken: True when the group has all its rows, False when it lost some to another sender
    (they go in that sender's digest, and this one is rendered again without them), None when it has none."""
    taking, group.taking = group.taking, None
    try:
        taken = taking.result() if taking.done() else await asyncio.wrap_future(taking)
    except Exception as exc:  # its rows stay as they were, due, and the next flush takes them
        log.exception("outbox: cannot take a wave of digests")
        result.errors.append(f"未能领取待发通知：{_text(exc)}")
        return None
    if all(i in taken for i in group.ids):
        return True
    try:
        kept = [row for row in group.rows if row[0] in taken]
    except Refused as exc:  # its taken rows come back when their lease runs out, and then fail as unreadable
        log.error("outbox: digest to %s cannot be read: %s", group.address.shown, exc.answer)
        return None
    group.rows = kept
    return False if kept else None


class Renderer:
    """A channel's digests rendered in order, a little at a time, by step(): the channel calls it right after each
    write to the server, so the rendering runs while the server reads and answers (a loopback SMTP server takes
    some 0.2 ms a command). Each call renders for about BUDGET seconds, a rendering step (a few of a digest's
    lines, its text part, its HTML part, its MIME message: some 0.05 ms each) after another, running ahead into the
    next digests when it can: one step a call fell behind (a digest of ten lines is five steps, its mail four
    writes), and message(i), which finishes what is left of digest i (and anything before it) at once, held up
    the sending by 17 ms in 2,000 rows. Rendered between two messages instead, each digest held up the sending by
    its whole time; rendered before the first, they all did."""

    BUDGET = 0.0001

    def __init__(self, channel: Channel, groups: list[Group], now: datetime) -> None:
        self.channel, self.groups, self.now = channel, groups, now
        self.made: dict[int, Any] = {}  # index -> message, or why it cannot be sent
        self.next = 0  # the next digest to start
        self.steps: Generator[None, None, Any] | None = None
        self.doing = -1

    def step(self) -> None:
        until = time.perf_counter() + self.BUDGET
        while self._advance() and time.perf_counter() < until:
            pass

    def _advance(self) -> bool:
        """One rendering step; False when there is nothing left to render."""
        if self.steps is None:
            while self.next < len(self.groups) and self.groups[self.next].prepared is not None:
                self.next += 1  # rendered at claim
            if self.next >= len(self.groups):
                return False
            self.doing, self.next = self.next, self.next + 1
            self.steps = render_in_steps(self.channel, self.groups[self.doing], self.now)
        try:
            next(self.steps)
            return True
        except StopIteration as finished:
            self.made[self.doing] = finished.value
        except Refused as exc:
            self.made[self.doing] = exc
        except Exception as exc:  # a template bug holds back this digest, not the others
            log.exception("outbox: cannot render digest for %s", self.groups[self.doing].address.shown)
            self.made[self.doing] = exc
        self.steps = None
        return True

    def message(self, index: int, fresh: bool = True) -> Any:
        """Digest `index`'s message; fresh=False when its rows changed since it may have been rendered."""
        group = self.groups[index]
        if group.prepared is not None:
            message, group.prepared = group.prepared, None
            return message
        if not fresh:
            self.made.pop(index, None)
            if self.doing == index:
                self.steps = None
            return _render(self.channel, group, self.now)
        while index not in self.made and (self.steps is not None or self.next <= index):
            self._advance()
        return self.made.pop(index)


# -- marking


class Marker:
    """Outcomes written in batches by one worker thread while the sending goes on, and what is left when it ends.

    A batch starts once the previous one is written and either WITHIN seconds have passed since the first of its
    outcomes (the time bounds what a crash loses, with the batch being written) or the last TAIL digests are
    being sent (the update then runs while they go, and the end waits only for theirs). A batch is one statement
    whatever its size. Batches of 20 digests, written beside a loopback server that answers in a quarter of a
    millisecond, cost more than they saved: on two cores their commits and their GIL time were taken from the
    server and the send loop. Written all at the end, the update of 2,000 rows held the flush for some 25 ms.
    A real server answers in milliseconds, and then the batches are a second's digests each.
    """

    WITHIN, TAIL = 1.0, 25

    def __init__(self, d: Delivery, result: FlushResult, worker: ThreadPoolExecutor, expected: int) -> None:
        self.d, self.result, self.worker = d, result, worker
        self.pending: list[tuple[Group, Exception | None]] = []
        self.since = 0.0
        self.writing: Future | None = None
        self.left = expected  # digests whose outcome has not come yet (some may never come: taken by another sender)

    def add(self, group: Group, outcome: Exception | None) -> None:
        if not self.pending:
            self.since = time.monotonic()
        self.pending.append((group, outcome))
        self.left -= 1
        if self.writing is not None and not self.writing.done():
            return
        if self.left <= self.TAIL or time.monotonic() - self.since >= self.WITHIN:
            batch, self.pending = self.pending, []
            self.writing = self.worker.submit(self._write, batch)

    def write(self) -> None:
        """When sending ends: write the rest after the batch being written, and wait for it."""
        batch, self.pending = self.pending, []
        self.writing = None
        self.worker.submit(self._write, batch).result()

    def _write(self, batch: list[tuple[Group, Exception | None]]) -> None:
        if not batch:
            return
        try:
            mark_all(self.d, batch, self.result)
        except Exception:  # the rows stay `sending`; their lease brings them back with their identifier
            log.exception("outbox: cannot record %d outcomes", len(batch))


def mark_all(d: Delivery, batch: list[tuple[Group, Exception | None]], result: FlushResult) -> None:
    now = utc(d.clock.now())
    with write_session(d.engine) as session:
        taken = [g for g, outcome in batch if outcome is None]
        if taken:  # the common case, in one statement
            ids = [i for g in taken for i in g.ids]
            params = {"b_sent": SENT, "b_at": now, "b_sending": SENDING, "b_ids": _ids_param(session, ids)}
            done = session.connection().execute(TAKEN_PG if is_postgres(session) else TAKEN_SQLITE, params)
            result.sent += done.rowcount
            result.emails += len(taken)
        for group, outcome in batch:
            if outcome is not None:
                mark(session, d.policy, group, outcome, now, result)


def mark(session: Session, policy: DeliveryPolicy, group: Group, outcome: Exception | None, now: datetime,
         result: FlushResult) -> None:
    """Record one digest's outcome on its rows, unless another sender has reclaimed them meanwhile."""
    if isinstance(outcome, PerRow):
        by_outcome: dict[int, tuple[Exception | None, list[int]]] = {}
        for row_id, each in outcome.outcomes.items():
            by_outcome.setdefault(id(each), (each, []))[1].append(row_id)
        taken = False
        for each, ids in by_outcome.values():
            taken |= _mark_rows(session, policy, group, ids, each, now, result) and each is None
        result.emails += taken
        return
    if _mark_rows(session, policy, group, group.ids, outcome, now, result) and outcome is None:
        result.emails += 1


def _mark_rows(session: Session, policy: DeliveryPolicy, group: Group, ids: list[int], outcome: Exception | None,
               now: datetime, result: FlushResult) -> bool:
    mine = (OutboxMessage.id.in_(ids), OutboxMessage.status == SENDING, OutboxMessage.message_id == group.message_id)
    if outcome is None:
        done = session.execute(update(OutboxMessage).where(*mine)
                               .values(status=SENT, sent_at=now, last_error="", failure="")).rowcount
        result.sent += done
        return bool(done)
    text = _text(outcome)
    result.errors.append(f"{group.address.shown}: {text}")
    log.warning("outbox: digest to %s not taken: %s", group.address.shown, text)
    if isinstance(outcome, Refused):
        done = session.execute(update(OutboxMessage).where(*mine)
                               .values(status=FAILED, failure=REFUSED, last_error=text)).rowcount
        result.failed += done
        return bool(done)
    for row in session.execute(select(OutboxMessage).where(*mine)).scalars():
        _retry_or_fail(policy, row, outcome, text, now, result)
        session.add(row)
    return True


def _retry_or_fail(policy: DeliveryPolicy, row: OutboxMessage, outcome: Exception, text: str, now: datetime,
                   result: FlushResult) -> None:
    row.last_error = text
    after = timedelta(seconds=outcome.after or 0) if isinstance(outcome, Deferred) else timedelta(0)
    if isinstance(outcome, Deferred) and not outcome.counted:  # never tried (our own pacing): no attempt spent
        row.status, row.attempts, row.next_attempt_at = QUEUED, max(row.attempts - 1, 0), now + after
        result.deferred += 1
    elif row.attempts < policy.max_attempts:
        row.status, row.next_attempt_at = QUEUED, now + max(after, policy.backoff(row.attempts))
        result.deferred += 1
    else:
        row.status, row.failure = FAILED, EXHAUSTED
        result.failed += 1


def _text(outcome: Exception) -> str:
    if isinstance(outcome, Refused):
        return outcome.answer[:2000]
    if isinstance(outcome, Deferred):
        return outcome.reason[:2000]
    return f"{type(outcome).__name__}: {outcome}"[:2000]
