"""Group robots come from units.toml (applied by reform init) and from 管理; secrets are never shown back in full;
each person chooses their channels on 通知方式."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from litestar.testing import TestClient
from sqlalchemy import text
from sqlmodel import Session, select

from config.loader import parse_units
from config.settings import ConfigError, Settings
from engine.outbox import Notice, Recipient
from engine.sealing import PREFIX, UNREADABLE, Sealer, seal_with, sealer_of
from notifications.robots import KINDS
from tests.notify_support import signed_in
from web.app import create_app
from web.ui.admin_robots import UNREADABLE_SHOWN
from workflows import audit_log
from workflows.accounts_models import User
from workflows.directory import robots_of
from workflows.models import Unit, UnitWebhook
from workflows.routing import route
from workflows.webhooks import put

TOKEN = "0123456789abcdef0123456789abcdef"
KEY = "the-operators-secret-key-0123456789"
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


def configured_robots(tmp_path, monkeypatch) -> None:
    """The project's configuration with UNITS as units.toml, and the secret its first robot names."""
    folder = tmp_path / "config"
    shutil.copytree(Path(__file__).resolve().parent.parent / "config", folder)
    (folder / "units.toml").write_text(UNITS, encoding="utf-8")
    monkeypatch.setenv("REFORM_CONFIG_DIR", str(folder))
    monkeypatch.setenv("REFORM_TEST_ROBOT_SECRET", "SECfromtheenvironment")


def test_reform_init_applies_the_configured_robots_once(cli, db, tmp_path, monkeypatch, capsys):
    configured_robots(tmp_path, monkeypatch)
    monkeypatch.delenv("REFORM_SECRET_KEY", raising=False)
    assert cli(["init"]) == 2, "robots are sealed under REFORM_SECRET_KEY: without it init refuses them"
    assert "REFORM_SECRET_KEY" in capsys.readouterr().err
    monkeypatch.setenv("REFORM_SECRET_KEY", KEY)
    assert cli(["init"]) == 0
    with db.connect() as conn:  # as a dump or a backup shows the table: neither the token nor the secret
        stored = " ".join(" ".join(map(str, row)) for row in conn.execute(text("SELECT * FROM unit_webhook")))
    assert TOKEN not in stored and "SECfromtheenvironment" not in stored and "abcdefgh-1234" not in stored
    assert stored.count(PREFIX) == 3  # two URLs and one secret
    seal_with(db, Sealer(Settings(secret_key=KEY).sealing_key))
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
    with rt.read() as session:  # every change an admin made, in the audit chain, without the credentials
        records = audit_log.records(session, audit_log.UNIT, unit.id)
    assert [r.action for r in records] == ["robot_added", "reach_changed", "robot_removed"]
    assert records[0].payload["url"].endswith("access_token=0123…cdef") and records[0].payload["signed"] is True
    assert (records[1].payload["before"], records[1].payload["after"]) == ("both", "robot")
    assert all(r.actor_name == "root" for r in records)
    assert TOKEN not in str([r.data for r in records]) and "SEC0123456789" not in str([r.data for r in records])


def test_a_person_chooses_their_channels(web, rt):
    token = signed_in(web, "clerk")
    page = web.get("/notifications").text
    assert "按单位设置（邮件和工作群机器人）" in page and "尚未配置工作群机器人" in page
    assert web.post("/notifications", data={"reach": "robot", "_csrf_token": token}).status_code == 200
    with Session(rt.engine) as session:
        clerk = session.exec(select(User).where(User.username == "clerk")).one()
        assert clerk.reach == "robot"
        [chosen] = audit_log.records(session, audit_log.USER, clerk.id)
        assert (chosen.action, chosen.actor_name, chosen.payload["after"]) == ("reach_changed", "clerk", "robot")
    page = web.get("/notifications").text
    assert "发到 clerk@wulong.example" in page  # no robot in the unit yet: mail still reaches them
    refused = web.post("/notifications", data={"reach": "fax", "_csrf_token": token})
    assert refused.status_code == 400 and "未知的通知方式" in refused.text
    assert web.post("/notifications", data={"reach": "", "_csrf_token": token}).status_code == 200
    with Session(rt.engine) as session:
        assert session.exec(select(User).where(User.username == "clerk")).one().reach is None


