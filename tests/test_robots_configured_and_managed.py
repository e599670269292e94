"""Group robots come from units.toml (applied by reform init) and from 管理; secrets are never shown back in full;
each person chooses their channels on 通知方式."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from litestar.testing import TestClient
from sqlmodel import Session, select

from config.loader import parse_units
from config.settings import ConfigError
from tests.notify_support import signed_in
from web.app import create_app
from workflows.accounts_models import User
from workflows.models import Unit, UnitWebhook

TOKEN = "0123456789abcdef0123456789abcdef"
UNITS = f'''
[[unit]]
name = "区政府督查办"
kind = "supervisor"
head_email = "duchaban@wulong.example"

[[unit]]
name = "区市场监管局"
reach = "robot"

[[unit.webhook]]
name = "区市场监管局工作群"
kind = "dingtalk"
url = "https://oapi.dingtalk.com/robot/send?access_token={TOKEN}"
secret_env = "REFORM_TEST_ROBOT_SECRET"

[[unit.webhook]]
kind = "wecom"
url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcdefgh-1234"
'''


def test_units_toml_names_robots_and_says_which_line_is_wrong():
    import tomllib

    [office, scjg] = parse_units(tomllib.loads(UNITS), "units.toml", {"REFORM_TEST_ROBOT_SECRET": "SECabc"})
    assert office.webhooks == () and scjg.reach == "robot"
    assert [(h.kind, h.secret, h.name) for h in scjg.webhooks] == [("dingtalk", "SECabc", "区市场监管局工作群"),
                                                                  ("wecom", "", "")]
    with pytest.raises(ConfigError, match="REFORM_TEST_ROBOT_SECRET 未设置"):
        parse_units(tomllib.loads(UNITS), "units.toml", {})
    for bad, said in (('kind = "feishu"\nurl = "https://x.example/h"', "未知机器人类型"),
                      ('kind = "webhook"\nurl = "ftp://x.example/h"', "url 应为 http"),
                      ):
        text = f'[[unit]]\nname = "甲"\n[[unit.webhook]]\n{bad}\n'
        with pytest.raises(ConfigError, match=f"units.toml 单位“甲”的第 1 个 \\[\\[unit.webhook\\]\\]：{said}"):
            parse_units(tomllib.loads(text), "units.toml", {})
    with pytest.raises(ConfigError, match="未知通知方式"):
        parse_units(tomllib.loads('[[unit]]\nname = "甲"\nreach = "pigeon"\n'), "units.toml", {})


def test_reform_init_applies_the_configured_robots_once(cli, db, tmp_path, monkeypatch, capsys):
    folder = tmp_path / "config"
    shutil.copytree(Path(__file__).resolve().parent.parent / "config", folder)
    (folder / "units.toml").write_text(UNITS, encoding="utf-8")
    monkeypatch.setenv("REFORM_CONFIG_DIR", str(folder))
    monkeypatch.setenv("REFORM_TEST_ROBOT_SECRET", "SECfromtheenvironment")
    assert cli(["init"]) == 0
    with Session(db) as session:
        unit = session.exec(select(Unit).where(Unit.name == "区市场监管局")).one()
        hooks = session.exec(select(UnitWebhook).where(UnitWebhook.unit_id == unit.id).order_by(UnitWebhook.id)).all()
    assert unit.reach == "robot"
    assert [(h.kind, h.secret, h.source, h.active) for h in hooks] == [
        ("dingtalk", "SECfromtheenvironment", "config", True), ("wecom", "", "config", True)]
    capsys.readouterr()
    assert cli(["init"]) == 0
    assert "units changed: 0" in capsys.readouterr().out


@pytest.fixture
def web(rt, make_user):
    from tests.world import esc_plan

    esc_plan(rt)  # 区市场监管局 and 区财政局, with their heads' addresses
    make_user("root", "admin")
    make_user("office", "office")
    make_user("clerk", "unit_staff", "区市场监管局")
    with TestClient(create_app(rt)) as c:
        yield c


def scjg(rt) -> Unit:
    with Session(rt.engine) as session:
        return session.exec(select(Unit).where(Unit.name == "区市场监管局")).one()


def test_admin_adds_and_removes_a_robot_and_never_sees_its_secret_again(web, rt):
    unit = scjg(rt)
    assert web.post(f"/admin/units/{unit.id}/robots", data={"_csrf_token": signed_in(web, "office")}).status_code == 403
    token = signed_in(web, "root")
    url = f"https://oapi.dingtalk.com/robot/send?access_token={TOKEN}"
    form = {"name": "区市场监管局工作群", "kind": "dingtalk", "url": url, "secret": "SEC0123456789abcdef0123",
            "_csrf_token": token}
    assert web.post(f"/admin/units/{unit.id}/robots", data=form).status_code in (200, 303)
    page = web.get("/admin/units").text
    assert "移除机器人 区市场监管局工作群" in page and "access_token=0123…cdef" in page and "SEC0…0123" in page
    assert TOKEN not in page and "SEC0123456789abcdef0123" not in page
    bad = web.post(f"/admin/units/{unit.id}/robots", data={**form, "url": "javascript:alert(1)"})
    assert bad.status_code == 400 and "机器人地址应为" in bad.text
    assert web.post(f"/admin/units/{unit.id}/reach", data={"reach": "robot", "_csrf_token": token}).status_code \
        in (200, 303)
    with Session(rt.engine) as session:
        hook = session.exec(select(UnitWebhook)).one()
        assert (hook.secret, hook.source, session.get(Unit, unit.id).reach) == ("SEC0123456789abcdef0123", "manual",
                                                                                 "robot")
    assert web.post(f"/admin/units/{unit.id}/robots/{hook.id}/remove", data={"_csrf_token": token}).status_code \
        in (200, 303)
    assert "移除机器人 区市场监管局工作群" not in web.get("/admin/units").text


def test_a_person_chooses_their_channels(web, rt):
    token = signed_in(web, "clerk")
    page = web.get("/notifications").text
    assert "按单位设置（邮件和工作群机器人）" in page and "尚未配置工作群机器人" in page
    assert web.post("/notifications", data={"reach": "robot", "_csrf_token": token}).status_code == 200
    with Session(rt.engine) as session:
        assert session.exec(select(User).where(User.username == "clerk")).one().reach == "robot"
    page = web.get("/notifications").text
    assert "发到 clerk@wulong.example" in page  # no robot in the unit yet: mail still reaches them
    refused = web.post("/notifications", data={"reach": "fax", "_csrf_token": token})
    assert refused.status_code == 400 and "未知的通知方式" in refused.text
    assert web.post("/notifications", data={"reach": "", "_csrf_token": token}).status_code == 200
    with Session(rt.engine) as session:
        assert session.exec(select(User).where(User.username == "clerk")).one().reach is None
