"""What people do outside the workflow tables (accounts, units, imports, bursts of failed sign-ins), in the history.

These records join the same hash chain as every action, so `reform audit verify` covers them. They are not
versioned rows: each is numbered after the last record of its subject (a user, a unit, an address).
"""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Index, text
from sqlmodel import Session, select

from engine import history
from engine.history import HistoryRecord

USER, UNIT, SIGNIN, LEDGER = "user", "unit", "signin", "ledger"  # workflow names of the records
# Written by other modules, shown beside these on 管理 · 操作记录: a calendar's notice imported (subject: its year,
# workflows.calendar_store.AUDIT) and an outbox row sent again by hand (notifications.outbox_ops.AUDIT).
CALENDAR, OUTBOX = "calendar", "outbox"
KINDS = {USER: "用户", UNIT: "单位", SIGNIN: "登录安全", LEDGER: "台账导入", CALENDAR: "工作日历", OUTBOX: "通知重发"}
NO_SUBJECT = 0  # an address that was throttled, an import: nothing with an id of its own
COMMAND_LINE = "command line"  # the address a `reform` command records (操作记录 shows it as 命令行)
NAME_MAX = 128  # the history's actor_name column
TRAIL_PAGE = 50

# 操作记录 lists these newest first. They are a sliver of a history that grows with every action on a measure, so
# they have an index of their own, partial: an action on a measure does not write to it.
ADMIN_RECORDS = "workflow IN (" + ", ".join(f"'{k}'" for k in KINDS) + ")"
Index("ix_history_admin_seq", HistoryRecord.__table__.c.seq, postgresql_where=text(ADMIN_RECORDS),
      sqlite_where=text(ADMIN_RECORDS))


def command_line(command: str) -> str:
    """Who acts from the command line, as every record names them: the command and the system account that ran
    it, reform init（root）. (The command line has no signed-in person; its records' address is COMMAND_LINE.)"""
    try:
        account = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        account = ""
    return f"reform {command}（{account}）" if account else f"reform {command}"


def record(session: Session, workflow: str, subject_id: int, action: str, *, by: str, by_id: int | None,
           at: datetime, address: str = "", data: Mapping[str, Any] | None = None, comment: str = "") -> None:
    """One record at the chain's tail, inside the caller's transaction: who (by), when (at), what, from where."""
    history.append(session, workflow=workflow, subject_id=subject_id, action=action, from_state=None, to_state="",
                   version=None, actor_id=by_id, actor_name=by[:NAME_MAX], at=at, comment=comment,
                   data={**(data or {}), "address": address})


def records(session: Session, workflow: str, subject_id: int | None = None) -> list[HistoryRecord]:
    """The records of one kind (of one subject), oldest first."""
    stmt = select(HistoryRecord).where(HistoryRecord.workflow == workflow)
    if subject_id is not None:
        stmt = stmt.where(HistoryRecord.subject_id == subject_id)
    return list(session.exec(stmt.order_by(HistoryRecord.seq)))


def ledger_imported(session: Session, *, by: str, by_id: int | None, at: datetime, address: str, source: str,
                    plan: str, summary: list[str], force: bool, create_units: bool) -> None:
    """A ledger import, on 管理 or from the command line: the file, the plan and the importer's summary lines."""
    record(session, LEDGER, NO_SUBJECT, "imported", by=by, by_id=by_id, at=at, address=address,
           data={"source": source, "plan": plan, "summary": summary, "force": force, "create_units": create_units})


def trail(session: Session, kind: str | None = None, before: int | None = None, limit: int = TRAIL_PAGE
          ) -> tuple[list[HistoryRecord], int | None]:
    """The records of people's changes outside the workflows (KINDS), newest first, `limit` of them from below
    `before` (a record's seq: the keyset of the next page); and the `before` of the page after, if there is one."""
    stmt = select(HistoryRecord).where(text(ADMIN_RECORDS))  # the index's own predicate, as both databases want it
    if kind:
        stmt = stmt.where(HistoryRecord.workflow == kind)
    if before is not None:
        stmt = stmt.where(HistoryRecord.seq < before)
    rows = list(session.exec(stmt.order_by(HistoryRecord.seq.desc()).limit(limit + 1)))
    return rows[:limit], (rows[limit - 1].seq if len(rows) > limit else None)