def test_a_robot_sealed_under_a_former_key_is_said_so_and_entered_again(web, rt):
    unit = scjg(rt)
    token = signed_in(web, "root")
    url = f"https://oapi.dingtalk.com/robot/send?access_token={TOKEN}"
    form = {"name": "区市场监管局工作群", "kind": "dingtalk", "url": url, "secret": "SEC0123456789abcdef0123",
            "_csrf_token": token}
    assert web.post(f"/admin/units/{unit.id}/robots", data=form).status_code in (200, 303)
    with Session(rt.engine) as session:
        first = session.exec(select(UnitWebhook)).one()
    robot = rt.channels["robot"]
    kept = sealer_of(rt.engine)
    seal_with(rt.engine, Sealer(lambda: b"another key, after REFORM_SECRET_KEY was changed"))
    try:
        page = web.get("/admin/units").text
        assert UNREADABLE_SHOWN in page and TOKEN not in page
        with Session(rt.engine) as session:
            assert session.get(UnitWebhook, first.id).url == UNREADABLE
            to = Recipient(unit_id=unit.id, name="区市场监管局工作群", endpoint_id=first.id)
            assert robot.addresses(session, [to]) == [None], "no address: the row fails on 邮件, it is not sent"
        from types import SimpleNamespace

        half = SimpleNamespace(url=url, kind="dingtalk", secret=UNREADABLE, name="群")  # a secret that does not open
        assert robot._address(half) is None, "never signed with what a secret that does not open reads as"
        assert web.post(f"/admin/units/{unit.id}/robots", data=form).status_code in (200, 303)  # entered again
        with Session(rt.engine) as session:
            hooks = session.exec(select(UnitWebhook).order_by(UnitWebhook.id)).all()
            assert [h.id == first.id for h in hooks] == [True, False] and hooks[1].url == url
            to = Recipient(unit_id=unit.id, name="区市场监管局工作群", endpoint_id=hooks[1].id)
            assert robot.addresses(session, [to])[0].target.secret == "SEC0123456789abcdef0123"
        assert "access_token=0123…cdef" in web.get("/admin/units").text
    finally:
        seal_with(rt.engine, kept)


def test_robots_written_in_the_clear_read_as_written_and_init_seals_them_in_place(rt):
    from runtime.provision import initialise
    from tests.world import esc_plan

    esc_plan(rt)
    unit = scjg(rt)
    url = f"https://oapi.dingtalk.com/robot/send?access_token={TOKEN}"
    with rt.write() as session:  # as a release before sealing wrote it
        session.execute(text("INSERT INTO unit_webhook (unit_id, kind, url, secret, name, source, active) "
                             "VALUES (:u, 'dingtalk', :url, 'SECplain0123456789', '旧群', 'manual', :t)"),
                        {"u": unit.id, "url": url, "t": True})
    with Session(rt.engine) as session:
        old = session.exec(select(UnitWebhook)).one()
        assert (old.url, old.secret, old.url_digest) == (url, "SECplain0123456789", None)
    initialise(rt)
    with rt.engine.connect() as conn:
        raw = conn.execute(text("SELECT id, url, secret, url_digest FROM unit_webhook")).one()
    assert raw.id == old.id and raw.url.startswith(PREFIX) and raw.secret.startswith(PREFIX) and raw.url_digest
    assert TOKEN not in raw.url and "SECplain" not in raw.secret
    with rt.write() as session:  # the same URL entered again finds the sealed row by its digest
        hook, changed = put(session, unit.id, url, "dingtalk", "", "区市场监管局工作群", KINDS)
        assert hook.id == old.id and changed and hook.secret == "SECplain0123456789"
    with Session(rt.engine) as session:
        assert [(h.id, h.name) for h in session.exec(select(UnitWebhook))] == [(old.id, "区市场监管局工作群")]


def test_sealed_values_open_only_under_their_key_and_column(tmp_path):
    sealer = Sealer(Settings(secret_key=KEY).sealing_key)
    one, two = sealer.seal("https://x.example/h?key=abc", "unit_webhook.url"), sealer.seal(
        "https://x.example/h?key=abc", "unit_webhook.url")
    assert one != two and "abc" not in one  # a fresh nonce each time: equal values do not show as equal
    assert sealer.open(one, "unit_webhook.url") == "https://x.example/h?key=abc"
    assert sealer.open(one, "unit_webhook.secret") == UNREADABLE, "a value moved to another column does not open"
    assert Sealer(Settings(secret_key=KEY + "x").sealing_key).open(one, "unit_webhook.url") == UNREADABLE
    assert sealer.open(one[:-4] + "AAAA", "unit_webhook.url") == UNREADABLE  # altered
    assert sealer.digest("a") == sealer.digest("a") != Sealer(Settings(secret_key=KEY + "x").sealing_key).digest("a")
    assert Settings(secret_key=KEY).sealing_key() != Settings(secret_key=KEY).session_secret()
    demo = Settings(secret_key=None, demo=True, data_dir=tmp_path)
    assert demo.sealing_key() == demo.sealing_key(), "demo mode keeps its key across restarts"
    assert (tmp_path / "sealing.key").stat().st_mode & 0o777 == 0o600
    with pytest.raises(ConfigError, match="REFORM_SECRET_KEY"):
        Settings(secret_key=None, demo=False).sealing_key()


