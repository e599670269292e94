"""管理 · 操作记录 and GET /api/admin/audit: the administrator reads who changed accounts, units, robots, the ledger,
the calendar or the outbox, when and from where, newest first, a keyset page at a time; nobody else can, and no
robot's token or secret is ever shown."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime

import pytest
from litestar.testing import TestClient
from sqlmodel import Session, select

from engine import history
from notifications import outbox_ops
from tests.web_support import PASSWORD, sign_in
from web.app import create_app
from web.ui.common import cn_date
from workflows import audit_log, calendar_store
from workflows.accounts_models import User
from workflows.models import Unit
from workflows.roles import ORG

TOKEN = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
SECRET = "SEC0123456789abcdef0123"


@pytest.fixture
def web(rt, make_user):
    from tests.world import esc_plan

    esc_plan(rt)
    make_user("root", "admin")
    make_user("office", "office")
    with TestClient(create_app(rt)) as c:
        yield c


def ids(rt, model, column, value) -> int:
    with Session(rt.engine) as session:
        return session.exec(select(model.id).where(column == value)).one()


def bearer(client: TestClient, username: str) -> dict:
    token = client.post("/api/auth/token", json={"username": username, "password": PASSWORD}).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def test_the_trail_says_who_changed_what_newest_first(web, rt):
    token = sign_in(web, "root")
    form = {"username": "czj", "display_name": "财政局经办人", "email": "c@czj.example", "role": "unit_staff",
            "unit": "区财政局", "password": "long-enough-1", "_csrf_token": token}
    assert web.post("/admin/users", data=form, follow_redirects=False).status_code == 303
    czj = ids(rt, User, User.username, "czj")
    web.post(f"/admin/users/{czj}/role", data={"role": "unit_head", "unit": "区财政局", "_csrf_token": token})
    unit = ids(rt, Unit, Unit.name, "区市场监管局")
    web.post(f"/admin/units/{unit}", data={"head_name": "王局长", "head_email": "w@scjg.example", "_csrf_token": token})
    robot = {"name": "区市场监管局工作群", "kind": "dingtalk", "secret": SECRET, "_csrf_token": token,
             "url": f"https://oapi.dingtalk.com/robot/send?access_token={TOKEN}"}
    assert web.post(f"/admin/units/{unit}/robots", data=robot).status_code in (200, 303)
    web.post(f"/admin/users/{czj}/active", data={"active": "false", "_csrf_token": token})

    page = web.get("/admin/audit")
    assert page.status_code == 200 and 'aria-current="page">操作记录' in page.text
    text = page.text
    newest_first = ("停用用户", "添加工作群机器人", "修改主要负责人", "修改角色或单位", "添加用户")
    order = [text.index(label) for label in newest_first]
    assert order == sorted(order)  # newest first
    assert "财政局经办人（czj）" in text and "root（root）" in text and "来自 testclient" in text
    assert cn_date(rt.clock.now(), with_time=True) in text
    labels = ORG.labels
    assert f"角色：{labels['unit_staff']} → {labels['unit_head']}" in text
    assert "主要负责人：" in text and "→ 王局长" in text
    assert "access_token=0123…cdef" in text and "加签：已设置" in text
    assert TOKEN not in text and SECRET not in text and "long-enough-1" not in text

    only_units = web.get("/admin/audit?kind=unit").text
    assert "修改主要负责人" in only_units and "添加用户" not in only_units


def test_the_api_pages_by_keyset_without_gaps_or_repeats(web, rt):
    with rt.write() as session:
        for n in range(57):
            audit_log.record(session, audit_log.USER, 1000 + n, "password_reset", by="root", by_id=None,
                             at=rt.clock.now(), address="10.0.0.1", data={"username": f"u{n}"})
    headers = bearer(web, "root")
    first = web.get("/api/admin/audit", headers=headers).json()
    assert len(first["items"]) == audit_log.TRAIL_PAGE and first["next_before"]
    second = web.get(f"/api/admin/audit?before={first['next_before']}", headers=headers).json()
    assert second["next_before"] is None
    seqs = [e["seq"] for e in first["items"] + second["items"]]
    assert seqs == sorted(seqs, reverse=True) and len(set(seqs)) == len(seqs)
    with rt.read() as session:
        everything = [r.seq for r in session.exec(select(audit_log.HistoryRecord).where(
            audit_log.HistoryRecord.workflow.in_(list(audit_log.KINDS))))]
    assert sorted(seqs) == sorted(everything)  # the users added by the fixture too
    item = first["items"][0]
    assert (item["action_label"], item["subject"], item["address"]) == ("重置密码", "u56", "10.0.0.1")

    bad = web.get("/api/admin/audit?kind=measure", headers=headers)
    assert bad.status_code == 400 and "没有这一类操作记录" in bad.json()["message"]


def test_workflow_actions_stay_out_and_outbox_and_calendar_records_come_in(web, rt):
    with rt.write() as session:  # an action on a measure: in the history, not in this trail
        history.append(session, workflow="reform_measure", subject_id=1, action="start", from_state="assigned",
                       to_state="in_progress", version=2, actor_id=None, actor_name="clerk", at=rt.clock.now())
        audit_log.record(session, outbox_ops.AUDIT, 7, "retry", by="office", by_id=None, at=rt.clock.now(),
                         comment="人工重新发送（此前尝试 6 次）",
                         data={"recipient": "w@scjg.example", "last_error": "550 mailbox unavailable"})
    items = web.get("/api/admin/audit", headers=bearer(web, "root")).json()["items"]
    assert {i["kind"] for i in items} <= set(audit_log.KINDS) and "start" not in {i["action"] for i in items}
    retry = items[0]
    assert retry["subject"] == "通知 #7（w@scjg.example）"
    assert retry["details"] == ["人工重新发送（此前尝试 6 次）", "此前的错误：550 mailbox unavailable"]
    assert (audit_log.OUTBOX, audit_log.CALENDAR) == (outbox_ops.AUDIT, calendar_store.AUDIT)


def test_only_the_administrator_reads_it(web, rt):
    sign_in(web, "office")
    assert web.get("/admin/audit").status_code == 403
    assert web.get("/api/admin/audit", headers=bearer(web, "office")).status_code == 403
    web.cookies.clear()
    assert web.get("/api/admin/audit").status_code == 401


def test_the_command_line_records_its_changes_and_prints_the_trail(cli, db, capsys):
    """`reform init` (the first admin), `reform ledger import` and `reform audit log`, a page at a time."""
    from cli.core import AUDIT_KINDS

    assert tuple(audit_log.KINDS) == AUDIT_KINDS
    assert cli(["init"]) == 0
    assert cli(["ledger", "import", "builtin:wulong-2022", "--create-units"]) == 0
    capsys.readouterr()
    assert cli(["audit", "log"]) == 0
    lines = capsys.readouterr().out.splitlines()
    heads = [line for line in lines if line.startswith("#")]
    assert "[台账导入] 导入台账" in heads[0] and f"— {audit_log.command_line('ledger import')} 来自 命令行" in heads[0]
    assert audit_log.command_line("init") == f"reform init（{getpass.getuser()}）"  # the command and the account
    init = audit_log.command_line("init")
    assert any(f"[用户] 添加用户  系统管理员（admin）  — {init}" in line for line in heads[1:])
    assert any(line.startswith("    ") and "85" in line for line in lines)  # the import's summary, indented
    assert cli(["demo", "setup"]) == 0
    capsys.readouterr()
    assert cli(["audit", "log", "--kind", "user"]) == 0
    users = capsys.readouterr().out
    setup = audit_log.command_line("demo setup")
    assert "导入台账" not in users and f"市场监管局经办人（clerk）  — {setup} 来自 命令行" in users

    with Session(db) as session:  # more than a page
        for n in range(audit_log.TRAIL_PAGE):
            audit_log.record(session, audit_log.SIGNIN, audit_log.NO_SUBJECT, "address_throttled", by=f"u{n}",
                             by_id=None, at=datetime.now(UTC), address="10.0.0.9",
                             data={"failures": 10, "window_minutes": 15})
        session.commit()
    assert cli(["audit", "log"]) == 0
    out = capsys.readouterr().out
    assert out.count("来源地址登录失败过多") == audit_log.TRAIL_PAGE and "15 分钟内登录失败 10 次" in out
    before = out.rsplit("--before ", 1)[1].split("）")[0]
    assert cli(["audit", "log", "--before", before]) == 0
    rest = capsys.readouterr().out
    assert "导入台账" in rest and "来源地址登录失败过多" not in rest and "--before" not in rest


def test_reform_init_records_what_units_toml_changed(cli, db, tmp_path, monkeypatch, capsys):
    import shutil
    from pathlib import Path

    folder = tmp_path / "config"
    shutil.copytree(Path(__file__).resolve().parent.parent / "config", folder)
    toml = (folder / "units.toml").read_text(encoding="utf-8")
    assert 'head_name = "督查办主任"' in toml
    (folder / "units.toml").write_text(toml.replace('head_name = "督查办主任"', 'head_name = "新任主任"'),
                                       encoding="utf-8")
    monkeypatch.setenv("REFORM_CONFIG_DIR", str(folder))
    assert cli(["init"]) == 0
    capsys.readouterr()
    assert cli(["audit", "log", "--kind", "unit"]) == 0
    out = capsys.readouterr().out
    assert f"按 units.toml 配置单位  区政府督查办  — {audit_log.command_line('init')} 来自 命令行" in out
    assert "主要负责人：督查办主任 → 新任主任" in out
    assert cli(["init"]) == 0  # nothing changed the second time: nothing recorded
    capsys.readouterr()
    assert cli(["audit", "log", "--kind", "unit"]) == 0
    assert capsys.readouterr().out.count("按 units.toml 配置单位") == 1
