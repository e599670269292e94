"""管理 → 单位: each unit's group robots (add, remove; secrets and tokens never shown in full) and default channels."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Request, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from engine.errors import WorkflowError
from engine.sealing import UNREADABLE
from notifications.robot_channel import KIND_LABELS, masked, masked_url
from notifications.robots import KINDS
from web.throttle import client_address
from web.ui.admin_ops import By
from web.ui.common import RT, Form, Me, Who, failed, see_other
from workflows import audit_log, webhooks
from workflows.models import REACH_LABELS, UnitWebhook

DONE = {"robot": "机器人已添加。", "robot_removed": "机器人已移除。", "reach": "通知方式已保存。"}


@dataclass(frozen=True)
class RobotShown:
    """A robot as the page shows it: the token in its URL and its secret masked."""

    id: int
    name: str
    kind: str
    kind_label: str
    url: str
    secret: str
    source: str


UNREADABLE_SHOWN = ("无法解密：加密保存它时的 REFORM_SECRET_KEY 已更换，此机器人暂不发送。"
                    "请运行 reform robots reseal，或移除后重新添加")


def shown(hook: UnitWebhook) -> RobotShown:
    unreadable = UNREADABLE in (hook.url, hook.secret)
    url = UNREADABLE_SHOWN if unreadable else masked_url(hook.url)
    secret = "" if unreadable or not hook.secret else masked(hook.secret)  # the line above says it all
    return RobotShown(hook.id, hook.name, hook.kind, KIND_LABELS.get(hook.kind, hook.kind), url, secret, hook.source)


def robots_context(session) -> dict:
    """What the units page needs for the robots: every unit's robots, the kinds, the channel choices."""
    robots = {unit_id: [shown(h) for h in hooks] for unit_id, hooks in webhooks.robots_by_unit(session).items()}
    return {"robots": robots, "robot_kinds": KIND_LABELS, "reach_labels": REACH_LABELS}


def _again(rt, user, exc: WorkflowError) -> Template:
    from web.ui.admin import units_context

    return failed(rt, user, "admin/units.html", exc, **units_context(rt), done=None, tab="units")


def _by(request: Request, user) -> By:
    return By(user.username, user.id, client_address(request))


def _robot_facts(hook: UnitWebhook) -> dict:
    """What the audit history keeps of a robot: never its token or its secret, only that it has one."""
    return {"robot": hook.id, "name": hook.name, "kind": hook.kind, "url": masked_url(hook.url),
            "signed": bool(hook.secret)}


@post("/admin/units/{unit_id:int}/robots", sync_to_thread=True)
def robot_add(rt: RT, user: Me, access: Who, request: Request, unit_id: FromPath[int], data: Form
              ) -> Template | Redirect:
    access.require("administration", "管理工作群机器人")
    try:
        with rt.write() as session:
            before = {h.id for h in webhooks.robots_by_unit(session).get(unit_id, [])}
            hook, changed = webhooks.put(session, unit_id, data.get("url", ""), data.get("kind", ""),
                                         data.get("secret", ""), data.get("name", ""), KINDS)
            if changed:
                _by(request, user).record(session, audit_log.UNIT, unit_id,
                                          "robot_changed" if hook.id in before else "robot_added", rt.clock.now(),
                                          **_robot_facts(hook))
    except WorkflowError as exc:
        return _again(rt, user, exc)
    return see_other(f"/admin/units?ok=robot#unit-{unit_id}")


@post("/admin/units/{unit_id:int}/robots/{robot_id:int}/remove", sync_to_thread=True)
def robot_remove(rt: RT, user: Me, access: Who, request: Request, unit_id: FromPath[int], robot_id: FromPath[int]
                 ) -> Template | Redirect:
    access.require("administration", "管理工作群机器人")
    try:
        with rt.write() as session:
            hook = webhooks.remove(session, unit_id, robot_id)
            _by(request, user).record(session, audit_log.UNIT, unit_id, "robot_removed", rt.clock.now(),
                                      **_robot_facts(hook))
    except WorkflowError as exc:
        return _again(rt, user, exc)
    return see_other(f"/admin/units?ok=robot_removed#unit-{unit_id}")


@post("/admin/units/{unit_id:int}/reach", sync_to_thread=True)
def unit_reach(rt: RT, user: Me, access: Who, request: Request, unit_id: FromPath[int], data: Form
               ) -> Template | Redirect:
    access.require("administration", "设置单位的通知方式")
    try:
        with rt.write() as session:
            was = webhooks.unit_of(session, unit_id).reach
            unit = webhooks.set_unit_reach(session, unit_id, data.get("reach", ""))
            if unit.reach != was:
                _by(request, user).record(session, audit_log.UNIT, unit_id, "reach_changed", rt.clock.now(),
                                          unit=unit.name, before=was, after=unit.reach)
    except WorkflowError as exc:
        return _again(rt, user, exc)
    return see_other(f"/admin/units?ok=reach#unit-{unit_id}")


ROUTES: list = [robot_add, robot_remove, unit_reach]