def test_notices_are_routed_to_robots_without_opening_their_credentials(web, rt):
    """A sweep run where the key is not set (a cron job's environment) still routes to the unit's robot; only
    the sending opens the URL and the secret."""
    unit = scjg(rt)
    token = signed_in(web, "root")
    url = f"https://oapi.dingtalk.com/robot/send?access_token={TOKEN}"
    form = {"name": "区市场监管局工作群", "kind": "dingtalk", "url": url, "secret": "", "_csrf_token": token}
    assert web.post(f"/admin/units/{unit.id}/robots", data=form).status_code in (200, 303)
    kept = sealer_of(rt.engine)

    def no_key() -> bytes:
        raise AssertionError("the key was asked for")

    seal_with(rt.engine, Sealer(no_key))
    try:
        with Session(rt.engine) as session:
            [hook] = robots_of(session, [unit.id])[unit.id]
            assert hook.name == "区市场监管局工作群"
            person, robot = route(session, [Notice("escalation", Recipient(user_id=clerk_id(session)), "measure", 1,
                                                   {"measure_id": 1})])
            assert (person.channel, robot.channel, robot.to.endpoint_id) == ("email", "robot", hook.id)
    finally:
        seal_with(rt.engine, kept)


def clerk_id(session) -> int:
    return session.exec(select(User).where(User.username == "clerk")).one().id


def test_after_the_key_changes_the_operator_reseals_the_robots(cli, db, tmp_path, monkeypatch, capsys):
    configured_robots(tmp_path, monkeypatch)
    monkeypatch.setenv("REFORM_SECRET_KEY", KEY)
    assert cli(["init"]) == 0
    new_key = "the-new-secret-key-after-a-leak-9876543210"
    monkeypatch.setenv("REFORM_SECRET_KEY", new_key)
    seal_with(db, Sealer(Settings(secret_key=new_key).sealing_key))
    with Session(db) as session:
        assert {h.url for h in session.exec(select(UnitWebhook))} == {UNREADABLE}
    former = tmp_path / "former-key"
    former.write_text("not-the-former-key-at-all-0000\n")
    capsys.readouterr()
    assert cli(["robots", "reseal", "--former-key-file", str(former)]) == 1, "neither key opens them: said so"
    assert "open under neither key" in capsys.readouterr().out
    former.write_text(KEY + "\n")
    assert cli(["robots", "reseal", "--former-key-file", str(former)]) == 0
    assert "resealed 2 robots" in capsys.readouterr().out
    with Session(db) as session:
        hooks = session.exec(select(UnitWebhook).order_by(UnitWebhook.id)).all()
        assert [(h.url, h.secret) for h in hooks] == [
            (f"https://oapi.dingtalk.com/robot/send?access_token={TOKEN}", "SECfromtheenvironment"),
            ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcdefgh-1234", "")]
        resealed = [r for r in audit_log.records(session, audit_log.UNIT) if r.action == "robot_resealed"]
        assert sorted(r.payload["robot"] for r in resealed) == [h.id for h in hooks]
    assert cli(["robots", "reseal", "--former-key-file", str(former)]) == 0
    assert "resealed 0 robots" in capsys.readouterr().out
    assert cli(["init"]) == 0 and "units changed: 0" in capsys.readouterr().out  # found by the new digests


def test_a_robot_written_in_the_clear_and_entered_again_before_init_is_sealed_in_place(rt):
    """A restored backup of a release before sealing holds its robots in the clear until `reform init`: an admin
    entering the same robot meanwhile updates that row (sealing it), not a second robot with the same URL."""
    from tests.world import esc_plan

    esc_plan(rt)
    unit = scjg(rt)
    url = f"https://oapi.dingtalk.com/robot/send?access_token={TOKEN}"
    with rt.write() as session:
        session.execute(text("INSERT INTO unit_webhook (unit_id, kind, url, secret, name, source, active) "
                             "VALUES (:u, 'dingtalk', :url, 'SECplain0123456789', '旧群', 'manual', :t)"),
                        {"u": unit.id, "url": url, "t": True})
    with rt.write() as session:
        hook, changed = put(session, unit.id, url, "dingtalk", "", "区市场监管局工作群", KINDS)
        assert changed and hook.secret == "SECplain0123456789"
    with rt.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, url, secret, url_digest FROM unit_webhook")).all()
    assert [r.id for r in rows] == [hook.id], "the same row, no second robot"
    assert rows[0].url.startswith(PREFIX) and rows[0].secret.startswith(PREFIX) and rows[0].url_digest
