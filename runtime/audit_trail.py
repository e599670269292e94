"""管理 · 操作记录, GET /api/admin/audit and `reform audit log`: who changed accounts, units, robots, the ledger, the
calendar or the outbox, when and from where.

The records are the history's own (the same hash chain `reform audit verify` checks); this module only reads
them, newest first, a page at a time, and says in Chinese what each one changed. A robot's token and secret
never reach the history, so they cannot reach this page either.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlmodel import Session, select

from engine.errors import BadRequest
from engine.history import HistoryRecord
from notifications.robot_channel import KIND_LABELS
from workflows import audit_log
from workflows.accounts_models import User
from workflows.dates import cn_date
from workflows.models import REACH_LABELS, Unit
from workflows.roles import ORG

ACTIONS = {
    "added": "添加用户", "activated": "启用用户", "deactivated": "停用用户", "role_changed": "修改角色或单位",
    "password_reset": "重置密码", "reach_changed": "修改提醒渠道", "head_changed": "修改主要负责人",
    "robot_added": "添加工作群机器人", "robot_changed": "修改工作群机器人", "robot_removed": "移除工作群机器人",
    "robot_resealed": "机器人凭据换新密钥加密", "imported": "导入台账", "address_throttled": "来源地址登录失败过多",
    "account_locked": "账户临时锁定", "import": "导入放假通知", "retry": "人工重新发送通知",
    "configured": "按 units.toml 配置单位",
}
ADDRESSES = {audit_log.COMMAND_LINE: "命令行"}
_UNCHANGED = {"head_changed": ("保存时内容未改动",)}  # a form saved as it was: the record says so
SHOWN_MAX = 12  # lines of an import's summary shown; the rest is counted
_decode = msgspec.json.Decoder(dict[str, Any]).decode


@dataclass(frozen=True)
class Entry:
    seq: int
    at: str  # 2022年6月30日 9:05
    kind: str
    kind_label: str
    action: str
    action_label: str
    actor: str  # 张三（zhangsan）, or the name a command line or a throttled sign-in gave
    subject: str
    details: tuple[str, ...]
    address: str

    def as_dict(self) -> dict:
        return {"seq": self.seq, "at": self.at, "kind": self.kind, "kind_label": self.kind_label,
                "action": self.action, "action_label": self.action_label, "actor": self.actor,
                "subject": self.subject, "details": list(self.details), "address": self.address}


@dataclass(frozen=True)
class _Names:
    users: dict[int, tuple[str, str]]  # id -> (username, display name): never more of the account than that
    units: dict[int, str]

    @classmethod
    def of(cls, session: Session, rows: Sequence[HistoryRecord], data: Sequence[dict]) -> _Names:
        """The people and units the page names, in two queries whatever its length."""
        user_ids = {r.actor_id for r in rows if r.actor_id} | {
            r.subject_id for r in rows if r.workflow in (audit_log.USER, audit_log.SIGNIN) and r.subject_id}
        unit_ids = {r.subject_id for r in rows if r.workflow == audit_log.UNIT}
        for d in data:  # a user added to a unit, or moved from one to another
            for part in (d, d.get("before"), d.get("after")):
                if isinstance(part, dict) and isinstance(part.get("unit_id"), int):
                    unit_ids.add(part["unit_id"])
        users = {i: (login, name) for i, login, name in session.exec(
            select(User.id, User.username, User.display_name).where(User.id.in_(user_ids))).all()} if user_ids else {}
        units = {i: n for i, n in session.exec(select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids))).all()} \
            if unit_ids else {}
        return cls(users, units)

    def person(self, user_id: int | None, fallback: str) -> str:
        found = self.users.get(user_id) if user_id else None
        if found is None:
            return fallback or "—"
        login, name = found
        return f"{name}（{login}）" if name else login

    def unit(self, unit_id: Any) -> str:
        return self.units.get(unit_id, "（无）") if unit_id else "（无）"


def entries(session: Session, rows: Sequence[HistoryRecord]) -> list[Entry]:
    data = [_data(r.data) for r in rows]
    names = _Names.of(session, rows, data)
    return [_entry(r, d, names) for r, d in zip(rows, data, strict=True)]


def _data(raw: str) -> dict[str, Any]:
    try:
        return _decode(raw or "{}")
    except msgspec.DecodeError:  # a record written by hand outside the system: shown, not understood
        return {}


def _entry(r: HistoryRecord, d: dict[str, Any], names: _Names) -> Entry:
    return Entry(seq=r.seq, at=cn_date(r.at, with_time=True), kind=r.workflow,
                 kind_label=audit_log.KINDS.get(r.workflow, r.workflow), action=r.action,
                 action_label=ACTIONS.get(r.action, r.action), actor=names.person(r.actor_id, r.actor_name),
                 subject=_subject(r, d, names), details=tuple(_details(r, d, names)) or _UNCHANGED.get(r.action, ()),
                 address=ADDRESSES.get(address := str(d.get("address", "")), address))


def _subject(r: HistoryRecord, d: dict[str, Any], names: _Names) -> str:
    if r.workflow in (audit_log.USER, audit_log.SIGNIN):
        if r.subject_id == audit_log.NO_SUBJECT:
            return f"登录名 {r.actor_name}" if r.actor_name else "—"
        return names.person(r.subject_id, str(d.get("username", "")))
    if r.workflow == audit_log.UNIT:
        return names.units.get(r.subject_id) or str(d.get("unit", "")) or f"单位 #{r.subject_id}"
    if r.workflow == audit_log.LEDGER:
        return f"《{d['source']}》" if d.get("source") else "台账"
    if r.workflow == audit_log.CALENDAR:
        return f"{r.subject_id}年工作日历"
    if r.workflow == audit_log.OUTBOX:
        return f"通知 #{r.subject_id}" + (f"（{d['recipient']}）" if d.get("recipient") else "")
    return f"#{r.subject_id}"


def _change(label: str, before: Any, after: Any) -> str:
    return f"{label}：{before or '（空）'} → {after or '（空）'}"


def _details(r: HistoryRecord, d: dict[str, Any], names: _Names) -> Iterable[str]:
    before, after = d.get("before"), d.get("after")
    if r.action == "added":
        yield f"角色：{ORG.labels.get(d.get('role', ''), d.get('role', ''))}"
        if d.get("unit_id"):
            yield f"单位：{names.unit(d['unit_id'])}"
        if d.get("email"):
            yield f"邮箱：{d['email']}"
    elif r.action == "role_changed" and isinstance(before, dict) and isinstance(after, dict):
        if before.get("role") != after.get("role"):
            yield _change("角色", ORG.labels.get(before.get("role"), before.get("role")),
                          ORG.labels.get(after.get("role"), after.get("role")))
        if before.get("unit_id") != after.get("unit_id"):
            yield _change("单位", names.unit(before.get("unit_id")), names.unit(after.get("unit_id")))
    elif r.action in ("head_changed", "configured") and isinstance(before, dict) and isinstance(after, dict):
        if r.action == "configured" and not before:
            yield "新建单位"
        for key, label in (("head_name", "主要负责人"), ("head_email", "负责人邮箱")):
            if before.get(key) != after.get(key):
                yield _change(label, before.get(key), after.get(key))
        if before and before.get("reach") != after.get("reach"):
            yield _change("通知方式", REACH_LABELS.get(before.get("reach"), before.get("reach")),
                          REACH_LABELS.get(after.get("reach"), after.get("reach")))
        if d.get("robots"):
            yield f"工作群机器人：新增或修改 {d['robots']} 个"
    elif r.action == "reach_changed":
        shown = {**REACH_LABELS, "": "随单位设置"}
        yield _change("提醒渠道", shown.get(before or "", before), shown.get(after or "", after))
    elif r.action in ("robot_added", "robot_changed", "robot_removed"):
        yield f"机器人：{d.get('name') or '（未命名）'}（{KIND_LABELS.get(d.get('kind', ''), d.get('kind', ''))}）"
        if d.get("url"):
            yield f"地址：{d['url']}"
        yield "加签：" + ("已设置" if d.get("signed") else "未设置")
    elif r.action == "robot_resealed":
        yield f"机器人 #{d.get('robot', '')}"
    elif r.action == "password_reset":
        yield "已生成一次性临时密码；原有登录和 API 令牌失效"
    elif r.action == "imported":
        if d.get("plan"):
            yield f"方案：{d['plan']}"
        lines = [str(x) for x in d.get("summary") or []]
        yield from lines[:SHOWN_MAX]
        if len(lines) > SHOWN_MAX:
            yield f"另有 {len(lines) - SHOWN_MAX} 行"
        if d.get("force"):
            yield "确认后强制导入（含删除或改动已办理的举措）"
    elif r.action == "address_throttled":
        yield f"{d.get('window_minutes', '')} 分钟内登录失败 {d.get('failures', '')} 次，暂停该地址登录"
    elif r.action == "account_locked":
        yield f"连续登录失败 {d.get('failures', '')} 次"
    if r.comment:
        yield r.comment
    if r.action == "retry" and d.get("last_error"):
        yield f"此前的错误：{d['last_error']}"


def _kind(kind: str | None) -> str | None:
    if kind and kind not in audit_log.KINDS:
        raise BadRequest("没有这一类操作记录：" + kind[:32])
    return kind or None


def trail_page(session: Session, kind: str | None, before: int | None) -> tuple[list[Entry], int | None]:
    rows, after = audit_log.trail(session, _kind(kind), before)
    return entries(session, rows), after
